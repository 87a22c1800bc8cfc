import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { NO_OP_TOLERANCE, readConvOptions, SpectralConstraintBase, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `lipschitzProjection`. */
export interface LipschitzProjectionOptions extends ConvKernelOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** Largest spectral norm allowed (required, > 0). */
  maxNorm: number;
  /** Warm-started power iterations per call. Default 1 (the first call on a shape runs 15). */
  iterations?: number;
}

/**
 * Projection onto the spectral-norm ball: `W <- W / max(1, sigma(W) / maxNorm)` (Gouk et al.
 * 2021, "Regularisation of neural networks by enforcing Lipschitz continuity", Algorithm 1).
 * Weights with estimated sigma <= maxNorm (1 + 1e-4) are returned bit-identical (the factor is
 * exactly 1; the slack keeps re-application on loading a saved model a no-op).
 * `sigma` comes from warm-started power iteration (an ESTIMATE from below), so after warm-up
 * the result has spectral norm <= maxNorm * (1 + 1e-4 + small). Dense kernels as is; conv kernels by
 * the true operator norm with `inputShape`, else by the reshaped [k * cin, cout] matrix.
 */
export class LipschitzProjection extends SpectralConstraintBase {
  static readonly className = 'LipschitzProjection';
  readonly maxNorm: number;
  readonly iterations: number;
  readonly conv: ConvKernelOptions;

  constructor(options: LipschitzProjectionOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with maxNorm');
    const { maxNorm, iterations = 1 } = options;
    this.maxNorm = checkNumber('options.maxNorm', maxNorm, { min: 0, exclusiveMin: true });
    this.iterations = checkNumber('options.iterations', iterations, { min: 1, integer: true, max: 1e4 });
    this.conv = readConvOptions(options);
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm this constraint promises after warm-up: `maxNorm`. */
  promise(): number {
    return this.maxNorm;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const sigma = this.estimateSigma(w, this.iterations, this.conv);
      const inside = tf.lessEqual(sigma, this.maxNorm * (1 + NO_OP_TOLERANCE));
      return tf.mul(w, tf.where(inside, tf.scalar(1), tf.div(this.maxNorm, tf.maximum(sigma, 1e-30))));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { maxNorm: this.maxNorm, iterations: this.iterations, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(LipschitzProjection);

/** Factory of `LipschitzProjection`: `W <- W / max(1, sigma(W) / maxNorm)` (Gouk et al.). */
export function lipschitzProjection(options: LipschitzProjectionOptions): LipschitzProjection {
  return new LipschitzProjection(options);
}
