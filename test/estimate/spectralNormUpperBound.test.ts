import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { hermitianMaxEigenUpperBound, spectralNormUpperBound } from '../../src/estimate/spectralNormUpperBound.js';
import { flat, matmul, orthogonal, randn, transpose, withSingularValues } from './denseLinalg.js';
import { expectError } from '../expectLipkitError.js';

const TINY = 1e-9; // allowance for the documented float64 rounding margin

function expectCertified(upper: number, exact: number, slack: number): void {
  expect(upper).toBeGreaterThanOrEqual(exact);
  expect(upper).toBeLessThanOrEqual(exact * (1 + slack + TINY));
}

describe('spectralNormUpperBound', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('certifies random matrices on both paths (Jacobi d <= 32, trace power d > 32) within the slack', () => {
    for (const [m, n, seed] of [[20, 13, 1], [50, 40, 2], [40, 70, 3], [90, 64, 4]] as const) {
      const a = randn(m, n, seed);
      const exact = exactSingularValues(a)[0];
      for (const slack of [1e-2, 1e-3, 1e-5]) {
        const r = spectralNormUpperBound(a, { relativeSlack: slack });
        expectCertified(r.upperBound, exact, slack);
        expect(r.estimate).toBeLessThanOrEqual(exact * (1 + 1e-12));
        expect(r.estimate).toBeGreaterThan(exact * (1 - slack));
      }
    }
  });

  it('worst case for the trace bound, a flat spectrum (orthogonal 64x64), stays within 1 + slack', () => {
    const q = orthogonal(64, 9);
    for (const slack of [1e-2, 1e-3]) {
      const r = spectralNormUpperBound(q, { relativeSlack: slack });
      expectCertified(r.upperBound, 1, slack);
      expect(r.method).toMatch(/trace/);
    }
  });

  it('known spectra: rank-1 stops after few squarings; ill-conditioned and clustered are certified', () => {
    const u = randn(60, 1, 5).map((r) => r[0]);
    const v = randn(1, 45, 6)[0];
    const rank1 = u.map((a) => v.map((b) => a * b));
    const exact1 = Math.hypot(...u) * Math.hypot(...v);
    const r1 = spectralNormUpperBound(rank1);
    expectCertified(r1.upperBound, exact1, 1e-3);
    expect(r1.method).toMatch(/k = [24]$/);
    const s = Array.from({ length: 40 }, (_, i) => 10 ** (-i / 5));
    const ill = withSingularValues(48, 40, s, 7);
    expectCertified(spectralNormUpperBound(ill).upperBound, 1, 1e-3);
    const clustered = withSingularValues(40, 40, Array.from({ length: 40 }, (_, i) => 3 - 1e-4 * i), 8);
    expectCertified(spectralNormUpperBound(clustered).upperBound, 3, 1e-3);
  });

  it('accepts raw { data, rows, cols } (Float64Array or Float32Array) and tensors identically', () => {
    const a = randn(35, 50, 10);
    const fromArray = spectralNormUpperBound(a).upperBound;
    expect(spectralNormUpperBound({ data: flat(a), rows: 35, cols: 50 }).upperBound).toBe(fromArray);
    const t = tf.tensor2d(a);
    const before = tf.memory().numTensors;
    const fromTensor = spectralNormUpperBound(t);
    expect(tf.memory().numTensors).toBe(before);
    const exact32 = exactSingularValues(t)[0]; // the float32-rounded matrix
    t.dispose();
    expectCertified(fromTensor.upperBound, exact32, 1e-3);
    const f32 = Float32Array.from(a.flat());
    expectCertified(spectralNormUpperBound({ data: f32, rows: 35, cols: 50 }).upperBound, exact32, 1e-3);
  });

  it('zero matrix gives 0; extreme scales do not overflow or underflow', () => {
    expect(spectralNormUpperBound({ data: new Float64Array(40 * 40), rows: 40, cols: 40 }).upperBound).toBe(0);
    expect(spectralNormUpperBound([[0, 0], [0, 0]]).upperBound).toBe(0);
    const a = randn(40, 36, 11);
    const exact = exactSingularValues(a)[0];
    for (const c of [1e200, 1e-200]) {
      const r = spectralNormUpperBound(a.map((row) => row.map((x) => x * c)));
      expect(Number.isFinite(r.upperBound)).toBe(true);
      expectCertified(r.upperBound / c, exact * (1 - 1e-13), 1e-3);
    }
  });

  it('property: exact <= upperBound <= exact (1 + slack + tiny) on random matrices up to 40x40', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }),
      fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
      (m, n, seed, slack) => {
        const a = randn(m, n, seed);
        const exact = exactSingularValues(a)[0];
        expectCertified(spectralNormUpperBound(a, { relativeSlack: slack }).upperBound, exact, slack);
      },
    ), { numRuns: 40, seed: 42 });
  });

  it('rejects bad input naming the argument', () => {
    expectError(() => spectralNormUpperBound([[1, NaN]]), 'matrix');
    expectError(() => spectralNormUpperBound([]), 'matrix');
    expectError(() => spectralNormUpperBound([[1, 2], [3]]), 'matrix');
    const t1 = tf.tensor1d([1, 2]);
    expectError(() => spectralNormUpperBound(t1), 'matrix');
    t1.dispose();
    expectError(() => spectralNormUpperBound({ data: new Float64Array(5), rows: 2, cols: 3 }), 'matrix.data');
    expectError(() => spectralNormUpperBound({ data: Float64Array.of(1, Infinity), rows: 1, cols: 2 }), 'matrix.data');
    expectError(() => spectralNormUpperBound({ data: new Float64Array(6), rows: 1.5, cols: 4 }), 'matrix.rows');
    expectError(() => spectralNormUpperBound({ data: new Float64Array(0), rows: 1, cols: 0 }), 'matrix.cols');
    for (const bad of [0, -1, NaN]) expectError(() => spectralNormUpperBound([[1]], { relativeSlack: bad }), 'options.relativeSlack');
  });
});

