import { spectralNormUpperBound } from '../estimate/spectralNormUpperBound.js';
import { hermitianRowGram, UNIT_ROUNDOFF } from '../estimate/tracePowerBound.js';
import { tridiagonalTopEigen } from '../estimate/tridiagonalTopEigen.js';

/**
 * Host-side (float64) certificate of a matrix's spectral norm, used by the spectral
 * constraints' checks: `sigma_max(W) <= upperBound` PROVED for the float32 matrix `W`
 * (rounding of every float64 operation included), together with a tight estimate.
 *
 * Route: the Gram matrix of the smaller side `G = X X^T` (d x d, d = min(rows, cols)) in
 * float64, a few float64 power steps on G from the given start vector (a lower estimate
 * `lambda`; Lanczos with full reorthogonalization, fast under small gaps), then a Cholesky factorization of `mu I - G` with `mu = lambda (1 + slack)^2`.
 * If it succeeds, `mu I - G` is positive definite up to the rounding errors (Higham, Accuracy
 * and Stability, Thm 10.3: the computed factor satisfies `L L^T = A + E`,
 * `|E| <= gamma_{d+1} |L| |L^T|`, so `||E||_2 <= gamma_{d+1} ||L||_F^2`; the Gram matrix's error
 * is `<= gamma_n ||X||_F^2`), hence `lambda_max(G) <= mu + delta` with `delta` the sum of those
 * terms (doubled for safety, ~1e-13 relative). If it fails, more power steps and a second try;
 * then the trace-power bound `spectralNormUpperBound` (always certified, slower).
 * Cost: `d^2 n / 2 + d^3 / 6` multiply-adds plus `d^2` per Lanczos step (about 6 ms for
 * 256 x 256 in V8).
 */
export interface MatrixNormCertificate {
  /** CERTIFIED: sigma_max(W) <= upperBound. */
  upperBound: number;
  /** Float64 power-iteration estimate of sigma_max(W) (from below). */
  estimate: number;
  /** Unit vector of the right side (length cols): the warm start for the next call. */
  v: Float32Array;
  /** Which route gave the bound. */
  method: 'cholesky' | 'trace-power';
}

/**
 * Certifies `sigma_max(W)` of a row-major float32 matrix `data` [rows, cols] (see
 * `MatrixNormCertificate`). `v0` (length cols) is the warm start; `slack` the relative gap
 * between the estimate and the certified bound tried first (default 2e-4).
 * `capSquared`: when given and Cholesky of `capSquared (1 - 1e-9) I - G` succeeds, returns at
 * once with `upperBound <= sqrt(capSquared)` (the weight is certified inside the cap).
 */
export function certifyMatrixNorm(
  data: ArrayLike<number>, rows: number, cols: number, v0: Float32Array | null, slack = 2e-4, capSquared?: number,
): MatrixNormCertificate {
  const d = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  // X [d, n] row-major: X = W when rows <= cols (G = W W^T), else X = W^T (G = W^T W).
  const x = new Float64Array(d * n);
  let frob = 0;
  if (rows <= cols) {
    for (let i = 0; i < data.length; i++) { const a = data[i] as number; x[i] = a; frob += a * a; }
  } else {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) { const a = data[i * cols + j] as number; x[j * rows + i] = a; frob += a * a; }
    }
  }
  if (frob === 0) return { upperBound: 0, estimate: 0, v: v0 ?? unit(cols), method: 'cholesky' };
  const g = hermitianRowGram(x, null, d, n).re;
  const gramError = 2 * gamma(n) * frob * (1 + 1e-12);

  if (capSquared !== undefined) {
    const mu = capSquared * (1 - 1e-9);
    const e = choleskyError(g, d, mu);
    if (e !== null && mu + gramError + e <= capSquared) {
      return { upperBound: Math.sqrt(mu + gramError + e) * (1 + 4 * UNIT_ROUNDOFF), estimate: NaN, v: v0 ?? unit(cols), method: 'cholesky' };
    }
  }
  // start vector on G's side: v itself when G = W^T W, else W v.
  let z: Float64Array = new Float64Array(d);
  if (v0 !== null && v0.length === cols) {
    if (rows > cols) for (let j = 0; j < d; j++) z[j] = v0[j] as number;
    else for (let i = 0; i < rows; i++) { let s = 0; for (let j = 0; j < cols; j++) s += x[i * cols + j]! * (v0[j] as number); z[i] = s; }
  }
  if (!(norm(z) > 0)) z = Float64Array.from(unit(d));
  let lambda = 0;
  for (const steps of [24, 120]) {
    ({ z, lambda } = lanczosTop(g, d, z, steps));
    const mu = lambda * (1 + slack) ** 2;
    const e = choleskyError(g, d, mu);
    if (e !== null) {
      const upper = Math.sqrt(mu + gramError + e) * (1 + 4 * UNIT_ROUNDOFF);
      return { upperBound: upper, estimate: Math.sqrt(lambda), v: rightVector(x, z, rows, cols, d, n), method: 'cholesky' };
    }
  }
  const r = spectralNormUpperBound({ data: Float64Array.from(data), rows, cols }, { relativeSlack: slack });
  return { upperBound: r.upperBound, estimate: Math.max(r.estimate, Math.sqrt(lambda)), v: rightVector(x, z, rows, cols, d, n), method: 'trace-power' };
}

