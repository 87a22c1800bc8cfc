import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { CHEAP_CHECK_COST, certificateCost } from './certifiedMatrixNorm.js';
import { oddPolynomialIteration, oddPolynomialScalar, softCapSteps } from '../optim/oddPolynomial.js';
import { readConvOptions, SpectralConstraintBase, weightMatrix, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';
import { readGuarantee, type GuaranteeOptions, type GuaranteeSettings } from './spectralGuarantee.js';

/** Options of `spectralSoftCap`. */
export interface SpectralSoftCapOptions extends ConvKernelOptions, GuaranteeOptions {
  /** Spectral norm cap (required, > 0). */
  cap: number;
  /** Persisted power-iteration vectors of the 'certified' projection (written by getConfig). */
  powerVectors?: PowerVectorState[];
  /**
   * Largest spectral norm an optimizer step may add (in the weight's units). Default
   * `0.1 * cap`. With `weightDecay`, sets the coupling strength `alpha`.
   */
  maxUpdateNorm?: number;
  /** Decoupled weight decay per step, in [0, 1). Default 0. */
  weightDecay?: number;
  /** The coupling strength of the normalized polynomial directly (overrides the two above). */
  alpha?: number;
}

/**
 * Coupling strength of the soft cap (`soft_cap_coupling` of Newhouse et al. 2025, in units of
 * the cap): the alpha for which `p(s) = s (1 - alpha s^2)(1 + alpha s^2 (1 - alpha s^2)^2)`
 * maps `kappa` to exactly 1, i.e. `h(t) = 1 - 3t^2 + 3t^3 - t^4 = 1 / kappa` with
 * `t = alpha kappa^2` (h is strictly decreasing on [0, 1], so bisection finds the unique root,
 * which is the smallest nonnegative real root the reference takes with numpy's roots).
 * For kappa <= 1 no cap is needed and alpha = 0 (the reference would return 1 there).
 */
export function softCapAlpha(kappa: number): number {
  if (kappa <= 1) return 0;
  const target = 1 / kappa;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const t = (lo + hi) / 2;
    const h = 1 - 3 * t * t + 3 * t * t * t - t * t * t * t;
    if (h > target) lo = t; else hi = t;
  }
  return (lo + hi) / 2 / (kappa * kappa);
}

/** Max of the scalar soft-cap polynomial on [0, kappa] (float64 scan of 100001 points plus a slope margin). */
function softCapMax(alpha: number, kappa: number): number {
  const steps = softCapSteps(alpha);
  const n = 100000;
  let best = 0;
  for (let i = 0; i <= n; i++) best = Math.max(best, Math.abs(oddPolynomialScalar(steps, (kappa * i) / n)));
  // Margin: with y = s (1 - a s^2), p' = (1 - 3 a s^2)(1 + 3 a y^2) and |y| <= kappa (1 + a kappa^2),
  // so |p'| <= (1 + 3 a kappa^2)(1 + 3 a kappa^2 (1 + a kappa^2)^2) on [0, kappa]; times half a grid step.
  const ak = alpha * kappa * kappa;
  const slope = (1 + 3 * ak) * (1 + 3 * ak * (1 + ak) ** 2);
  return best + (slope * kappa) / (2 * n);
}

