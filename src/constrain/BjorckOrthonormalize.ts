import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { matrixOperator } from '../estimate/powerStep.js';
import { bjorckStep, oddPolynomialIteration } from '../optim/oddPolynomial.js';
import { SpectralConstraintBase, weightMatrix, type PowerVectorState } from './spectralConstraintBase.js';

/** Options of `bjorckOrthonormalize`. */
export interface BjorckOrthonormalizeOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** Bjorck iterations. Default 15 (deel-lip's DEFAULT_NITER_BJORCK). */
  iterations?: number;
  /** Bjorck beta in (0, 0.5]. Default 0.5 (deel-lip's DEFAULT_BETA_BJORCK). */
  beta?: number;
  /** Warm-started power iterations per call for the pre-scaling. Default 1. */
  powerIterations?: number;
}

/**
 * Bjorck-Bowie orthonormalization (Bjorck & Bowie 1971; Anil et al. 2019; deel-lip's
 * `reshaped_kernel_orthogonalization`): `X = W / sigma(W)` (power iteration, warm-started,
 * as deel-lip does before Bjorck), then `iterations` steps `X <- (1 + beta) X - beta X X^T X`,
 * which drive every singular value to 1 (convergence needs them in (0, sqrt(3)); singular
 * values near 0 converge slowly, exact zeros stay 0). The result is approximately
 * orthonormal (all singular values within ~1e-2 of 1 after 15 steps for condition numbers
 * up to ~1e3), hence 1-Lipschitz up to that tolerance: an approximation, not a certificate.
 * Dense kernels as is; conv kernels as the reshaped [k * cin, cout] matrix (deel-lip's
 * reshaped kernel; the convolution itself is then NOT orthogonal, its norm can be larger).
 */
export class BjorckOrthonormalize extends SpectralConstraintBase {
  static readonly className = 'BjorckOrthonormalize';
  readonly iterations: number;
  readonly beta: number;
  readonly powerIterations: number;

  constructor(options: BjorckOrthonormalizeOptions = {}) {
    super();
    const { iterations = 15, beta = 0.5, powerIterations = 1 } = options;
    this.iterations = checkNumber('options.iterations', iterations, { min: 1, integer: true, max: 1e4 });
    this.beta = checkNumber('options.beta', beta, { min: 0, exclusiveMin: true, max: 0.5 });
    this.powerIterations = checkNumber('options.powerIterations', powerIterations, { min: 1, integer: true, max: 1e4 });
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm the result approximates: 1. */
  promise(): number {
    return 1;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      const { sigma } = this.powerRound(`mat:${m.shape.join('x')}`, matrixOperator(m), m.shape[1], this.powerIterations);
      const x = tf.div(m, tf.maximum(sigma, 1e-12)) as tf.Tensor2D;
      const steps = new Array(this.iterations).fill(bjorckStep(this.beta));
      return tf.reshape(oddPolynomialIteration(x, steps), w.shape);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { iterations: this.iterations, beta: this.beta, powerIterations: this.powerIterations, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(BjorckOrthonormalize);

/** Factory of `BjorckOrthonormalize`: all singular values to 1 (deel-lip defaults 15, 0.5). */
export function bjorckOrthonormalize(options: BjorckOrthonormalizeOptions = {}): BjorckOrthonormalize {
  return new BjorckOrthonormalize(options);
}
