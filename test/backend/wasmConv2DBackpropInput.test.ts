import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type BackendName } from '../../src/backend/setBackend.js';
import { expectAllClose, randomTensor } from './backendCompare.js';
import { cases, outShape, type Case } from './convCases.js';

/** dx via the Conv2DBackpropInput kernel directly (conv2dTranspose) and via the gradient of conv2d. */
function compute(all: Case[]): Float32Array[] {
  return tf.tidy(() => all.flatMap((c, i) => {
    const f = randomTensor([c.kh, c.kw, c.cin, c.cout], 100 + i) as tf.Tensor4D;
    const dy = randomTensor(outShape(c), 200 + i) as tf.Tensor4D;
    const x = randomTensor([c.n, c.h, c.w, c.cin], 300 + i) as tf.Tensor4D;
    const viaTranspose = tf.conv2dTranspose(dy, f, [c.n, c.h, c.w, c.cin], c.s, c.pad);
    const viaGrad = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, f, c.s, c.pad), dy)))(x);
    return [viaTranspose.dataSync() as Float32Array, viaGrad.dataSync() as Float32Array];
  }));
}

async function on(backend: BackendName, all: Case[]): Promise<Float32Array[]> {
  await setBackend(backend);
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const r = compute(all);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  return r;
}

describe('wasm Conv2DBackpropInput as a forward XNNPACK convolution', () => {
  it('equals cpu to 1e-4 (strides 1-3, same/valid/explicit, odd/even sizes), as conv2dTranspose and as the conv2d input gradient', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(80);
    const cpu = await on('cpu', all);
    const wasm = await on('wasm', all);
    cpu.forEach((v, j) => expectAllClose(wasm[j], v, 1e-4, `${j % 2 === 0 ? 'conv2dTranspose' : 'grad'} ${JSON.stringify(all[j >> 1])}`));
  });

  it('is the adjoint of conv2d on wasm: <conv2d(x), y> = <x, conv2dTranspose(y)> (float64 dot products)', async () => {
    await setBackend('wasm');
    const c: Case = { n: 2, h: 10, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, s: [2, 3], pad: 'same' };
    const x = randomTensor([c.n, c.h, c.w, c.cin], 1) as tf.Tensor4D;
    const f = randomTensor([c.kh, c.kw, c.cin, c.cout], 2) as tf.Tensor4D;
    const y = randomTensor(outShape(c), 3) as tf.Tensor4D;
    const ax = tf.conv2d(x, f, c.s, c.pad);
    const aty = tf.conv2dTranspose(y, f, [c.n, c.h, c.w, c.cin], c.s, c.pad);
    const dot = (a: tf.Tensor, b: tf.Tensor): number => {
      const [p, q] = [a.dataSync(), b.dataSync()];
      let s = 0;
      for (let i = 0; i < p.length; i++) s += p[i] * q[i];
      return s;
    };
    const lhs = dot(ax, y);
    expect(Math.abs(lhs - dot(x, aty))).toBeLessThan(1e-5 * Math.abs(lhs) + 1e-5);
    tf.dispose([x, f, y, ax, aty]);
  });
});