/**
 * Spectral soft cap of Newhouse et al. 2025: `W <- cap * p(W / cap)` with the two odd
 * polynomial steps `X (I - alpha X^T X)`, `X (I + alpha X^T X)` (authors' `_soft_cap`), alpha
 * chosen so that a singular value at `kappa = (cap (1 - weightDecay) + maxUpdateNorm) / cap`
 * (the largest one a step can produce from a capped weight) maps to exactly `cap`.
 * Promise (`promise()`): sigma_max(result) <= cap * max_{[0, kappa]} p (computed in float64
 * at construction; equal to `cap` for kappa <= 1.3 (numpy scan), larger beyond, e.g. 1.0019
 * cap at 1.35, 1.028 cap at 1.5), for EVERY input, and never above sigma_max(W).
 * - Safe fallback: the paper's map holds only for sigma(W) <= kappa cap; far above it the
 *   polynomial diverges (an N(0, 1) matrix or Glorot weights with cap 0.25 became NaN within 5
 *   calls). So W is first projected onto the `kappa * cap` ball, `W <- W min(1, kappa cap /
 *   sigma(W))`, with sigma measured as `lipschitzProjection` does (residual-converged power
 *   iteration with certified checks; 'certified': the certified bound), except that a large
 *   matrix whose one-round warm block estimate is below 0.99 kappa cap skips that measurement (an
 *   ESTIMATE: the cheap path of the normal regime). Every input the paper covers passes
 *   unchanged. On [0, kappa] `p(s) <= s` (with `t = alpha s^2 <= 1`,
 *   `p(s) / s = 1 - 3t^2 + 3t^3 - t^4 <= 1`), so no singular value grows.
 * - `guarantee`: 'checked' (default) relies on that float64 analysis of the polynomial (in
 *   exact arithmetic; float32 rounding adds ~1e-6 relative) and on the measured sigma;
 *   'certified' measures with the certified bound and also projects the result onto the
 *   `promise()` ball with one (cost: see `SpectralGuarantee`).
 * Dense kernels as is; conv kernels: the polynomial acts on the reshaped [k * cin, cout] matrix
 * (a polynomial in the convolution operator is not a convolution), whose norm can be smaller
 * than the operator's by up to sqrt(taps / stride product). With `inputShape` the result is
 * then projected onto the `promise()` ball in the convolution's TRUE operator norm on that
 * input, in both modes (as `lipschitzProjection` does: 'checked' promises sigma_max <=
 * promise() (1 + 1e-3) with certified checks, 'certified' <= promise() up to float32 rounding).
 */
export class SpectralSoftCap extends SpectralConstraintBase {
  static readonly className = 'SpectralSoftCap';
  readonly cap: number;
  readonly maxUpdateNorm: number;
  readonly weightDecay: number;
  readonly alpha: number;
  /** The largest sigma(W) / cap for which `promise()` holds. */
  readonly kappa: number;
  readonly conv: ConvKernelOptions;
  readonly settings: GuaranteeSettings;
  private readonly promised: number;

  constructor(options: SpectralSoftCapOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with cap');
    this.cap = checkNumber('options.cap', options.cap, { min: 0, exclusiveMin: true });
    this.maxUpdateNorm = checkNumber('options.maxUpdateNorm', options.maxUpdateNorm ?? 0.1 * this.cap, { min: 0 });
    this.weightDecay = checkNumber('options.weightDecay', options.weightDecay ?? 0, { min: 0, max: 0.999999 });
    this.kappa = (this.cap * (1 - this.weightDecay) + this.maxUpdateNorm) / this.cap;
    this.alpha = options.alpha === undefined
      ? softCapAlpha(this.kappa)
      : checkNumber('options.alpha', options.alpha, { min: 0, max: 1e6 });
    this.promised = this.cap * Math.max(1, softCapMax(this.alpha, this.kappa));
    this.conv = readConvOptions(options);
    this.settings = readGuarantee(options);
    this.loadVectors(options.powerVectors);
  }

  /** Spectral norm promised for every input (see the class docs). */
  promise(): number {
    return this.promised;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      // Safe fallback outside the paper's range: project onto the kappa * cap ball first.
      const certified = this.settings.guarantee === 'certified';
      const limit = this.kappa * this.cap;
      const quick = certified || certificateCost(m.shape[0], m.shape[1]) <= CHEAP_CHECK_COST
        ? Infinity : this.blockRound(`in:mat:${m.shape.join('x')}`, m, 1).sigma;
      const sigma = quick <= 0.99 * limit ? quick : this.measure(m, {}, this.settings, 1, undefined, 'in:').sigma;
      const pre = Number.isFinite(sigma) && sigma > limit ? limit / sigma : 1;
      const x = tf.mul(m, pre / this.cap) as tf.Tensor2D;
      const out = tf.reshape(tf.mul(oddPolynomialIteration(x, softCapSteps(this.alpha)), this.cap), w.shape);
      const operator = this.conv.inputShape !== undefined && (w.rank === 3 || w.rank === 4);
      return certified || operator ? this.project(out, this.promised, this.conv, this.settings, 1) : out;
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { cap: this.cap, maxUpdateNorm: this.maxUpdateNorm, weightDecay: this.weightDecay, alpha: this.alpha, ...this.settings, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralSoftCap);

/** Factory of `SpectralSoftCap` (Newhouse et al. 2025). */
export function spectralSoftCap(options: SpectralSoftCapOptions): SpectralSoftCap {
  return new SpectralSoftCap(options);
}
