import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { powerIteration, type LinearOperator } from '../../src/estimate/powerIteration.js';
import { spectralNorm } from '../../src/estimate/spectralNorm.js';
import { spectralNormUpperBound } from '../../src/estimate/spectralNormUpperBound.js';
import { frobenius, randn, transpose, withSingularValues } from './denseLinalg.js';
import { expectError } from '../expectLipkitError.js';

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** Operator pair of a float64 matrix through tfjs matMul, for testing powerIteration directly. */
function matrixOps(a: number[][]): { op: LinearOperator; adjoint: LinearOperator; w: tf.Tensor2D } {
  const w = tf.tensor2d(a);
  return {
    w,
    op: (v) => tf.squeeze(tf.matMul(w, tf.expandDims(v, 1)), [1]) as tf.Tensor1D,
    adjoint: (u) => tf.squeeze(tf.matMul(w, tf.expandDims(u, 1), true), [1]) as tf.Tensor1D,
  };
}

describe.each(['cpu', 'wasm'] as const)('powerIteration / spectralNorm on %s', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
    expect(tf.getBackend()).toBe(backend);
  });

  it('random, low-rank and ill-conditioned matrices: within 1e-3 of the exact sigma_max', () => {
    const cases = [
      randn(30, 20, 1),
      randn(15, 40, 2),
      withSingularValues(25, 25, [5, 1, 0, 0], 3), // rank 2
      withSingularValues(30, 20, Array.from({ length: 20 }, (_, i) => 10 ** (-6 * i / 19)), 4), // cond 1e6
    ];
    for (const a of cases) {
      const exact = exactSingularValues(a)[0];
      const r = spectralNorm(a, { iterations: 500, tolerance: 1e-7 });
      expect(relErr(r.sigma, exact)).toBeLessThan(1e-3);
      expect(r.sigma).toBeLessThanOrEqual(exact * (1 + 1e-5)); // a lower estimate (float32 rounding aside)
      expect(r.v.length).toBe(a[0].length);
      expect(r.u.length).toBe(a.length);
      expect(norm(r.v)).toBeCloseTo(1, 5);
      expect(norm(r.u)).toBeCloseTo(1, 5);
      // u = A v / ||A v|| in float64
      const av = a.map((row) => row.reduce((s, x, j) => s + x * r.v[j], 0));
      const nav = norm(av);
      for (let i = 0; i < av.length; i++) expect(Math.abs(av[i] / nav - r.u[i])).toBeLessThan(1e-4);
    }
  });

  it('generic operator pair: matches spectralNorm on the same matrix', () => {
    const a = randn(12, 9, 5);
    const { op, adjoint, w } = matrixOps(a);
    const r = powerIteration(op, adjoint, 9, { iterations: 300, tolerance: 1e-8, seed: 3 });
    w.dispose();
    expect(relErr(r.sigma, exactSingularValues(a)[0])).toBeLessThan(1e-3);
  });

  it('warm start from the previous v converges in 1-2 iterations; the tolerance stops early', () => {
    const a = randn(40, 30, 6);
    const first = spectralNorm(a, { iterations: 1000, tolerance: 1e-7 });
    expect(first.converged).toBe(true);
    expect(first.iterations).toBeLessThan(1000);
    const warm = spectralNorm(a, { init: first.v, tolerance: 1e-6 });
    expect(warm.iterations).toBeLessThanOrEqual(2);
    expect(warm.converged).toBe(true);
    expect(relErr(warm.sigma, first.sigma)).toBeLessThan(1e-6);
    const loose = spectralNorm(a, { iterations: 1000, tolerance: 1e-2 });
    expect(loose.converged).toBe(true);
    expect(loose.iterations).toBeLessThan(first.iterations);
    const fixed = spectralNorm(a, { iterations: 7, tolerance: 0 });
    expect(fixed.iterations).toBe(7);
    expect(fixed.converged).toBe(false);
  });

  it('the same seed gives the same result; init as tensor or number[] works', () => {
    const a = randn(8, 6, 7);
    expect(spectralNorm(a, { iterations: 5, seed: 4 }).sigma).toBe(spectralNorm(a, { iterations: 5, seed: 4 }).sigma);
    const init = tf.tensor1d([1, 0, 0, 0, 0, 0]);
    const r1 = spectralNorm(a, { iterations: 1, init });
    expect(init.isDisposed).toBe(false);
    init.dispose();
    const r2 = spectralNorm(a, { iterations: 1, init: [1, 0, 0, 0, 0, 0] });
    // One iteration: sigma = ||A e_1|| = norm of column 0.
    const col0 = norm(a.map((row) => row[0]));
    expect(relErr(r1.sigma, col0)).toBeLessThan(1e-6);
    expect(r2.sigma).toBe(r1.sigma);
  });

  it('zero matrix gives sigma 0 (not NaN), with and without the tolerance check', () => {
    for (const tolerance of [1e-6, 0]) {
      const r = spectralNorm([[0, 0, 0], [0, 0, 0]], { tolerance, iterations: 5 });
      expect(r.sigma).toBe(0);
      expect(r.converged).toBe(true);
      expect(Array.from(r.u)).toEqual([0, 0]);
      expect(r.v.every(Number.isFinite)).toBe(true);
    }
  });

  it('no tensor leaks: tensor and array input, tensor init, operators, and error paths', () => {
    const a = randn(10, 7, 8);
    const t = tf.tensor2d(a);
    const ti = tf.tensor2d(a.map((row) => row.map((x) => Math.round(x * 4))), undefined, 'int32');
    const init = tf.ones([7]) as tf.Tensor1D;
    const { op, adjoint, w } = matrixOps(a);
    const before = tf.memory().numTensors;
    spectralNorm(t, { iterations: 20 });
    spectralNorm(ti, { iterations: 20 });
    spectralNorm(a, { iterations: 20, tolerance: 0 });
    spectralNorm(t, { iterations: 20, init });
    powerIteration(op, adjoint, 7, { iterations: 20 });
    powerIteration((x) => x, (x) => x, 4, { iterations: 3 }); // identity returns its input
    expectError(() => powerIteration(op, () => tf.zeros([3]) as tf.Tensor1D, 7), 'adjoint');
    expectError(() => powerIteration(() => tf.fill([10], NaN) as tf.Tensor1D, adjoint, 7), 'op');
    expect(() => powerIteration(op, () => { throw new Error('boom'); }, 7)).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    expect(t.isDisposed).toBe(false);
    tf.dispose([t, ti, init, w]);
  });

  it('rejects bad input naming the argument', () => {
    for (const bad of [[[1, NaN]], [[Infinity, 1]], [], [[]], [[1, 2], [3]]]) expectError(() => spectralNorm(bad), 'matrix');
    const t1 = tf.tensor1d([1, 2]);
    const t3 = tf.zeros([2, 2, 2]);
    const tn = tf.tensor2d([[1, NaN]]);
    const t0 = tf.zeros([0, 2]);
    for (const t of [t1, t3, tn, t0]) expectError(() => spectralNorm(t as tf.Tensor2D), 'matrix');
    tf.dispose([t1, t3, tn, t0]);
    const ok = [[1, 2], [3, 4]];
    for (const it of [0, 1.5, -3, NaN]) expectError(() => spectralNorm(ok, { iterations: it }), 'options.iterations');
    for (const tol of [-1, NaN, Infinity]) expectError(() => spectralNorm(ok, { tolerance: tol }), 'options.tolerance');
    expectError(() => spectralNorm(ok, { seed: 0.5 }), 'options.seed');
    for (const init of [[1], [0, 0], [NaN, 1]]) expectError(() => spectralNorm(ok, { init }), 'options.init');
    const id: LinearOperator = (x) => x;
    for (const dim of [0, 2.5, NaN]) expectError(() => powerIteration(id, id, dim), 'dim');
    expectError(() => powerIteration(undefined as unknown as LinearOperator, id, 2), 'op');
    expectError(() => powerIteration(id, null as unknown as LinearOperator, 2), 'adjoint');
  });
});

