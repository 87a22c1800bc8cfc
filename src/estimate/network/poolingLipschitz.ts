import { exactSingularValues } from '../exactSingularValues.js';

/**
 * Certified l2 constant of max pooling: each output moves by at most the largest change in
 * its window, and each input lies in at most `prod ceil(k_i / s_i)` windows, so
 * `||maxpool(x) - maxpool(y)||^2 <= prod ceil(k_i/s_i) * ||x - y||^2`. Exactly 1 when the
 * windows do not overlap.
 */
export function maxPoolingLipschitz(pool: number[], strides: number[]): number {
  let windows = 1;
  for (let i = 0; i < pool.length; i++) windows *= Math.ceil(pool[i] / strides[i]);
  return Math.sqrt(windows);
}

/**
 * l2 operator norm of average pooling. It acts separably on each spatial axis (TF divides by
 * the count of non-padded entries, a product of per-axis counts), so the operator is
 * `A_1 (x) A_2 (x) I_channels` and its norm is the product of the per-axis 1-D pooling
 * matrices' norms, taken exactly (float64 Jacobi SVD) when the input size is known. Without
 * it: `||A|| <= sqrt(||A||_1 ||A||_inf)` with row sums 1 and column sums at most
 * `ceil(k/s) / minCount` (a certified, looser bound).
 */
export function averagePoolingNorm(
  pool: number[], strides: number[], padding: 'same' | 'valid', spatial: number[] | null,
): { lipschitz: number; method: string } {
  let norm = 1;
  if (spatial) {
    for (let a = 0; a < pool.length; a++) norm *= exactSingularValues(poolingMatrix(spatial[a], pool[a], strides[a], padding))[0];
    // Jacobi in float64 is accurate to a few ulps of the largest singular value.
    return { lipschitz: norm * (1 + 1e-12), method: `average pooling (exact operator norm for ${spatial.join('x')})` };
  }
  for (let a = 0; a < pool.length; a++) {
    const minCount = padding === 'valid' ? pool[a] : 1;
    norm *= Math.sqrt(Math.ceil(pool[a] / strides[a]) / minCount);
  }
  return { lipschitz: norm, method: 'average pooling (sqrt(||A||_1 ||A||_inf), input size unknown)' };
}

/** The 1-D average pooling matrix [outputs x n] with TF's 'same'/'valid' conventions. */
export function poolingMatrix(n: number, k: number, s: number, padding: 'same' | 'valid'): number[][] {
  let out: number;
  let padBefore = 0;
  if (padding === 'same') {
    out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    padBefore = Math.floor(total / 2);
  } else {
    out = Math.floor((n - k) / s) + 1;
  }
  const rows: number[][] = [];
  for (let o = 0; o < Math.max(out, 0); o++) {
    const row = new Array<number>(n).fill(0);
    const start = o * s - padBefore;
    const lo = Math.max(start, 0);
    const hi = Math.min(start + k, n);
    for (let i = lo; i < hi; i++) row[i] = 1 / (hi - lo);
    rows.push(row);
  }
  return rows;
}
