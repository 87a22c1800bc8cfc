import { LipkitError } from '../../util/errors.js';
import { checkFiniteValues, checkNumber } from '../../util/validate.js';

/** One DFT coefficient X_k = sum_n x_n e^{-2 pi i k n / N} (float64). */
export interface DftCoefficient {
  re: number;
  im: number;
}

function checkSequence(name: string, values: ArrayLike<number>): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number' || values.length < 2) {
    throw new LipkitError(name, 'must be an array of at least 2 numbers');
  }
  checkFiniteValues(name, values);
}

/**
 * The DFT coefficient of a real sequence at integer bin `k`, in float64 by the direct sum
 *
 *   X_k = sum_{n=0}^{N-1} x_n e^{-2 pi i k n / N}.
 *
 * A sampled sinusoid A sin(2 pi k n / N + phi) with 0 < k < N/2 has |X_k| = A N / 2 (exact
 * bin, no leakage). O(N) per bin, meant for the handful of bins of the spectral-bias study.
 * Errors: LipkitError naming `values` (not an array of >= 2 finite numbers) or `k` (integer in [0, N)).
 */
export function dftCoefficient(values: ArrayLike<number>, k: number): DftCoefficient {
  checkSequence('values', values);
  const n = values.length;
  checkNumber('k', k, { min: 0, max: n - 1, integer: true });
  let re = 0;
  let im = 0;
  for (let j = 0; j < n; j++) {
    // Reduce k j mod N before the angle so that large products stay exact.
    const angle = (-2 * Math.PI * ((k * j) % n)) / n;
    re += values[j] * Math.cos(angle);
    im += values[j] * Math.sin(angle);
  }
  return { re, im };
}

/**
 * Relative spectral error per frequency (Rahaman et al. 2019; "Data Continuity Matters",
 * Qu et al. ICLR 2023, spectral-bias experiment):
 *
 *   e_k = |Y_hat_k - Y_k| / |Y_k| = |DFT(y_hat - y)_k| / |DFT(y)_k|
 *
 * for each bin k in `frequencies` (linear: the DFT of the residual over the target's DFT).
 * 1 means the component is not learned at all (y_hat has nothing at k), 0 means it is exact.
 * A measurement on the sampled points, float64. Errors: LipkitError naming `prediction`,
 * `target` (>= 2 finite numbers, same length), `frequencies` / `frequencies[i]` (integers in
 * [1, N/2)), or `target` when a bin of the target has (numerically) zero modulus.
 */
export function spectralErrors(prediction: ArrayLike<number>, target: ArrayLike<number>, frequencies: readonly number[]): number[] {
  checkSequence('prediction', prediction);
  checkSequence('target', target);
  const n = target.length;
  if (prediction.length !== n) throw new LipkitError('prediction', `must have the target's length ${n}, got ${prediction.length}`);
  if (!Array.isArray(frequencies) || frequencies.length === 0) throw new LipkitError('frequencies', 'must be a non-empty array of integers');
  frequencies.forEach((k, i) => checkNumber(`frequencies[${i}]`, k, { min: 1, max: Math.ceil(n / 2) - 1, integer: true }));
  const residual = new Float64Array(n);
  let scale = 0;
  for (let j = 0; j < n; j++) { residual[j] = prediction[j] - target[j]; scale += Math.abs(target[j]); }
  return frequencies.map((k) => {
    const t = dftCoefficient(target, k);
    const tMod = Math.hypot(t.re, t.im);
    if (!(tMod > 1e-12 * Math.max(scale, 1e-300))) throw new LipkitError('target', `has no component at frequency ${k} (|DFT| = ${tMod})`);
    const r = dftCoefficient(residual, k);
    return Math.hypot(r.re, r.im) / tMod;
  });
}
