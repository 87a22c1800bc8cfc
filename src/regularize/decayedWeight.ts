import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** A weight schedule: the weight at step `t`, or at an optimizer's current step. */
export type WeightSchedule = (step: number | tf.Optimizer) => number;

/**
 * The step an optimizer is at: the number of `applyGradients` / `minimize` calls so far
 * (`optimizer.iterations`, which every tfjs optimizer increments; 0 before the first step).
 */
export function optimizerStep(optimizer: tf.Optimizer): number {
  if (!(optimizer instanceof tf.Optimizer)) throw new LipkitError('optimizer', 'must be a tf.Optimizer');
  return optimizer.iterations;
}

/**
 * The decaying weight `w(t) = lambda * exp(-epsilon * t)` of the spectral-bias form of
 * "Data Continuity Matters" (Qu et al., ICLR 2023):
 *
 *   L = L_MSE(y, y_hat) - lambda e^{-epsilon t} L_Lip(y_hat)
 *
 * where `t` is the training step: subtracting the Lipschitz regularizer of the predicted
 * sequence early in training pushes the network to fit high frequencies first; the push fades
 * as `t` grows. The paper picks lambda in {1..5}, epsilon in {1e-5..0.1}.
 * Returns a function of the step `t >= 0` (a number, or a tf.Optimizer whose `iterations`
 * is read with `optimizerStep`). A schedule, not a Lipschitz quantity.
 * Throws a LipkitError naming `lambda` (must be finite, >= 0: the sign is in the loss) or
 * `epsilon` (finite, >= 0); the returned function names `step` for a bad step.
 */
export function decayedWeight(lambda: number, epsilon: number): WeightSchedule {
  const l = checkNumber('lambda', lambda, { min: 0 });
  const e = checkNumber('epsilon', epsilon, { min: 0 });
  return (step) => {
    const t = step instanceof tf.Optimizer ? optimizerStep(step) : checkNumber('step', step, { min: 0 });
    return l * Math.exp(-e * t);
  };
}
