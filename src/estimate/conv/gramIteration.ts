import { hermitianRowGram, tracePowerBound, UNIT_ROUNDOFF } from '../tracePowerBound.js';

/** Options of `gramIterationBound`. */
export interface GramIterationOptions {
  /** Stop once the bound is within `1 + relativeSlack` of sigma_1 (worst case or against the block's own estimate); default 1e-3. */
  relativeSlack?: number;
  /** Stop as soon as the certified bound of sigma_1 is at most this value (it cannot be the maximum a caller looks for); default 0 (never). */
  stopBelow?: number;
  /**
   * Absolute error, on the scale of sigma_1^2, of how the block itself was computed (e.g. the
   * DFT of a kernel in float64); added before the square root. Default 0.
   */
  formingError?: number;
}

/** Result of `gramIterationBound`. */
export interface GramIterationResult {
  /** CERTIFIED: sigma_1(X) <= upperBound, float64 rounding included. */
  upperBound: number;
  /** Lower estimate of sigma_1(X) (power iteration from the best coordinate of the last Gram iterate). */
  estimate: number;
  /** Gram iterations done: the bound is ||G_t||_F^(1/2^t) with t = iterations. */
  iterations: number;
}

/**
 * CERTIFIED upper bound on the largest singular value of a complex p x q matrix X (row-major
 * `re + i im`), by Gram iteration (Delattre, Barthélemy, Araujo & Allauzen, "Efficient Bound of
 * Lipschitz Constant for Convolutional Layers by Gram Iteration", ICML 2023):
 * G_1 = X X^H (or X^H X, the smaller side n = min(p, q)), G_{t+1} = G_t^H G_t = G_t^2, and
 * sigma_1(X) <= ||G_t||_F^(1 / 2^t) <= n^(1 / 2^(t+1)) sigma_1(X). Each iterate is rescaled to
 * unit Frobenius norm and the logs of the scales accumulated (no overflow), which is the
 * trace-power bound sigma_1^2 = lambda_max(G_1) <= trace(G_1^k)^(1/k), k = 2^t, of
 * `tracePowerBound` (the two are the same sequence: trace(G^(2j)) = ||G^j||_F^2).
 *
 * Rounding (float64, u = 2^-53): forming G_1 from X costs at most 2 gamma_q ||X||_F^2 in the
 * 2-norm (|E_ij| <= gamma_q sum_k |X_ik| |X_jk| per complex product, gamma_q = q u / (1 - q u)),
 * added to lambda together with the caller's `formingError`; each squaring and rescaling is
 * covered by `tracePowerBound`'s margin 1 + 1e-12 + 8 n^2 u. So
 * sigma_1(X_exact) <= sqrt(lambda_bound + 2 gamma_q ||X||_F^2 + formingError) (1 + 4u).
 * The margin can make the bound land a hair above an exact value, never below.
 *
 * Stops when the worst case n^(1/2^(t+1)) or the gap to the estimate is within
 * `1 + relativeSlack`, or once the bound is at most `stopBelow`. Zero matrix -> 0.
 */
export function gramIterationBound(
  re: Float64Array, im: Float64Array, p: number, q: number, options: GramIterationOptions = {},
): GramIterationResult {
  const g = blockGram(re, im, p, q);
  if (g === null) return { upperBound: Math.sqrt(options.formingError ?? 0), estimate: 0, iterations: 0 };
  return gramIterationOnGram(g, options);
}

/** The Gram matrix G_1 of a block (smaller side) with the absolute rounding guard of forming it. */
export interface BlockGram {
  re: Float64Array;
  im: Float64Array;
  /** G_1 is n x n. */
  n: number;
  /** 2 gamma_q ||X||_F^2: bound on ||G_1 computed - G_1 exact||_2. */
  guard: number;
}

/** G_1 = X X^H or X^H X (the smaller side) of a complex p x q block, or null for a zero block. */
export function blockGram(re: Float64Array, im: Float64Array, p: number, q: number): BlockGram | null {
  let fro2 = 0;
  for (let i = 0; i < p * q; i++) fro2 += re[i] * re[i] + im[i] * im[i];
  if (fro2 === 0) return null;
  let xre = re;
  let xim = im;
  let n = p;
  let len = q;
  if (p > q) {
    // X^H X = Y Y^H with Y = X^H (q x p).
    xre = new Float64Array(q * p);
    xim = new Float64Array(q * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < q; j++) {
        xre[j * p + i] = re[i * q + j];
        xim[j * p + i] = -im[i * q + j];
      }
    }
    n = q;
    len = p;
  }
  const g = hermitianRowGram(xre, xim, n, len);
  const gammaQ = (len * UNIT_ROUNDOFF) / (1 - len * UNIT_ROUNDOFF);
  return { re: g.re, im: g.im ?? new Float64Array(n * n), n, guard: 2 * gammaQ * fro2 * (1 + 1e-12) };
}

/** `gramIterationBound` from an already formed G_1 (see there for the rounding analysis). */
export function gramIterationOnGram(g: BlockGram, options: GramIterationOptions = {}): GramIterationResult {
  const { relativeSlack = 1e-3, stopBelow = 0, formingError = 0 } = options;
  const guard = g.guard + formingError;
  const n = g.n;
  if (n === 1) {
    const lambda = g.re[0] * (1 + 1e-12);
    return { upperBound: Math.sqrt(lambda + guard) * (1 + 4 * UNIT_ROUNDOFF), estimate: Math.sqrt(g.re[0]), iterations: 1 };
  }
  // Stop threshold on the lambda scale, before the guard is added.
  const stopLambda = stopBelow > 0 ? (stopBelow / (1 + 4 * UNIT_ROUNDOFF)) ** 2 - guard : 0;
  const r = tracePowerBound(g.re, g.im, n, relativeSlack, 0, Math.max(0, stopLambda));
  return {
    upperBound: Math.sqrt(r.upperBound + guard) * (1 + 4 * UNIT_ROUNDOFF),
    estimate: Math.sqrt(r.estimate),
    iterations: Math.round(Math.log2(r.power)),
  };
}
