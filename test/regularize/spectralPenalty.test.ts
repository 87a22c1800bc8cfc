import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { SpectralPenalty, spectralPenalty } from '../../src/regularize/SpectralPenalty.js';
import { spectralTargetPenalty } from '../../src/regularize/spectralTargetPenalty.js';
import { orthogonalityPenalty } from '../../src/regularize/orthogonalityPenalty.js';
import { LipkitError } from '../../src/util/errors.js';
import { centralDifference, expectNoLeak, lcg, relErr } from './helpers.js';

function topSigma(data: number[], rows: number, cols: number): number {
  const m: number[][] = [];
  for (let i = 0; i < rows; i++) m.push(data.slice(i * cols, (i + 1) * cols));
  return exactSingularValues(m)[0];
}

/** ||W^T W - I||_F^2 in float64 loops, W [rows, cols] row-major. */
function orthoRef(w: number[], rows: number, cols: number): number {
  let s = 0;
  for (let a = 0; a < cols; a++) {
    for (let b = 0; b < cols; b++) {
      let g = 0;
      for (let i = 0; i < rows; i++) g += w[i * cols + a] * w[i * cols + b];
      s += (g - (a === b ? 1 : 0)) ** 2;
    }
  }
  return s;
}

describe.each(['cpu', 'wasm'] as const)('spectral penalties on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('SpectralPenalty: warm-started sigma converges to the exact top singular value; gradient = lambda sigma u v^T', () => {
    const d1 = lcg(6 * 4, 1);
    const d2 = lcg(5 * 7, 2).map((a) => 2 * a);
    const w1 = tf.tensor2d(d1, [6, 4]);
    const w2 = tf.tensor2d(d2, [5, 7]);
    const s1 = topSigma(d1, 6, 4);
    const s2 = topSigma(d2, 5, 7);
    const lambda = 0.7;
    const pen = new SpectralPenalty({ lambda });
    for (let i = 0; i < 40; i++) tf.dispose(pen.loss([w1, w2]));
    const value = pen.loss([w1, w2]);
    expect(Math.abs(value.dataSync()[0] - (lambda / 2) * (s1 ** 2 + s2 ** 2)) / (s1 ** 2 + s2 ** 2)).toBeLessThan(1e-4);
    // Gradient with respect to W1 after convergence: lambda * sigma * u v^T (u, v the stored vectors).
    const g = tf.grad((w: tf.Tensor) => pen.loss([w, w2]))(w1);
    const { u, v } = pen.vectorsOf(0)!;
    const uv = tf.tidy(() => tf.mul(lambda * s1, tf.outerProduct(u as tf.Tensor1D, v as tf.Tensor1D)));
    expect(relErr(g.dataSync(), uv.dataSync())).toBeLessThan(1e-3);
    // and u, v are the top singular pair: ||W v|| = sigma, u = W v / sigma.
    const wv = tf.tidy(() => tf.reshape(tf.matMul(w1, tf.reshape(v, [4, 1])), [6]));
    expect(relErr(wv.dataSync(), Array.from(u.dataSync(), (a) => a * s1))).toBeLessThan(1e-3);
    tf.dispose([value, g, uv, wv]);
    pen.dispose();
    tf.dispose([w1, w2]);
  });

  it('unsquared form is lambda * sum sigma; the function form converges from fresh vectors; conv kernels use the reshaped norm', () => {
    const d = lcg(3 * 2 * 5, 4);
    const k = tf.tensor3d(d, [3, 2, 5]); // conv1d kernel [k, cin, cout] -> [6, 5]
    const s = topSigma(d, 6, 5);
    const a = spectralPenalty(k, { squared: false, lambda: 2, iterations: 60 });
    expect(a.dataSync()[0]).toBeCloseTo(2 * s, 3);
    const b = spectralPenalty([k, k], { iterations: 60 });
    expect(b.dataSync()[0]).toBeCloseTo(s * s, 3);
    tf.dispose([a, b, k]);
  });

  it('100 optimizer.minimize steps with the persistent penalty leak nothing and lower sigma', () => {
    const w = tf.variable(tf.tensor2d(lcg(8 * 6, 7), [8, 6]));
    const before0 = topSigma(Array.from(w.dataSync()), 8, 6);
    const pen = new SpectralPenalty({ lambda: 1 });
    const opt = tf.train.sgd(0.05);
    tf.dispose(opt.minimize(() => pen.loss(w), true) ?? []); // first call creates the two kept vectors
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) tf.dispose(opt.minimize(() => pen.loss([w]), true) ?? []);
    expect(tf.memory().numTensors).toBe(before);
    const after = topSigma(Array.from(w.dataSync()), 8, 6);
    expect(after).toBeLessThan(before0 * 0.9);
    pen.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    opt.dispose();
    w.dispose();
  });

  it('spectralTargetPenalty = lambda (sigma - target)^2 with gradient 2 lambda (sigma - target) u v^T', () => {
    const d = lcg(5 * 4, 9);
    const w = tf.tensor2d(d, [5, 4]);
    const s = topSigma(d, 5, 4);
    const p = spectralTargetPenalty(w, 0.5, { lambda: 3, iterations: 80 });
    expect(Math.abs(p.dataSync()[0] - 3 * (s - 0.5) ** 2) / (3 * (s - 0.5) ** 2)).toBeLessThan(1e-4);
    // the weight gradient equals the float64 derivative of lambda (sigma_max(W) - t)^2 (sigma by Jacobi SVD)
    const g = tf.grad((t: tf.Tensor) => spectralTargetPenalty(t, 0.5, { lambda: 3, iterations: 80 }))(w);
    const ref = centralDifference((v) => 3 * (topSigma(v, 5, 4) - 0.5) ** 2, d, 1e-5);
    expect(relErr(g.dataSync(), ref)).toBeLessThan(2e-3);
    tf.dispose([w, p, g]);
  });

  it('orthogonalityPenalty equals ||W^T W - I||_F^2 (float64 loops) with matching gradient; zero for orthonormal columns', () => {
    const d = lcg(5 * 3, 12);
    const w = tf.tensor2d(d, [5, 3]);
    const p = orthogonalityPenalty(w, { lambda: 2 });
    expect(Math.abs(p.dataSync()[0] - 2 * orthoRef(d, 5, 3)) / (2 * orthoRef(d, 5, 3))).toBeLessThan(1e-5);
    const g = tf.grad((t: tf.Tensor) => orthogonalityPenalty(t))(w);
    expect(relErr(g.dataSync(), centralDifference((v) => orthoRef(v, 5, 3), d))).toBeLessThan(1e-4);
    const q = tf.tensor2d([[0.6, 0], [0.8, 0], [0, 1]]);
    expect(orthogonalityPenalty(q).dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([w, p, g, q]);
  });

  it('leaks nothing', () => {
    const w = tf.tensor2d(lcg(12, 3), [4, 3]);
    expectNoLeak(() => spectralPenalty(w));
    expectNoLeak(() => spectralTargetPenalty(w, 1));
    expectNoLeak(() => orthogonalityPenalty(w));
    expectNoLeak(() => tf.grad((t: tf.Tensor) => spectralPenalty(t))(w));
    expectNoLeak(() => tf.grad((t: tf.Tensor) => spectralTargetPenalty(t, 1))(w));
    const pen = new SpectralPenalty();
    expectNoLeak(() => pen.loss(w), 2);
    expectNoLeak(() => pen.loss(w));
    expectNoLeak(() => pen.dispose(), -2);
    w.dispose();
  });

  it('rejects bad input with errors naming the argument or option', () => {
    const bad = (fn: () => unknown, argument: string): void => {
      tf.tidy(() => {
        try { fn(); expect.unreachable(`expected an error naming ${argument}`); } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LipkitError);
          expect((e as LipkitError).argument).toBe(argument);
        }
      });
    };
    const w = tf.ones([3, 2]);
    bad(() => spectralPenalty([]), 'weights');
    bad(() => spectralPenalty([w, tf.ones([3])]), 'weights[1]');
    bad(() => spectralPenalty([w, tf.zeros([0, 3])]), 'weights[1]');
    bad(() => spectralPenalty(w, { lambda: -1 }), 'options.lambda');
    bad(() => spectralPenalty(w, { iterations: 0 }), 'options.iterations');
    bad(() => spectralPenalty(w, { squared: 'yes' as unknown as boolean }), 'options.squared');
    bad(() => new SpectralPenalty({ warmup: 1.5 }), 'options.warmup');
    bad(() => spectralTargetPenalty(tf.ones([2, 2, 2]), 1), 'W');
    bad(() => spectralTargetPenalty(w, -1), 'target');
    bad(() => spectralTargetPenalty(tf.tensor2d([[NaN, 1]]), 1), 'W');
    bad(() => orthogonalityPenalty(tf.ones([4])), 'W');
    bad(() => orthogonalityPenalty(w, { lambda: NaN }), 'options.lambda');
    w.dispose();
  });
});
