import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { convKernelOperator } from '../../src/estimate/conv/convKernelOperator.js';
import { spectralNormalize } from '../../src/constrain/SpectralNormalize.js';
import { lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { bjorckOrthonormalize } from '../../src/constrain/BjorckOrthonormalize.js';
import { spectralHardCap } from '../../src/constrain/SpectralHardCap.js';
import { softCapAlpha, spectralSoftCap } from '../../src/constrain/SpectralSoftCap.js';
import { spectralHammer } from '../../src/constrain/SpectralHammer.js';
import { HARD_CAP_MAX, HARD_CAP_RANGE, HARD_CAP_STEPS, oddPolynomialScalar } from '../../src/optim/oddPolynomial.js';
import { LipkitError } from '../../src/util/errors.js';
import { applyConstraints, constraintsCallback } from '../../src/constrain/applyConstraints.js';
import * as tfl from '@tensorflow/tfjs-layers';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/muon.json', import.meta.url), 'utf8')) as {
  softCap: { kappa: number; alpha: number; maxOnRange: number }[];
};

/** Exact singular values (float64 Jacobi) of a weight seen as the matrix [size / cout, cout]. */
function svals(w: tf.Tensor): Float64Array {
  const cout = w.shape[w.rank - 1] as number;
  const m = tf.reshape(w, [w.size / cout, cout]);
  const s = exactSingularValues(m.arraySync() as number[][]);
  m.dispose();
  return s;
}
const top = (w: tf.Tensor): number => svals(w)[0] as number;

/** Exact operator norm of the convolution of `kernel` on `inputShape` (dense matrix, float64 SVD). */
function convNorm(kernel: tf.Tensor, inputShape: number[], padding: 'same' | 'valid', strides: number): number {
  const op = convKernelOperator(kernel, inputShape, { padding, strides });
  const cols: Float32Array[] = [];
  for (let j = 0; j < op.inDim; j++) {
    const basis = new Float32Array(op.inDim); basis[j] = 1;
    const e = tf.tensor1d(basis);
    const y = op.apply(e);
    cols.push(y.dataSync() as Float32Array);
    tf.dispose([e, y]);
  }
  const dense = Array.from({ length: op.outDim }, (_, i) => cols.map((c) => c[i] as number));
  return exactSingularValues(dense)[0] as number;
}

/** Applies the constraint `times` times, feeding each result back (as a training loop does). */
function repeat(c: { apply: (w: tf.Tensor) => tf.Tensor }, w: tf.Tensor, times: number): tf.Tensor {
  let cur = tf.clone(w);
  for (let i = 0; i < times; i++) { const next = c.apply(cur); cur.dispose(); cur = next; }
  return cur;
}

