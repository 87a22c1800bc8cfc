import * as tf from '@tensorflow/tfjs-core';
import { matrixOperator, powerStep, sigmaOf } from '../estimate/powerStep.js';
import { seededNormal } from '../util/random.js';
import { checkNumber } from '../util/validate.js';
import { checkInputTensor, checkOptions } from './checks.js';

/** Options of `spectralTargetPenalty`. */
export interface SpectralTargetPenaltyOptions {
  /** Weight lambda >= 0, default 1. */
  lambda?: number;
  /** Power-iteration steps from a fresh seeded vector, default 20. */
  iterations?: number;
  /** Seed of the start vector, default 1. */
  seed?: number;
}

/**
 * Spectral regularization toward a target (Lewandowski et al. 2024, "Learning Continually by
 * Spectral Regularization": keep each layer's top singular value near its initial value):
 *
 *   lambda * (sigma_max(W) - target)^2
 *
 * with sigma_max = u^T W v from `iterations` power-iteration steps (u, v constant), so the
 * gradient is 2 lambda (sigma - target) u v^T. W must be 2-D [in, out]. sigma is an ESTIMATE
 * from below (exact at convergence); the penalty is a regularizer, not a bound. Leak-free.
 * Throws a LipkitError naming `W`, `target` (finite, >= 0) or `options.<field>`.
 */
export function spectralTargetPenalty(W: tf.Tensor, target: number, options: SpectralTargetPenaltyOptions = {}): tf.Scalar {
  checkInputTensor('W', W, { minRank: 2, maxRank: 2 });
  const t = checkNumber('target', target, { min: 0 });
  checkOptions('options', options);
  const lambda = checkNumber('options.lambda', options.lambda ?? 1, { min: 0 });
  const iterations = checkNumber('options.iterations', options.iterations ?? 20, { min: 1, integer: true });
  const seed = checkNumber('options.seed', options.seed ?? 1, { integer: true });
  return tf.tidy(() => {
    const op = matrixOperator(W as tf.Tensor2D);
    const { u, v } = powerStep(op, seededNormal([W.shape[1] as number], seed), iterations);
    return tf.mul(lambda, tf.square(tf.sub(sigmaOf(op, u, v), t))) as tf.Scalar;
  });
}