/**
 * Multiply-adds of a host certificate (`certifyMatrixNorm`: Gram matrix and Cholesky) below
 * which 'checked' runs it on every call (about 1 ms): small matrices are always certified.
 */
export const CHEAP_CHECK_COST = 2 ** 21;

/** Multiply-adds of `certifyMatrixNorm` on a rows x cols matrix (Gram + Cholesky). */
export function certificateCost(rows: number, cols: number): number {
  const d = Math.min(rows, cols);
  return (d * d * Math.max(rows, cols)) / 2 + (d * d * d) / 6;
}

/** gamma_k = k u / (1 - k u) (Higham). */
function gamma(k: number): number {
  return (k * UNIT_ROUNDOFF) / (1 - k * UNIT_ROUNDOFF);
}

/**
 * Cholesky of `mu I - G` (lower, row-major, float64). Returns null if a pivot is not positive,
 * else the bound on `lambda_max(G) - mu` from the rounding errors: `gamma_{d+1} ||L||_F^2` plus
 * the rounding of forming `mu - G_ii`, doubled for safety.
 */
function choleskyError(g: Float64Array, d: number, mu: number): number | null {
  const l = new Float64Array(d * d);
  let lf = 0;
  let diagMax = 0;
  for (let i = 0; i < d; i++) {
    const oi = i * d;
    for (let j = 0; j <= i; j++) {
      const oj = j * d;
      let s = (i === j ? mu : 0) - g[oi + j]!;
      for (let k = 0; k < j; k++) s -= l[oi + k]! * l[oj + k]!;
      if (i === j) {
        diagMax = Math.max(diagMax, Math.abs(g[oi + i]!));
        if (!(s > 0)) return null;
        l[oi + i] = Math.sqrt(s);
      } else {
        l[oi + j] = s / l[oj + j]!;
      }
      lf += l[oi + j]! * l[oi + j]!;
    }
  }
  return 2 * (gamma(d + 1) * lf * (1 + gamma(d * d)) + 2 * UNIT_ROUNDOFF * (mu + diagMax));
}

/**
 * `steps` Lanczos steps (full reorthogonalization) on the symmetric PSD `g` from `z0`; returns
 * the top Ritz vector (unit) and Ritz value, a lower estimate of lambda_max(g). Converges far
 * faster than power iteration when the top eigenvalues are close.
 */
function lanczosTop(g: Float64Array, d: number, z0: Float64Array, steps: number): { z: Float64Array; lambda: number } {
  const k = Math.min(steps, d);
  const q: Float64Array[] = [scale(z0, 1 / norm(z0))];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (let j = 0; j < k; j++) {
    const w = matVec(g, d, q[j]!);
    alpha.push(dot(q[j]!, w));
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of q) { const c = dot(qi, w); for (let i = 0; i < d; i++) w[i] -= c * qi[i]!; }
    }
    const b = norm(w);
    if (j === k - 1 || !(b > 1e-14 * Math.abs(alpha[0]!))) break;
    beta.push(b);
    q.push(scale(w, 1 / b));
  }
  const m = alpha.length;
  const e = tridiagonalTopEigen(alpha, beta.slice(0, m - 1));
  const z = new Float64Array(d);
  for (let i = 0; i < m; i++) { const c = e.vector[i]!; const qi = q[i]!; for (let r = 0; r < d; r++) z[r] += c * qi[r]!; }
  const nz = norm(z);
  if (!(nz > 0)) return { z: scale(z0, 1 / norm(z0)), lambda: 0 };
  const zn = scale(z, 1 / nz);
  // the Ritz value recomputed as a Rayleigh quotient (float64; never above lambda_max up to rounding)
  return { z: zn, lambda: dot(zn, matVec(g, d, zn)) };
}

/** The right singular vector estimate (length cols) from G's eigenvector estimate `z`. */
function rightVector(x: Float64Array, z: Float64Array, rows: number, cols: number, d: number, n: number): Float32Array {
  if (rows > cols) return Float32Array.from(z);
  // G = W W^T: z is a left vector; v = W^T z / ||W^T z||, X = W is [d, n].
  const v = new Float64Array(n);
  for (let i = 0; i < d; i++) { const zi = z[i]!; const o = i * n; for (let j = 0; j < n; j++) v[j] += x[o + j]! * zi; }
  const nv = norm(v);
  return Float32Array.from(nv > 0 ? scale(v, 1 / nv) : unit(cols));
}

function matVec(g: Float64Array, d: number, z: Float64Array): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) { let s = 0; const o = i * d; for (let j = 0; j < d; j++) s += g[o + j]! * z[j]!; y[i] = s; }
  return y;
}
function dot(a: Float64Array, b: Float64Array): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; }
function norm(a: Float64Array): number { return Math.sqrt(dot(a, a)); }
function scale(a: Float64Array, c: number): Float64Array { const o = new Float64Array(a.length); for (let i = 0; i < a.length; i++) o[i] = a[i]! * c; return o; }
function unit(n: number): Float32Array { return new Float32Array(n).fill(1 / Math.sqrt(n)); }
