import { describe, expect, it } from 'vitest';
import { tridiagonalTopEigen } from '../../src/estimate/tridiagonalTopEigen.js';
import { smallSymmetricEigen } from '../../src/estimate/smallSymmetricEigen.js';

/** Deterministic pseudo-random numbers in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
}

function dense(alpha: number[], beta: number[]): Float64Array {
  const m = alpha.length;
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = alpha[i]!;
    if (i + 1 < m) { t[i * m + i + 1] = beta[i]!; t[(i + 1) * m + i] = beta[i]!; }
  }
  return t;
}

describe('tridiagonalTopEigen', () => {
  it('matches cyclic Jacobi on random tridiagonals (value and |T x - lambda x|)', () => {
    const r = rng(7);
    for (const m of [1, 2, 3, 7, 24, 60]) {
      for (let trial = 0; trial < 4; trial++) {
        const alpha = Array.from({ length: m }, () => 3 * r());
        // trial 3: Lanczos-like, decaying off-diagonal (close top eigenvalues)
        const beta = Array.from({ length: Math.max(0, m - 1) }, (_, i) => (trial === 3 ? 1e-3 / (i + 1) : r()));
        const t = dense(alpha, beta);
        const ref = smallSymmetricEigen(t, m);
        const top = tridiagonalTopEigen(alpha, beta);
        const scale = Math.max(1, Math.abs(ref.values[0]!));
        expect(Math.abs(top.value - ref.values[0]!)).toBeLessThan(1e-12 * scale);
        // residual of the eigenvector
        let res = 0; let nrm = 0;
        for (let i = 0; i < m; i++) {
          let s = 0;
          for (let j = 0; j < m; j++) s += t[i * m + j]! * top.vector[j]!;
          res = Math.max(res, Math.abs(s - top.value * top.vector[i]!));
          nrm += top.vector[i]! ** 2;
        }
        expect(Math.abs(nrm - 1)).toBeLessThan(1e-12);
        expect(top.vector[0]!).toBeGreaterThanOrEqual(0);
        expect(res).toBeLessThan(1e-9 * scale);
      }
    }
  });

  it('handles zero off-diagonals (a diagonal matrix) and a repeated top eigenvalue', () => {
    const d = tridiagonalTopEigen([1, 5, 2, 5], [0, 0, 0]);
    expect(d.value).toBeCloseTo(5, 12);
    const t = dense([1, 5, 2, 5], [0, 0, 0]);
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += t[i * 4 + j]! * d.vector[j]!;
      expect(Math.abs(s - 5 * d.vector[i]!)).toBeLessThan(1e-9);
    }
  });
});
