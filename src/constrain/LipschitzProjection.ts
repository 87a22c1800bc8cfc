import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { readGuarantee, type GuaranteeOptions, type GuaranteeSettings } from './spectralGuarantee.js';
import { readConvOptions, SpectralConstraintBase, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `lipschitzProjection`. */
export interface LipschitzProjectionOptions extends ConvKernelOptions, GuaranteeOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** Largest spectral norm allowed (required, > 0). */
  maxNorm: number;
  /** Warm-started iterations per call (matrices: block Krylov rounds) before the tolerance test. Default 1 (the first call on a shape runs 15). */
  iterations?: number;
}

/**
 * Projection onto the spectral-norm ball: `W <- W / max(1, sigma(W) / maxNorm)` (Gouk et al.
 * 2021, "Regularisation of neural networks by enforcing Lipschitz continuity", Algorithm 1).
 * Promise, from the first call on: sigma_max(result) <= maxNorm (1 + 1e-3).
 * - `guarantee: 'checked'` (default): sigma from a warm-started iteration run to a tolerance
 *   (block Krylov rounds for matrices, see `SpectralGuarantee`), with a CERTIFIED check (float64 Gram + Cholesky) on the first call, every
 *   `checkEvery` calls and when the iteration does not converge (see `SpectralGuarantee`).
 *   Between checks the promise rests on the converged ESTIMATE (measured with exact SVDs in the
 *   tests: close-gap Gaussian matrices and Adam training at lr 1e-2).
 * - `guarantee: 'certified'`: divides by a certified upper bound every call, so
 *   sigma_max(result) <= maxNorm up to float32 rounding (cost: see `SpectralGuarantee`).
 * Weights inside the ball (estimate <= maxNorm (1 + 1e-4), or certified <= maxNorm) come back
 * bit-identical: tfjs-layers re-applies constraints when loading, and this keeps a saved model
 * unchanged. Dense kernels as is; conv kernels by the true operator norm with `inputShape`
 * (small operators as their exact matrix, `cheapConvOperatorMatrix`; larger ones checked or
 * certified by the DFT and dense bounds of `convSpectralNorm`), else by the reshaped
 * [k * cin, cout] matrix.
 */
export class LipschitzProjection extends SpectralConstraintBase {
  static readonly className = 'LipschitzProjection';
  readonly maxNorm: number;
  readonly iterations: number;
  readonly conv: ConvKernelOptions;
  readonly settings: GuaranteeSettings;

  constructor(options: LipschitzProjectionOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with maxNorm');
    const { maxNorm, iterations = 1 } = options;
    this.maxNorm = checkNumber('options.maxNorm', maxNorm, { min: 0, exclusiveMin: true });
    this.iterations = checkNumber('options.iterations', iterations, { min: 1, integer: true, max: 1e4 });
    this.conv = readConvOptions(options);
    this.settings = readGuarantee(options);
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm this constraint promises from the first call: `maxNorm` (within 1e-3, exactly with 'certified'). */
  promise(): number {
    return this.maxNorm;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.project(w, this.maxNorm, this.conv, this.settings, this.iterations));
  }

  override getConfig(): serialization.ConfigDict {
    return { maxNorm: this.maxNorm, iterations: this.iterations, ...this.settings, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(LipschitzProjection);

/** Factory of `LipschitzProjection`: `W <- W / max(1, sigma(W) / maxNorm)` (Gouk et al.). */
export function lipschitzProjection(options: LipschitzProjectionOptions): LipschitzProjection {
  return new LipschitzProjection(options);
}
