import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { checkFunction, checkInputTensor, checkModelOutput, checkOptions } from './checks.js';
import type { ModelFunction } from './inputGradient.js';
import { checkSeed, normalTensor } from './penaltyPoints.js';

/** Options of `jacobianPenalty`. */
export interface JacobianPenaltyOptions {
  /** Random projections per example, default 1 (Hoffman et al. use 1). */
  projections?: number;
  /** Weight lambda >= 0, default 1. */
  lambda?: number;
  /** Seed of the projections (deterministic on every backend); default unseeded. */
  seed?: number;
}

/**
 * Jacobian regularization by random projections (Hoffman, Roberts & Yaida 2019, "Robust
 * Learning with Jacobian Regularization"): an UNBIASED estimate of
 *
 *   lambda * mean_b ||J(x_b)||_F^2,   J(x_b) = d f(x_b) / d x_b  (C outputs),
 *
 * as lambda * mean_b (C / P) sum_{p=1..P} ||v_bp^T J(x_b)||^2 with v_bp uniform on the unit
 * sphere of R^C (E[v v^T] = I / C), each term one backward pass of v . f. Exact for C = 1.
 * Hoffman et al. add (lambda_JR / 2) ||J||_F^2 to the loss: pass lambda = lambda_JR / 2.
 * Differentiable in f's weights (double backpropagation); f must treat examples independently.
 * An estimate of a regularizer (variance falls as 1/P), not a bound; ||J||_F >= ||J||_2, the
 * local Lipschitz constant. Leak-free. Errors name `f`, `x`, `options.<field>`.
 */
export function jacobianPenalty(f: ModelFunction, x: tf.Tensor, options: JacobianPenaltyOptions = {}): tf.Scalar {
  checkFunction('f', f);
  checkInputTensor('x', x, { minRank: 2 });
  checkOptions('options', options);
  const projections = checkNumber('options.projections', options.projections ?? 1, { min: 1, integer: true });
  const lambda = checkNumber('options.lambda', options.lambda ?? 1, { min: 0 });
  const seed = checkSeed('options.seed', options.seed);
  const batch = x.shape[0];
  return tf.tidy(() => {
    let outputs = 0;
    let total: tf.Scalar = tf.scalar(0);
    for (let p = 0; p < projections; p++) {
      // The projection is drawn inside the gradient's scope (tf.grad disposes what it creates);
      // projection p of a seeded call uses seed + 7919 p.
      const gradient = tf.grad((q: tf.Tensor) => {
        const y = f(q);
        outputs = checkModelOutput('f', y, batch);
        const raw = normalTensor([batch, outputs], seed === undefined ? undefined : seed + 7919 * p);
        const v = tf.div(raw, tf.norm(raw, 'euclidean', 1, true));
        return tf.sum(tf.mul(tf.reshape(y, [batch, outputs]), v));
      })(x);
      total = tf.add(total, tf.sum(tf.square(gradient)));
    }
    return tf.mul(total, lambda * outputs / (projections * batch)) as tf.Scalar;
  });
}
