import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkFunction, checkInputTensor, checkModelOutput, checkOptions } from './checks.js';
import type { ModelFunction } from './inputGradient.js';
import { checkSeed, seededUniform, uniformTensor } from './penaltyPoints.js';

/** Options of `localLinearityPenalty`. */
export interface LocalLinearityPenaltyOptions {
  /** Radius of the L-infinity ball around each x where the segment ends are drawn, default 0.1 (> 0). */
  epsilon?: number;
  /** Weight lambda >= 0, default 1. */
  lambda?: number;
  /** Segment ends [x1, x2] (each shaped like x), replacing the random draw (deterministic use, tests). */
  ends?: [tf.Tensor, tf.Tensor];
  /** Interpolation coefficients, one per example in [0, 1], replacing the random draw. */
  alpha?: number[];
  /** Seed of the random ends and coefficients (deterministic on every backend); default unseeded. */
  seed?: number;
}

/**
 * Local linearity penalty in the style of ELLE (Rocamora, Liu, Chrysos, Olmos & Cevher, ICLR
 * 2024, "Efficient local linearity regularization to overcome catastrophic overfitting"): the
 * interpolation error of f along a random segment near each example,
 *
 *   lambda * mean_b || f(a x1 + (1 - a) x2) - (a f(x1) + (1 - a) f(x2)) ||_2^2,
 *
 * with x1, x2 uniform in the L-infinity ball of radius epsilon around x_b and a ~ U[0, 1] per
 * example (or given `ends` / `alpha`). Zero for every affine f; first-order only (three forward
 * passes, no double backpropagation). A regularizer, not a bound. Leak-free. Errors name `f`,
 * `x`, `options.<field>`.
 */
export function localLinearityPenalty(f: ModelFunction, x: tf.Tensor, options: LocalLinearityPenaltyOptions = {}): tf.Scalar {
  checkFunction('f', f);
  checkInputTensor('x', x, { minRank: 2 });
  checkOptions('options', options);
  const epsilon = checkNumber('options.epsilon', options.epsilon ?? 0.1, { min: 0, exclusiveMin: true });
  const lambda = checkNumber('options.lambda', options.lambda ?? 1, { min: 0 });
  const seed = checkSeed('options.seed', options.seed);
  const batch = x.shape[0];
  if (options.ends !== undefined) {
    if (!Array.isArray(options.ends) || options.ends.length !== 2) throw new LipkitError('options.ends', 'must be a pair [x1, x2] of tensors');
    options.ends.forEach((e, i) => {
      checkInputTensor(`options.ends[${i}]`, e);
      if (!tf.util.arraysEqual(e.shape, x.shape)) throw new LipkitError(`options.ends[${i}]`, `must have the shape of x [${x.shape.join(', ')}], got [${e.shape.join(', ')}]`);
    });
  }
  if (options.alpha !== undefined) {
    if (!Array.isArray(options.alpha) || options.alpha.length !== batch) throw new LipkitError('options.alpha', `must be an array of ${batch} numbers (one per example)`);
    options.alpha.forEach((a, i) => checkNumber(`options.alpha[${i}]`, a, { min: 0, max: 1 }));
  }
  return tf.tidy(() => {
    const ball = (k: number): tf.Tensor => tf.add(x, tf.mul(epsilon, tf.sub(tf.mul(2, uniformTensor(x.shape, seed === undefined ? undefined : seed + k)), 1)));
    const [x1, x2] = options.ends ?? [ball(1), ball(2)];
    const a = options.alpha !== undefined ? tf.tensor1d(options.alpha)
      : seed === undefined ? tf.randomUniform([batch]) : tf.tensor1d(seededUniform(batch, seed));
    const ax = tf.reshape(a, [batch, ...new Array<number>(x.rank - 1).fill(1)]);
    const mid = tf.add(tf.mul(ax, x1), tf.mul(tf.sub(1, ax), x2));
    const flat = (t: tf.Tensor): tf.Tensor2D => {
      const y = f(t);
      const c = checkModelOutput('f', y, batch);
      return tf.reshape(y, [batch, c]);
    };
    const a2 = tf.reshape(a, [batch, 1]);
    const err = tf.sub(flat(mid), tf.add(tf.mul(a2, flat(x1)), tf.mul(tf.sub(1, a2), flat(x2))));
    return tf.mul(lambda, tf.mean(tf.sum(tf.square(err), 1))) as tf.Scalar;
  });
}
