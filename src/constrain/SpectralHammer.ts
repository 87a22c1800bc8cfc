import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { matrixOperator } from '../estimate/powerStep.js';
import { SpectralConstraintBase, weightMatrix, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `spectralHammer`. */
export interface SpectralHammerOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** The value the top singular value is set to (required, > 0). */
  cap: number;
  /** Warm-started power iterations per call. Default 16 (the reference's count). */
  iterations?: number;
}

/**
 * Spectral hammer of Newhouse et al. 2025 (authors' `_spectral_hammer`): estimate the top
 * singular triplet (u, sigma, v) by power iteration and set it to the cap with a rank-one
 * update, `W <- W + (cap - sigma) u v^T`. As in the reference, the top singular value is SET
 * to `cap` (raised if it was smaller). Promise: sigma_max(result) = cap up to the power
 * iteration's error, PROVIDED the second singular value of W is <= cap (only one direction is
 * touched per call; the others are left as they are). The vector persists in the instance
 * (warm start). Dense kernels as is; conv kernels as the reshaped [k * cin, cout] matrix.
 */
export class SpectralHammer extends SpectralConstraintBase {
  static readonly className = 'SpectralHammer';
  readonly cap: number;
  readonly iterations: number;

  constructor(options: SpectralHammerOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with cap');
    this.cap = checkNumber('options.cap', options.cap, { min: 0, exclusiveMin: true });
    this.iterations = checkNumber('options.iterations', options.iterations ?? 16, { min: 1, integer: true, max: 1e4 });
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm promised when sigma_2(W) <= cap: `cap`. */
  promise(): number {
    return this.cap;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      const { sigma, u, v } = this.powerRound(`mat:${m.shape.join('x')}`, matrixOperator(m), m.shape[1], this.iterations);
      const outer = tf.matMul(tf.reshape(u, [m.shape[0], 1]), tf.reshape(v, [1, m.shape[1]]));
      return tf.reshape(tf.add(m, tf.mul(outer, tf.sub(this.cap, sigma))), w.shape);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { cap: this.cap, iterations: this.iterations, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralHammer);

/** Factory of `SpectralHammer` (Newhouse et al. 2025): top singular value set to `cap`. */
export function spectralHammer(options: SpectralHammerOptions): SpectralHammer {
  return new SpectralHammer(options);
}
