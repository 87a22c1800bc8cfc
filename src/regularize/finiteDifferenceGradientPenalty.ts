import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../backend/stopGradient.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice } from './checks.js';
import { type GradientPenaltyOptions, normPenalty, validatePenaltyArgs } from './gradientPenalty.js';
import { exampleNorms, firstInputGradient, inputGradient, outputColumn, type ModelFunction } from './inputGradient.js';

/** Options of `finiteDifferenceGradientPenalty`. */
export interface FiniteDifferenceGradientPenaltyOptions extends GradientPenaltyOptions {
  /** Finite-difference step h > 0 along the unit gradient direction, in input units; default 1e-2. */
  step?: number;
  /** `'central'` (default, error O(h^2)) or `'forward'` (error O(h), one forward pass fewer). */
  scheme?: 'central' | 'forward';
}

/**
 * The gradient penalty `kappa * E[(||grad_x f(x)|| - D)^2]` (same points, options and output
 * handling as `gradientPenalty`) WITHOUT double backpropagation, after Karakida, Takase, Hayase
 * & Osawa (ICML 2023), "Understanding Gradient Regularization in Deep Learning: Efficient
 * Finite-Difference Computation and Implicit Bias". With d = g / ||g|| the (gradient-stopped)
 * unit input gradient at x, the norm is the directional derivative along d:
 *
 *   ||grad_x f(x)|| = d . grad_x f(x) ~ (f(x + h d) - f(x - h d)) / (2h)        (central)
 *                                     ~ (f(x + h d) - f(x)) / h                (forward)
 *
 * and the penalty uses this estimate. Its weight gradient is then a finite difference of
 * WEIGHT gradients along the input-gradient direction, (grad_theta f(x + h d) - grad_theta f(x - h d)) / 2h,
 * which is Karakida et al.'s trick (there in parameter space) applied to the input gradient:
 * one first-order backward pass for d, then only first-order backpropagation through two
 * forward passes. Value and weight gradient tend to `gradientPenalty`'s as h -> 0 (O(h^2)
 * central, O(h) forward, plus float32 rounding ~1e-7 |f| / h). An APPROXIMATION of the
 * penalty; a regularizer, not a bound. Leak-free. Errors name `options.step` / `options.scheme`
 * and those of `gradientPenalty`.
 */
export function finiteDifferenceGradientPenalty(
  f: ModelFunction, x: tf.Tensor, options: FiniteDifferenceGradientPenaltyOptions = {},
): tf.Scalar {
  const v = validatePenaltyArgs(f, x, options);
  const h = checkNumber('options.step', options.step ?? 1e-2, { min: 0, exclusiveMin: true });
  const scheme = checkChoice('options.scheme', options.scheme ?? 'central', ['central', 'forward'] as const);
  return tf.tidy(() => {
    const p = stopGradient(v.points());
    const first = firstInputGradient(f, p);
    const outputs = first.outputs;
    const rank = p.rank;
    let total: tf.Scalar = tf.scalar(0);
    for (let j = 0; j < outputs; j++) {
      const g = stopGradient(j === 0 ? first.g : inputGradient(f, p, j, outputs));
      const norms = exampleNorms(g);
      const d = tf.div(g, tf.reshape(norms, [p.shape[0], ...new Array<number>(rank - 1).fill(1)]));
      const step = tf.mul(h, d);
      const plus = outputColumn(f, tf.add(p, step), j, outputs);
      const estimate = scheme === 'central'
        ? tf.div(tf.sub(plus, outputColumn(f, tf.sub(p, step), j, outputs)), 2 * h)
        : tf.div(tf.sub(plus, outputColumn(f, p, j, outputs)), h);
      total = tf.add(total, normPenalty(estimate, v));
    }
    return total;
  });
}
