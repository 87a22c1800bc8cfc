import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkFunction, checkInputTensor, checkOptions } from './checks.js';
import { exampleNorms, firstInputGradient, inputGradient, type ModelFunction } from './inputGradient.js';
import { penaltyPoints, type PenaltyPointOptions } from './penaltyPoints.js';

/** Options of `gradientPenalty` (and `finiteDifferenceGradientPenalty`). */
export interface GradientPenaltyOptions extends PenaltyPointOptions {
  /** Weight kappa >= 0, default 1 (WGAN-GP uses 10). */
  kappa?: number;
  /** Target gradient norm D >= 0, default 1. */
  target?: number;
  /** `true`: penalize only norms above the target, max(0, ||g|| - D)^2. Default false (two-sided). */
  oneSided?: boolean;
}

export interface ValidatedPenalty { kappa: number; target: number; oneSided: boolean; points: () => tf.Tensor }

/** Validates f, x and the shared options; errors name `f`, `x`, `options.<field>`. */
export function validatePenaltyArgs(f: unknown, x: unknown, options: unknown): ValidatedPenalty {
  checkFunction('f', f);
  const xt = checkInputTensor('x', x, { minRank: 2 });
  checkOptions('options', options);
  const o = (options ?? {}) as GradientPenaltyOptions;
  const kappa = checkNumber('options.kappa', o.kappa ?? 1, { min: 0 });
  const target = checkNumber('options.target', o.target ?? 1, { min: 0 });
  if (o.oneSided !== undefined && typeof o.oneSided !== 'boolean') throw new LipkitError('options.oneSided', 'must be a boolean');
  return { kappa, target, oneSided: o.oneSided ?? false, points: penaltyPoints(xt, o) };
}

/** kappa * mean_b deviation(norm_b)^2 with deviation = norm - D (two-sided) or max(0, norm - D). */
export function normPenalty(norms: tf.Tensor, v: ValidatedPenalty): tf.Scalar {
  const dev = tf.sub(norms, v.target);
  return tf.mul(v.kappa, tf.mean(tf.square(v.oneSided ? tf.relu(dev) : dev))) as tf.Scalar;
}

/**
 * Gradient penalty (Gulrajani et al. 2017, WGAN-GP; Rosca et al. 2020, "A case for new neural
 * network smoothness constraints", eq. 2):
 *
 *   kappa * E_{x ~ B} [ (||grad_x f(x)||_2 - D)^2 ]      one-sided: kappa * E[ max(0, ||grad_x f(x)||_2 - D)^2 ]
 *
 * with the points B at the data (`mode: 'data'`), at interpolates alpha x + (1 - alpha) xOther
 * with alpha ~ U[0, 1] per example (`'interpolate'`), or at x + sigma * N(0, I)
 * (`'perturb'`); E is the mean over the batch. For f with several outputs per example the
 * penalty is summed over the outputs (each output's input gradient penalized separately; one
 * backward pass per output). `f` maps a batch to a batch (e.g. `(x) => model.apply(x)`) and must
 * treat examples independently. Differentiable in f's weights by double backpropagation, exact
 * through every activation with lipkit's backend fixes installed (import lipkit or call
 * `setBackend`). A regularizer, not a bound; the gradient norm at a point is a LOWER bound of
 * the Lipschitz constant. Leak-free: only the returned scalar survives.
 */
export function gradientPenalty(f: ModelFunction, x: tf.Tensor, options: GradientPenaltyOptions = {}): tf.Scalar {
  const v = validatePenaltyArgs(f, x, options);
  return tf.tidy(() => penaltyAt(f, v.points(), v, false).penalty);
}

/**
 * `gradientPenalty` at the data (`mode: 'data'`) together with the model's output `f(x)`
 * from the same forward pass, for losses of the form `loss(f(x), y) + penalty`: one forward
 * pass instead of two, as PyTorch's `autograd.grad(..., create_graph=True)` on the loss's own
 * output. Both results are differentiable in f's weights; the caller disposes both.
 */
export function gradientPenaltyWithOutput(
  f: ModelFunction, x: tf.Tensor, options: Omit<GradientPenaltyOptions, 'mode'> = {},
): { penalty: tf.Scalar; output: tf.Tensor } {
  if ((options as GradientPenaltyOptions).mode !== undefined && (options as GradientPenaltyOptions).mode !== 'data') {
    throw new LipkitError('options.mode', "gradientPenaltyWithOutput evaluates at the data only (mode 'data')");
  }
  const v = validatePenaltyArgs(f, x, { ...options, mode: 'data' });
  let output: tf.Tensor | null = null;
  const penalty = tf.tidy(() => {
    const r = penaltyAt(f, v.points(), v, true);
    output = r.output;
    return r.penalty;
  });
  return { penalty, output: output as unknown as tf.Tensor };
}

function penaltyAt(f: ModelFunction, p: tf.Tensor, v: ValidatedPenalty, keepOutput: boolean): { penalty: tf.Scalar; output: tf.Tensor | null } {
  const { g, outputs, y } = firstInputGradient(f, p, keepOutput);
  let total = normPenalty(exampleNorms(g), v);
  for (let j = 1; j < outputs; j++) {
    total = tf.add(total, normPenalty(exampleNorms(inputGradient(f, p, j, outputs)), v));
  }
  return { penalty: total, output: y };
}
