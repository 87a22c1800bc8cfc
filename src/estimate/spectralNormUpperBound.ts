import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkFiniteValues, checkNumber, readMatrix, type MatrixLike } from '../util/validate.js';
import { jacobiSingularValues } from './exactSingularValues.js';
import { hermitianRowGram, tracePowerBound, UNIT_ROUNDOFF } from './tracePowerBound.js';

/** Certified bound with the estimate it was checked against. */
export interface SpectralBoundResult {
  /** CERTIFIED: sigma_max(W) <= upperBound (float64 rounding included). */
  upperBound: number;
  /** Lower estimate of sigma_max(W) (power iteration in float64, or the exact SVD value). */
  estimate: number;
  /** How the bound was obtained, for reports. */
  method: string;
}

/** Options of `spectralNormUpperBound` and `hermitianMaxEigenUpperBound`. */
export interface SpectralBoundOptions {
  /** Worst-case relative gap allowed between the bound and the true value; default 1e-3. */
  relativeSlack?: number;
}

/** Matrices up to this smaller side go through the exact Jacobi SVD instead. */
const EXACT_MAX_SIDE = 32;

/**
 * CERTIFIED upper bound on the spectral norm sigma_max(W) = ||W||_2, in float64.
 *
 * Forms the Gram matrix of the smaller side, `G = W^T W` or `W W^T` (d x d, d = min(rows, cols)),
 * and bounds `sigma_max^2 = lambda_max(G) <= trace(G^k)^(1/k)`, k = 2^p, by repeated
 * squaring with rescaling (see `tracePowerBound`): the bound is at most `d^(1/(2k))` times
 * sigma_max, and squaring stops once that worst case, or the gap to the float64 power-iteration
 * estimate, is within `1 + relativeSlack`. So `sigma <= upperBound <= sigma (1 + slack)` up to a
 * rounding margin of `1 + 1e-12 + (8 d^2 + 2 n d) u` on sigma^2 (u = 2^-53, n = max(rows, cols);
 * Higham-style bounds for the Gram product and each squaring, with a safety factor).
 * When d <= 32 it uses the exact one-sided Jacobi SVD instead, times
 * `1 + 1e-12 + 16 (n + 16 d) u` (Jacobi is backward stable with error O(sweeps * d * u) ||W||).
 *
 * Not power iteration (which only gives a lower estimate); the `estimate` is reported beside.
 * Accepts a tensor, nested arrays, or a raw row-major `{ data, rows, cols }`. Zero matrix -> 0.
 * Cost: about (d^2 n + p d^3) / 2 multiply-adds; see the report for timings.
 */
export function spectralNormUpperBound(
  matrix: MatrixLike | { data: Float64Array | Float32Array; rows: number; cols: number },
  options: SpectralBoundOptions = {},
): SpectralBoundResult {
  const { relativeSlack = 1e-3 } = options;
  checkNumber('options.relativeSlack', relativeSlack, { min: 0, exclusiveMin: true });
  const { data, rows, cols } = readAnyMatrix(matrix);
  const d = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  if (d <= EXACT_MAX_SIDE) {
    const s = jacobiSingularValues(data, rows, cols)[0];
    const margin = 1 + 1e-12 + 16 * (n + 16 * d) * UNIT_ROUNDOFF;
    return { upperBound: s * margin, estimate: s, method: `exact Jacobi SVD (min side ${d} <= ${EXACT_MAX_SIDE})` };
  }
  let scale = 0;
  for (let i = 0; i < data.length; i++) scale = Math.max(scale, Math.abs(data[i]));
  if (scale === 0) return { upperBound: 0, estimate: 0, method: 'zero matrix' };
  // X = the d x n factor whose rows are contiguous: G = X X^T.
  const x = new Float64Array(d * n);
  const inv = 1 / scale;
  if (rows <= cols) {
    for (let i = 0; i < data.length; i++) x[i] = data[i] * inv;
  } else {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[j * rows + i] = data[i * cols + j] * inv;
  }
  const g = hermitianRowGram(x, null, d, n);
  const r = tracePowerBound(g.re, null, d, relativeSlack, 2 * n * d * UNIT_ROUNDOFF);
  return {
    upperBound: Math.sqrt(r.upperBound) * scale,
    estimate: Math.sqrt(r.estimate) * scale,
    method: `trace(G^k)^(1/(2k)) on the ${d}x${d} Gram matrix, k = ${r.power}`,
  };
}

/**
 * CERTIFIED upper bound on lambda_max of an n x n Hermitian PSD matrix `re + i im` (row-major;
 * `im = null` for real symmetric). More precisely it bounds the spectral radius max|lambda_i|,
 * which equals lambda_max for PSD input: `rho <= trace(H^k)^(1/k) <= n^(1/k) rho` with k = 2^p
 * by rescaled repeated squaring, stopping once the worst case or the gap to a float64
 * power-iteration estimate is within `(1 + relativeSlack)^2` (so sqrt of the result bounds a
 * singular value within `1 + relativeSlack`). Rounding margin `1 + 1e-12 + 8 n^2 u` (see
 * `tracePowerBound`). Hermitian symmetry is assumed, not checked. Zero matrix -> 0.
 * Meant for many small (8..128) per-frequency Gram matrices of convolution symbols.
 */
export function hermitianMaxEigenUpperBound(
  re: Float64Array, im: Float64Array | null, n: number, options: SpectralBoundOptions = {},
): number {
  const { relativeSlack = 1e-3 } = options;
  checkNumber('options.relativeSlack', relativeSlack, { min: 0, exclusiveMin: true });
  checkNumber('n', n, { min: 1, integer: true });
  if (!(re instanceof Float64Array) || re.length !== n * n) {
    throw new LipkitError('re', `must be a Float64Array of length n*n = ${n * n}`);
  }
  if (im !== null && (!(im instanceof Float64Array) || im.length !== n * n)) {
    throw new LipkitError('im', `must be null or a Float64Array of length n*n = ${n * n}`);
  }
  checkFiniteValues('re', re);
  if (im) checkFiniteValues('im', im);
  return tracePowerBound(re, im, n, relativeSlack).upperBound;
}

function readAnyMatrix(
  matrix: MatrixLike | { data: Float64Array | Float32Array; rows: number; cols: number },
): { data: ArrayLike<number>; rows: number; cols: number } {
  if (matrix instanceof tf.Tensor || Array.isArray(matrix)) return readMatrix('matrix', matrix);
  if (typeof matrix !== 'object' || matrix === null || !('data' in matrix)) {
    throw new LipkitError('matrix', 'must be a 2-D tensor, an array of arrays, or { data, rows, cols }');
  }
  const { data, rows, cols } = matrix;
  checkNumber('matrix.rows', rows, { min: 1, integer: true });
  checkNumber('matrix.cols', cols, { min: 1, integer: true });
  if (!(data instanceof Float64Array || data instanceof Float32Array) || data.length !== rows * cols) {
    throw new LipkitError('matrix.data', `must be a Float64Array of length rows*cols = ${rows * cols}`);
  }
  checkFiniteValues('matrix.data', data);
  return { data, rows, cols };
}