describe.each(['cpu', 'wasm'] as const)('constraints on %s (oracle: exact SVD)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('spectralNormalize: sigma within 1e-2 of the target after warm-up (Dense, reshaped conv, conv operator)', () => {
    const before = tf.memory().numTensors;
    const w = tf.randomNormal([12, 7], 0, 1, 'float32', 1);
    const c = spectralNormalize({ target: 2 });
    const out = repeat(c, w, 5);
    expect(Math.abs(top(out) - 2)).toBeLessThan(1e-2);

    const k = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2);
    const ck = spectralNormalize({ target: 0.5 });
    const outK = repeat(ck, k, 5);
    expect(Math.abs(top(outK) - 0.5)).toBeLessThan(1e-2 * 0.5);

    const co = spectralNormalize({ target: 1, inputShape: [6, 5, 2], padding: 'same', strides: 1 });
    const outC = repeat(co, k, 8);
    const opNorm = convNorm(outC, [6, 5, 2], 'same', 1);
    expect(Math.abs(opNorm - 1)).toBeLessThan(1e-2);
    // the reshaped-kernel norm of that kernel is smaller: the true operator norm differs
    expect(top(outC)).toBeLessThan(opNorm * 0.95);
    tf.dispose([w, out, k, outK, outC]);
    [c, ck, co].forEach((x) => x.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lipschitzProjection: sigma <= maxNorm (1 + 1e-3) after warm-up; small weights come back bit-identical', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.mul(tf.randomNormal([10, 8], 0, 1, 'float32', 3), 2));
    const c = lipschitzProjection({ maxNorm: 1.5 });
    const out = repeat(c, w, 4);
    expect(top(out)).toBeLessThanOrEqual(1.5 * (1 + 1e-3));
    expect(top(out)).toBeGreaterThan(1.5 * (1 - 1e-2));
    const small = tf.tidy(() => tf.mul(tf.randomNormal([10, 8], 0, 1, 'float32', 4), 0.05));
    expect(top(small)).toBeLessThan(1.5);
    const fresh = lipschitzProjection({ maxNorm: 1.5 });
    const same = fresh.apply(small);
    expect(Array.from(same.dataSync())).toEqual(Array.from(small.dataSync()));
    tf.dispose([w, out, small, same]);
    c.dispose(); fresh.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bjorckOrthonormalize: every singular value within 1e-2 of 1 (wide, tall, conv reshaped)', () => {
    for (const [shape, seed] of [[[6, 10], 5], [[10, 6], 6], [[3, 3, 2, 5], 7]] as const) {
      const w = tf.mul(tf.randomNormal(shape as unknown as number[], 0, 1, 'float32', seed), 3);
      const c = bjorckOrthonormalize();
      const out = c.apply(w);
      for (const s of svals(out)) expect(Math.abs(s - 1)).toBeLessThan(1e-2);
      tf.dispose([w, out]); c.dispose();
    }
  });

  it('spectralHardCap: sigma <= cap (1 + 1e-3) by default, <= 1.0109 cap faithful, for weights from 0.3 to 20 times the cap', () => {
    const cap = 1.5;
    const d = spectralHardCap({ cap });
    expect(d.promise()).toBe(cap);
    for (const [scale, seed] of [[0.3, 8], [1, 9], [1.2, 17], [3, 10], [20, 11]] as const) {
      const w0 = tf.randomNormal([9, 6], 0, 1, 'float32', seed);
      const w = tf.mul(w0, (scale * cap) / top(w0));
      const out = d.apply(w);
      expect(top(out)).toBeLessThanOrEqual(cap * (1 + 1e-3));
      tf.dispose([w0, w, out]);
    }
    const c = spectralHardCap({ cap, faithful: true });
    expect(c.promise()).toBeCloseTo(HARD_CAP_MAX * cap, 10);
    for (const [scale, seed] of [[0.3, 8], [1, 9], [3, 10], [20, 11]] as const) {
      const w0 = tf.randomNormal([9, 6], 0, 1, 'float32', seed);
      const w = tf.mul(w0, (scale * cap) / top(w0));
      const out = c.apply(w);
      expect(top(out)).toBeLessThanOrEqual(c.promise() * (1 + 1e-5));
      if (scale === 3) expect(top(out)).toBeGreaterThan(cap * 0.96); // capped near the cap, not crushed
      tf.dispose([w0, w, out]);
    }
  });

  it('spectralHardCap faithful: singular values are p(s f / cap) cap with f = min(1, 3.6 / (sum (s/cap)^8)^(1/8)) (float64 scalar oracle, both branches of the range scale)', () => {
    const cap = 0.5;
    const c = spectralHardCap({ cap, faithful: true });
    // 40 x 12: spread spectra; scale 0.8 keeps ||G||_F^(1/2) in range (G reused), 2.5 and 6 need the G^2 bound
    for (const [scale, seed] of [[0.8, 3], [2.5, 4], [6, 5]] as const) {
      const w0 = tf.randomNormal([40, 12], 0, 1, 'float32', seed);
      const w = tf.mul(w0, (scale * cap) / top(w0));
      const s = Array.from(svals(w)).map((v) => v / cap);
      const bound = Math.pow(s.reduce((a, v) => a + v ** 8, 0), 1 / 8);
      const f = Math.min(1, HARD_CAP_RANGE / bound);
      const expected = s.map((v) => cap * oddPolynomialScalar(HARD_CAP_STEPS, v * f)).sort((a, b) => b - a);
      const out = c.apply(w);
      const got = Array.from(svals(out)).sort((a, b) => b - a);
      got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(2e-5 * cap));
      tf.dispose([w0, w, out]);
    }
  });

  it('spectralSoftCap: alpha equals the reference coupling (numpy roots); sigma <= promise for sigma(W) <= kappa cap', () => {
    for (const f of fixture.softCap) expect(softCapAlpha(f.kappa)).toBeCloseTo(f.alpha, 9);
    const cap = 2;
    const c = spectralSoftCap({ cap }); // kappa = 1.1: the promise is exactly the cap
    expect(c.kappa).toBeCloseTo(1.1, 12);
    expect(c.promise()).toBeGreaterThanOrEqual(cap);
    expect(c.promise()).toBeLessThan(cap * (1 + 1e-4));
    const wide = spectralSoftCap({ cap, maxUpdateNorm: cap * 0.5 }); // kappa = 1.5
    const f15 = fixture.softCap.find((f) => f.kappa === 1.5) as { maxOnRange: number };
    expect(wide.promise() / cap).toBeGreaterThanOrEqual(f15.maxOnRange);
    expect(wide.promise() / cap).toBeLessThan(f15.maxOnRange + 1e-3);
    for (const [cons, kappa] of [[c, 1.1], [wide, 1.5]] as const) {
      for (const frac of [0.5, 0.9, 1]) {
        const w0 = tf.randomNormal([7, 9], 0, 1, 'float32', 12);
        const w = tf.mul(w0, (frac * kappa * cap) / top(w0));
        const out = cons.apply(w);
        expect(top(out)).toBeLessThanOrEqual(cons.promise() * (1 + 1e-5));
        tf.dispose([w0, w, out]);
      }
    }
  });

  it('spectralHammer: sets the top singular value to the cap (within 1e-3) when sigma_2 <= cap, keeps the rest', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => {
      const r = tf.randomNormal([8, 5], 0, 0.3, 'float32', 13);
      const a = tf.randomNormal([8, 1], 0, 1, 'float32', 14);
      const b = tf.randomNormal([1, 5], 0, 1, 'float32', 15);
      return tf.add(r, tf.matMul(a, b)); // a clear top direction
    });
    const s = svals(w);
    const cap = ((s[0] as number) + (s[1] as number)) / 2;
    const c = spectralHammer({ cap });
    const out = c.apply(w);
    const sOut = svals(out);
    expect(Math.abs((sOut[0] as number) - cap) / cap).toBeLessThan(1e-3);
    for (let i = 1; i < s.length; i++) expect(Math.abs((sOut[i] as number) - (s[i] as number))).toBeLessThan(1e-3);
    // as in the reference, a smaller top singular value is raised to the cap
    const raise = spectralHammer({ cap: 2 * (s[0] as number) });
    const up = raise.apply(w);
    expect(Math.abs(top(up) - 2 * (s[0] as number)) / (2 * (s[0] as number))).toBeLessThan(1e-3);
    tf.dispose([w, out, up]); c.dispose(); raise.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('holds no tensors: no leak from the first call on, even without dispose() (tfjs-layers never disposes constraints)', () => {
    const w = tf.randomNormal([6, 4], 0, 1, 'float32', 16);
    const cs = [spectralNormalize(), lipschitzProjection({ maxNorm: 1 }), bjorckOrthonormalize(), spectralHardCap({ cap: 1 }), spectralSoftCap({ cap: 1 }), spectralHammer({ cap: 1 })];
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) for (const c of cs) c.apply(w).dispose();
    expect(tf.memory().numTensors).toBe(start);
    for (const c of cs) if ('dispose' in c) (c as { dispose: () => void }).dispose();
    expect(tf.memory().numTensors).toBe(start);
    w.dispose();
  });

  it('a constrained model saved, loaded and disposed leaves no tensor behind', async () => {
    const build = (): tfl.Sequential => tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [5], kernelConstraint: lipschitzProjection({ maxNorm: 1 }) }), tfl.layers.dense({ units: 2, kernelConstraint: spectralNormalize() })] });
    const start = tf.memory().numTensors;
    const m = build();
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const y = tf.zeros([4, 2]);
    await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [constraintsCallback()] });
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    m.dispose();
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    tf.tidy(() => { loaded.predict(x); });
    loaded.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('constraint validation', () => {
  const field = (fn: () => unknown): string => { try { fn(); } catch (e) { return e instanceof LipkitError ? e.argument : `other: ${String(e)}`; } return 'none'; };
  it('bad options and weights give LipkitErrors naming the field', () => {
    expect(field(() => lipschitzProjection({ maxNorm: 0 }))).toBe('options.maxNorm');
    expect(field(() => lipschitzProjection({ maxNorm: -1 }))).toBe('options.maxNorm');
    expect(field(() => lipschitzProjection({ maxNorm: NaN }))).toBe('options.maxNorm');
    expect(field(() => lipschitzProjection({} as { maxNorm: number }))).toBe('options.maxNorm');
    expect(field(() => spectralNormalize({ target: 0 }))).toBe('options.target');
    expect(field(() => spectralNormalize({ iterations: 0 }))).toBe('options.iterations');
    expect(field(() => spectralNormalize({ inputShape: [4] }))).toBe('options.inputShape');
    expect(field(() => spectralNormalize({ padding: 'causal' as 'same' }))).toBe('options.padding');
    expect(field(() => spectralNormalize({ strides: [1, 0] }))).toBe('options.strides[1]');
    expect(field(() => bjorckOrthonormalize({ beta: 0.7 }))).toBe('options.beta');
    expect(field(() => bjorckOrthonormalize({ iterations: 1.5 }))).toBe('options.iterations');
    expect(field(() => spectralHardCap({ cap: Infinity }))).toBe('options.cap');
    expect(field(() => spectralSoftCap({ cap: 1, weightDecay: 1 }))).toBe('options.weightDecay');
    expect(field(() => spectralSoftCap({ cap: 1, alpha: -1 }))).toBe('options.alpha');
    expect(field(() => spectralHammer({ cap: 1, iterations: 0 }))).toBe('options.iterations');
    const bias = tf.zeros([4]);
    for (const c of [spectralNormalize(), spectralHardCap({ cap: 1 }), spectralSoftCap({ cap: 1 }), spectralHammer({ cap: 1 }), bjorckOrthonormalize()]) {
      expect(field(() => c.apply(bias))).toBe('weight');
    }
    bias.dispose();
    expect(field(() => applyConstraints({} as never))).toBe('model');
  });
});
