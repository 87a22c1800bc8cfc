import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { NO_OP_TOLERANCE, readConvOptions, SpectralConstraintBase, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `spectralNormalize`. */
export interface SpectralNormalizeOptions extends ConvKernelOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** Spectral norm the weight is scaled to. Default 1. Must be > 0. */
  target?: number;
  /** Warm-started power iterations per call. Default 1 (the first call on a shape runs 15). */
  iterations?: number;
}

/**
 * Spectral normalization as a hard constraint: `W <- target * W / sigma(W)` (Miyato et al.
 * 2018, "Spectral Normalization for GANs"), with `sigma(W) = u^T W v` from power iteration
 * whose vector persists in the instance (warm start, as PyTorch's spectral_norm).
 * Weights whose estimate is already within NO_OP_TOLERANCE (1e-4) of the target come back
 * bit-identical (so loading a saved model, which re-applies constraints, changes nothing).
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
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm this constraint promises after warm-up: `target`. */
  promise(): number {
    return this.target;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const sigma = this.estimateSigma(w, this.iterations, this.conv);
      const ratio = tf.div(sigma, this.target);
      const close = tf.lessEqual(tf.abs(tf.sub(ratio, 1)), NO_OP_TOLERANCE);
      return tf.mul(w, tf.where(close, tf.scalar(1), tf.div(1, tf.maximum(ratio, 1e-12))));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { target: this.target, iterations: this.iterations, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralNormalize);

/** Factory of `SpectralNormalize`: `W <- target * W / sigma(W)` (Miyato et al. 2018). */
export function spectralNormalize(options: SpectralNormalizeOptions = {}): SpectralNormalize {
  return new SpectralNormalize(options);
}
