import { LipkitError } from '../util/errors.js';
import { backSolveRow, choleskyInPlace, forwardSolveRow } from '../estimate/linalg64.js';

/**
 * The inverse of a symmetric positive definite n x n matrix in float64 (row-major, any float
 * array): Cholesky P = L L^T, then each column of P^{-1} solves L L^T x = e_i. Used for the
 * Laplace covariance Sigma = P^{-1} of `RandomFeatureGP` (P = s I + sum phi phi^T is positive
 * definite for s > 0). The result is symmetrized ((X + X^T) / 2). Throws a LipkitError naming
 * `name` when P is not numerically positive definite.
 */
export function invertSpd(name: string, p: ArrayLike<number>, n: number): Float64Array {
  if (p.length !== n * n) throw new LipkitError(name, `has ${p.length} values, expected ${n} x ${n}`);
  const l = Float64Array.from(p);
  // Symmetrize the lower triangle from both halves (float32 accumulation may leave tiny asymmetry).
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) l[i * n + j] = 0.5 * (l[i * n + j] + l[j * n + i]);
  if (!choleskyInPlace(l, n)) throw new LipkitError(name, 'is not positive definite (Cholesky failed): is the ridge s > 0 and are the features finite?');
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    col.fill(0);
    col[i] = 1;
    forwardSolveRow(l, n, col, 0);
    backSolveRow(l, n, col, 0);
    for (let r = 0; r < n; r++) inv[r * n + i] = col[r];
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (inv[i * n + j] + inv[j * n + i]);
      inv[i * n + j] = m;
      inv[j * n + i] = m;
    }
  }
  return inv;
}
