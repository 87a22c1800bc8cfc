/**
 * Largest eigenpair of a symmetric tridiagonal matrix T (diagonal `alpha`, off-diagonal `beta`),
 * the Ritz step of Lanczos: the eigenvalue by Sturm-sequence bisection (float64, to a relative
 * width of ~4 ulp), the eigenvector by inverse iteration with a shifted, pivoted tridiagonal
 * solve. O(m) per bisection step and per solve, where a dense Jacobi solve costs O(m^3) per sweep
 * (Lanczos with 120 steps spent ~80 ms in it).
 *
 * An ESTIMATE-grade building block (float64 rounding only, no certificate): its callers only use
 * the pair as a start vector and recompute the Rayleigh quotient themselves.
 */
export interface TridiagonalTopEigen {
  /** The largest eigenvalue of T. */
  value: number;
  /** Its unit eigenvector (length m), signed so that its first component is >= 0. */
  vector: Float64Array;
}

/** Top eigenpair of the m x m symmetric tridiagonal T with `alpha` (length m) and `beta` (length m - 1). */
export function tridiagonalTopEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>): TridiagonalTopEigen {
  const m = alpha.length;
  if (m === 0) return { value: 0, vector: new Float64Array(0) };
  if (m === 1) return { value: alpha[0] as number, vector: Float64Array.of(1) };
  // Gershgorin interval
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < m; i++) {
    const r = (i > 0 ? Math.abs(beta[i - 1] as number) : 0) + (i < m - 1 ? Math.abs(beta[i] as number) : 0);
    lo = Math.min(lo, (alpha[i] as number) - r);
    hi = Math.max(hi, (alpha[i] as number) + r);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  // bisection on "count of eigenvalues > x" = m - (count <= x): the top eigenvalue is the x where the count above drops to 0
  for (let it = 0; it < 200 && hi - lo > 4 * Number.EPSILON * scale; it++) {
    const mid = (lo + hi) / 2;
    if (countBelow(alpha, beta, mid) < m) lo = mid; else hi = mid;
  }
  const value = (lo + hi) / 2;
  const vector = inverseIteration(alpha, beta, value + 8 * Number.EPSILON * scale);
  // sign: first component >= 0 (for Lanczos: the Ritz vector keeps the start vector's orientation)
  if (vector[0]! < 0) for (let i = 0; i < m; i++) vector[i] = -vector[i]!;
  return { value, vector };
}

/** Number of eigenvalues of T strictly below x (Sturm sequence of the LDL^T pivots of T - x I). */
function countBelow(alpha: ArrayLike<number>, beta: ArrayLike<number>, x: number): number {
  let count = 0;
  let d = 1;
  for (let i = 0; i < alpha.length; i++) {
    const b = i > 0 ? (beta[i - 1] as number) : 0;
    d = (alpha[i] as number) - x - (i > 0 ? (b * b) / d : 0);
    if (d === 0) d = -1e-300; // a zero pivot: perturb (standard)
    if (d < 0) count++;
  }
  return count;
}

/** Three solves of (T - shift I) y = x (Gaussian elimination with partial pivoting on the tridiagonal band), normalized. */
function inverseIteration(alpha: ArrayLike<number>, beta: ArrayLike<number>, shift: number): Float64Array {
  const m = alpha.length;
  let x: Float64Array = new Float64Array(m).fill(1 / Math.sqrt(m));
  for (let it = 0; it < 3; it++) {
    const y = solveShifted(alpha, beta, shift, x);
    let n = 0;
    for (let i = 0; i < m; i++) n += y[i]! * y[i]!;
    n = Math.sqrt(n);
    if (!(n > 0) || !Number.isFinite(n)) break;
    for (let i = 0; i < m; i++) y[i]! /= n;
    x = y;
  }
  return x;
}

/** Solves (T - shift I) y = rhs by banded LU with row swaps (the upper factor has two super-diagonals). */
function solveShifted(alpha: ArrayLike<number>, beta: ArrayLike<number>, shift: number, rhs: Float64Array): Float64Array {
  const m = alpha.length;
  const d = new Float64Array(m); // diagonal of U
  const e = new Float64Array(m); // first super-diagonal of U
  const f = new Float64Array(m); // second super-diagonal of U
  const b = Float64Array.from(rhs);
  // current row i holds [d_i, e_i, f_i] at columns i, i+1, i+2
  let ci = (alpha[0] as number) - shift;
  let ce = m > 1 ? (beta[0] as number) : 0;
  let cf = 0;
  const tiny = 1e-300;
  for (let i = 0; i < m - 1; i++) {
    // next row i+1 has entries at columns i, i+1, i+2: beta_i, alpha_{i+1} - shift, beta_{i+1}
    const nl = beta[i] as number;
    let nd = (alpha[i + 1] as number) - shift;
    let nf = i + 1 < m - 1 ? (beta[i + 1] as number) : 0;
    let ng = 0;
    if (Math.abs(nl) > Math.abs(ci)) {
      // swap rows i and i+1
      const t0 = ci; const t1 = ce; const t2 = cf;
      ci = nl; ce = nd; cf = nf;
      const tb = b[i]!; b[i] = b[i + 1]!; b[i + 1] = tb;
      const l = t0 / ci;
      nd = t1 - l * ce; nf = t2 - l * cf; ng = 0;
      b[i + 1]! -= l * b[i]!;
    } else {
      if (ci === 0) ci = tiny;
      const l = nl / ci;
      nd -= l * ce; nf -= l * cf; ng = 0;
      b[i + 1]! -= l * b[i]!;
    }
    d[i] = ci; e[i] = ce; f[i] = cf;
    ci = nd; ce = nf; cf = ng;
  }
  d[m - 1] = ci === 0 ? tiny : ci;
  const y = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!;
    if (i + 1 < m) s -= e[i]! * y[i + 1]!;
    if (i + 2 < m) s -= f[i]! * y[i + 2]!;
    y[i] = s / (d[i] === 0 ? tiny : d[i]!);
  }
  return y;
}