/** Independent oracle: lambda_max(B B^H) = sigma_max(B)^2, and the real embedding [[Re, -Im], [Im, Re]] of B has B's singular values (twice). */
function complexCase(n: number, cols: number, seed: number): { re: Float64Array; im: Float64Array; lambda: number } {
  const br = randn(n, cols, seed);
  const bi = randn(n, cols, seed + 100);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      let c = 0;
      for (let k = 0; k < cols; k++) { // (a + ib)(c - id)
        r += br[i][k] * br[j][k] + bi[i][k] * bi[j][k];
        c += bi[i][k] * br[j][k] - br[i][k] * bi[j][k];
      }
      re[i * n + j] = r;
      im[i * n + j] = c;
    }
  }
  const embed = [
    ...br.map((row, i) => [...row, ...bi[i].map((x) => -x)]),
    ...bi.map((row, i) => [...row, ...br[i]]),
  ];
  return { re, im, lambda: exactSingularValues(embed)[0] ** 2 };
}

describe('hermitianMaxEigenUpperBound', () => {
  it('certifies complex Hermitian PSD matrices (n = 1, 8, 37, 40, 64) within (1 + slack)^2 of lambda_max', () => {
    for (const [n, cols, seed] of [[1, 3, 1], [8, 8, 2], [37, 20, 5], [40, 20, 3], [64, 70, 4]] as const) {
      const { re, im, lambda } = complexCase(n, cols, seed);
      for (const slack of [1e-3, 1e-2]) {
        const ub = hermitianMaxEigenUpperBound(re, im, n, { relativeSlack: slack });
        expect(ub).toBeGreaterThanOrEqual(lambda);
        expect(ub).toBeLessThanOrEqual(lambda * (1 + slack) ** 2 * (1 + TINY));
      }
    }
  });

  it('real path (im = null) equals the complex path with im = 0, and matches W^T W', () => {
    const w = randn(30, 24, 12);
    const g = matmul(transpose(w), w);
    const re = flat(g);
    const lambda = exactSingularValues(w)[0] ** 2;
    const real = hermitianMaxEigenUpperBound(re, null, 24);
    expect(hermitianMaxEigenUpperBound(re, new Float64Array(24 * 24), 24)).toBeCloseTo(real, 12);
    expect(real).toBeGreaterThanOrEqual(lambda);
    expect(real).toBeLessThanOrEqual(lambda * (1 + 1e-3) ** 2 * (1 + TINY));
  });

  it('zero matrix gives 0; an indefinite matrix is bounded by its spectral radius', () => {
    expect(hermitianMaxEigenUpperBound(new Float64Array(16), null, 4)).toBe(0);
    const ub = hermitianMaxEigenUpperBound(Float64Array.of(-3, 0, 0, 1), null, 2);
    expect(ub).toBeGreaterThanOrEqual(3);
    expect(ub).toBeLessThanOrEqual(3 * 1.0021);
  });

  it('rejects bad input naming the argument', () => {
    expectError(() => hermitianMaxEigenUpperBound(new Float64Array(3), null, 2), 're');
    expectError(() => hermitianMaxEigenUpperBound(new Float64Array(4), new Float64Array(3), 2), 'im');
    expectError(() => hermitianMaxEigenUpperBound(Float64Array.of(NaN, 0, 0, 1), null, 2), 're');
    expectError(() => hermitianMaxEigenUpperBound(new Float64Array(4), Float64Array.of(0, Infinity, 0, 0), 2), 'im');
    expectError(() => hermitianMaxEigenUpperBound(new Float64Array(0), null, 0), 'n');
    expectError(() => hermitianMaxEigenUpperBound(new Float64Array(4), null, 2, { relativeSlack: -1 }), 'options.relativeSlack');
  });
});
