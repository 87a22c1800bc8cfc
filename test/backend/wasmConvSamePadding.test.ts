import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type BackendName } from '../../src/backend/setBackend.js';
import { installBackendFixes, uninstallBackendFixes } from '../../src/backend/installBackendFixes.js';
import { expectAllClose, randomTensor } from './backendCompare.js';

interface Geometry { h: number; w: number; kh: number; kw: number; sh: number; sw: number; dil: number }

/** Deterministic geometries: every (n, k, s) of a grid on one axis, paired with a rotated one on the other. */
function geometries(): Geometry[] {
  const out: Geometry[] = [];
  const axis: Array<[number, number, number]> = [];
  for (let n = 1; n <= 12; n++) for (let k = 1; k <= 4; k++) for (let s = 1; s <= 5; s++) axis.push([n, k, s]);
  for (let i = 0; i < axis.length; i += 3) {
    const [h, kh, sh] = axis[i];
    const [w, kw, sw] = axis[(i * 7 + 13) % axis.length];
    out.push({ h, w, kh, kw, sh, sw, dil: 1 });
  }
  // The reported cases, and dilated ones (tfjs requires stride 1 with dilation).
  out.push({ h: 32, w: 32, kh: 3, kw: 3, sh: 4, sw: 4, dil: 1 }, { h: 9, w: 9, kh: 2, kw: 2, sh: 3, sw: 3, dil: 1 });
  out.push({ h: 7, w: 6, kh: 3, kw: 2, sh: 1, sw: 1, dil: 2 }, { h: 5, w: 9, kh: 2, kw: 3, sh: 1, sw: 1, dil: 3 });
  return out;
}

/** True when TF's 'same' total padding is clamped on some axis (the stock-wasm failure condition). */
const clamped = (g: Geometry): boolean => [[g.h, g.kh, g.sh], [g.w, g.kw, g.sw]]
  .some(([n, k, s]) => (Math.ceil(n / s) - 1) * s + (k - 1) * g.dil + 1 - n < 0);

function convs(g: Geometry, seed: number): tf.Tensor[] {
  const x = randomTensor([2, g.h, g.w, 3], seed) as tf.Tensor4D;
  const f = randomTensor([g.kh, g.kw, 3, 4], seed + 1) as tf.Tensor4D;
  const df = randomTensor([g.kh, g.kw, 3, 2], seed + 2) as tf.Tensor4D;
  const strides: [number, number] = [g.sh, g.sw];
  const dilations: [number, number] = [g.dil, g.dil];
  return [
    tf.conv2d(x, f, strides, 'same', 'NHWC', dilations),
    tf.fused.conv2d({ x, filter: f, strides, pad: 'same', dilations, bias: randomTensor([4], seed + 3), activation: 'relu' }),
    tf.depthwiseConv2d(x, df, strides, 'same', 'NHWC', dilations),
    tf.fused.depthwiseConv2d({ x, filter: df, strides, pad: 'same', dilations, bias: randomTensor([6], seed + 4) }),
  ];
}

/** Runs on the active backend (setBackend would re-install lipkit's fixes). */
function runHere(gs: Geometry[]): Float32Array[][] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => gs.map((g, i) => convs(g, 10 * i).map((t) => t.dataSync() as Float32Array)));
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

async function runAll(backend: BackendName, gs: Geometry[]): Promise<Float32Array[][]> {
  await setBackend(backend);
  return runHere(gs);
}

const NAMES = ['conv2d', 'fused conv2d', 'depthwise', 'fused depthwise'];

describe('wasm convolutions with \'same\' padding', () => {
  afterAll(() => { installBackendFixes(); });

  it('match cpu over many geometries (incl. stride > kernel) for conv2d, fused conv2d, depthwise and fused depthwise', async () => {
    const gs = geometries();
    expect(gs.filter(clamped).length).toBeGreaterThan(10);
    const cpu = await runAll('cpu', gs);
    const wasm = await runAll('wasm', gs);
    gs.forEach((g, i) => cpu[i].forEach((c, j) => expectAllClose(wasm[i][j], c, 1e-5, `${NAMES[j]} ${JSON.stringify(g)}`)));
  });

  it('stock tfjs-wasm is wrong where the padding is clamped (so the test above can fail)', async () => {
    const g: Geometry = { h: 32, w: 32, kh: 3, kw: 3, sh: 4, sw: 4, dil: 1 };
    const [cpu] = await runAll('cpu', [g]);
    await setBackend('wasm');
    uninstallBackendFixes();
    try {
      const [wasm] = runHere([g]);
      let err = 0;
      for (let i = 0; i < cpu[0].length; i++) err = Math.max(err, Math.abs(cpu[0][i] - wasm[0][i]));
      expect(err).toBeGreaterThan(0.1);
    } finally {
      installBackendFixes();
    }
  });
});
