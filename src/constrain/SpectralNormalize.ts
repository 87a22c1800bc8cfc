import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { readConvOptions, SpectralConstraintBase, type ConvKernelOptions } from './spectralConstraintBase.js';

/** Options of `spectralNormalize`. */
export interface SpectralNormalizeOptions extends ConvKernelOptions {
  /** Spectral norm the weight is scaled to. Default 1. Must be > 0. */
  target?: number;
  /** Warm-started power iterations per call. Default 1 (the first call on a shape runs 15). */
  iterations?: number;
}

/**
 * Spectral normalization as a hard constraint: `W <- target * W / sigma(W)` (Miyato et al.
 * 2018, "Spectral Normalization for GANs"), with `sigma(W) = u^T W v` from power iteration
 * whose vector persists in the instance (warm start, as PyTorch's spectral_norm).
 * `sigma` is an ESTIMATE from below, so after warm-up the result has spectral norm
 * target * (1 + small); the estimate converges as training steps accumulate.
 * Dense kernels [in, out] as is; conv kernels by the convolution's true operator norm when
 * `inputShape` is given, otherwise by the reshaped [k * cin, cout] matrix (see ConvKernelOptions).
 */
export class SpectralNormalize extends SpectralConstraintBase {
  static readonly className = 'SpectralNormalize';
  readonly target: number;
  readonly iterations: number;
  readonly conv: ConvKernelOptions;

  constructor(options: SpectralNormalizeOptions = {}) {
    super();
    const { target = 1, iterations = 1 } = options;
    this.target = checkNumber('options.target', target, { min: 0, exclusiveMin: true });
    this.iterations = checkNumber('options.iterations', iterations, { min: 1, integer: true, max: 1e4 });
    this.conv = readConvOptions(options);
  }

  /** The spectral norm this constraint promises after warm-up: `target`. */
  promise(): number {
    return this.target;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const sigma = this.estimateSigma(w, this.iterations, this.conv);
      return tf.mul(w, tf.div(this.target, tf.maximum(sigma, 1e-12)));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { target: this.target, iterations: this.iterations, ...this.conv };
  }
}
tf.serialization.registerClass(SpectralNormalize);

/** Factory of `SpectralNormalize`: `W <- target * W / sigma(W)` (Miyato et al. 2018). */
export function spectralNormalize(options: SpectralNormalizeOptions = {}): SpectralNormalize {
  return new SpectralNormalize(options);
}
