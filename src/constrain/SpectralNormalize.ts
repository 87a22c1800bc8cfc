import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { CHECK_SLACK, readGuarantee, type GuaranteeOptions, type GuaranteeSettings } from './spectralGuarantee.js';
import { NO_OP_TOLERANCE, readConvOptions, SpectralConstraintBase, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `spectralNormalize`. */
export interface SpectralNormalizeOptions extends ConvKernelOptions, GuaranteeOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** Spectral norm the weight is scaled to. Default 1. Must be > 0. */
  target?: number;
  /** Warm-started iterations per call (matrices: block Krylov rounds) before the tolerance test. Default 1 (the first call on a shape runs 15). */
  iterations?: number;
}

/**
 * Spectral normalization as a hard constraint: `W <- target * W / sigma(W)` (Miyato et al.
 * 2018, "Spectral Normalization for GANs"), with sigma from power iteration whose vector
 * persists in the instance (warm start, as PyTorch's spectral_norm).
 * Promise, from the first call on: |sigma_max(result) / target - 1| <= 1e-3.
 * - `guarantee: 'checked'` (default): warm-started iteration run to a tolerance each call (see `SpectralGuarantee`),
 *   with a CERTIFIED check (float64 Gram + Cholesky) on the first call, every `checkEvery`
 *   calls and when the iteration does not converge; between checks the promise rests on the
 *   converged ESTIMATE (tested with exact SVDs on close-gap matrices and fast training).
 * - `guarantee: 'certified'`: divides by a certified upper bound, so sigma_max(result) <=
 *   target up to float32 rounding, and >= target (1 - 1e-3).
 * Weights already within 1e-4 of the target (certified: certified <= target and estimate >=
 * target (1 - 1e-3)) come back bit-identical (loading a saved model re-applies constraints).
 * Dense kernels [in, out] as is; conv kernels by the convolution's true operator norm when
 * `inputShape` is given (small operators as their exact matrix, certified every call by
 * `cheapConvOperatorMatrix` + `certifyMatrixNorm`; larger ones checked by `convSpectralNorm`'s
 * certified bound: where that bound is loose, a failed check rescales by it and the result can
 * fall below target), otherwise by
 * the reshaped [k * cin, cout] matrix (see ConvKernelOptions).
 */
export class SpectralNormalize extends SpectralConstraintBase {
  static readonly className = 'SpectralNormalize';
  readonly target: number;
  readonly iterations: number;
  readonly conv: ConvKernelOptions;
  readonly settings: GuaranteeSettings;

  constructor(options: SpectralNormalizeOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
    const { target = 1, iterations = 1 } = options;
    this.target = checkNumber('options.target', target, { min: 0, exclusiveMin: true });
    this.iterations = checkNumber('options.iterations', iterations, { min: 1, integer: true, max: 1e4 });
    this.conv = readConvOptions(options);
    this.settings = readGuarantee(options);
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm this constraint promises after warm-up: `target`. */
  promise(): number {
    return this.target;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const certified = this.settings.guarantee === 'certified';
      const ms = this.measure(w, this.conv, this.settings, this.iterations, certified ? this.target : undefined, '', this.target * (1 - 2 * CHECK_SLACK));
      if (!Number.isFinite(ms.sigma) || ms.sigma === 0) return tf.clone(w);
      const keep = certified
        ? ms.inside
        : Math.abs(ms.sigma / this.target - 1) <= NO_OP_TOLERANCE;
      return keep ? tf.clone(w) : tf.mul(w, this.target / ms.sigma);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { target: this.target, iterations: this.iterations, ...this.settings, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralNormalize);

/** Factory of `SpectralNormalize`: `W <- target * W / sigma(W)` (Miyato et al. 2018). */
export function spectralNormalize(options: SpectralNormalizeOptions = {}): SpectralNormalize {
  return new SpectralNormalize(options);
}