describe('spectralNorm properties (fast-check, cpu)', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  const matrix = fc.record({ m: fc.integer({ min: 1, max: 7 }), n: fc.integer({ min: 1, max: 7 }), seed: fc.integer({ min: 0, max: 1e6 }) })
    .map(({ m, n, seed }) => randn(m, n, seed));

  it('sigma(cW) = |c| sigma(W) (identical iterates for the same seed)', () => {
    fc.assert(fc.property(matrix, fc.double({ min: 0.01, max: 100, noNaN: true }), fc.boolean(), (a, c, negative) => {
      const k = negative ? -c : c;
      const s = spectralNorm(a, { iterations: 30, tolerance: 0 }).sigma;
      const sc = spectralNorm(a.map((row) => row.map((x) => k * x)), { iterations: 30, tolerance: 0 }).sigma;
      expect(relErr(sc, c * s)).toBeLessThan(1e-4);
    }), { numRuns: 15, seed: 1 });
  });

  it('sigma(W^T) = sigma(W) = exact, sigma <= Frobenius, sigma <= certified upperBound <= exact (1 + slack)', () => {
    fc.assert(fc.property(matrix, (a) => {
      const exact = exactSingularValues(a)[0];
      const s = spectralNorm(a, { iterations: 400, tolerance: 1e-9 }).sigma;
      const st = spectralNorm(transpose(a), { iterations: 400, tolerance: 1e-9 }).sigma;
      expect(relErr(s, exact)).toBeLessThan(1e-3);
      expect(relErr(st, exact)).toBeLessThan(1e-3);
      expect(s).toBeLessThanOrEqual(frobenius(a) * (1 + 1e-6));
      const ub = spectralNormUpperBound(a).upperBound;
      expect(s).toBeLessThanOrEqual(ub * (1 + 1e-6)); // float32 rounding of sigma
      expect(ub).toBeGreaterThanOrEqual(exact);
      expect(ub).toBeLessThanOrEqual(exact * (1 + 1e-3 + 1e-9));
    }), { numRuns: 15, seed: 2 });
  });
});
