import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkChoice, checkInputTensor, checkOptions } from './checks.js';

/** Axis along which `lipReg` takes differences. */
export type LipRegAxis = 'time' | 'features';
/** Optional normalization of `lipReg`: none, the authors' min-max variant, or lipkit's scale-free ratio. */
export type LipRegNormalize = false | 'minmax' | 'variance';

/** Options of `lipReg`. */
export interface LipRegOptions {
  /**
   * `'time'` (default): differences along axis 1, the paper's definition. `'features'`:
   * differences along the last axis, what the authors' released Informer code computes (its
   * transpose is commented out). Needs a rank-3 input.
   */
  axis?: LipRegAxis;
  /**
   * `false` (default): the raw tensor. `'minmax'`: the authors' snippet, which first maps the
   * WHOLE tensor (all batches, steps and features together) to `(x - min(x)) / max(x)`:
   * it divides by `max(x)`, not by `max(x) - min(x)`, so the result lies in [0, 1] only when
   * min(x) = 0. Reproduced as released; gradients flow through min and max. The result is
   * non-finite when max(x) = 0 (not checked, to avoid a read-back per training step).
   * `'variance'` (lipkit's recommendation, scale-free): the mean squared difference divided by
   * the pooled variance along the same axis (see `lipReg`).
   */
  normalize?: LipRegNormalize;
  /** Skip the input checks (rank, NaN/Inf read-back); used by the layer and the regularizer. Default false. */
  skipChecks?: boolean;
}

export const LIPREG_AXES: readonly LipRegAxis[] = ['time', 'features'];
export const LIPREG_NORMALIZE: readonly LipRegNormalize[] = [false, 'minmax', 'variance'];

/** Validates lipReg options; `prefix` names the options object in errors. */
export function checkLipRegOptions(options: unknown, prefix = 'options'): { axis: LipRegAxis; normalize: LipRegNormalize } {
  checkOptions(prefix, options);
  const o = (options ?? {}) as LipRegOptions;
  const axis = checkChoice(`${prefix}.axis`, o.axis ?? 'time', LIPREG_AXES);
  const normalize = checkChoice(`${prefix}.normalize`, o.normalize ?? false, LIPREG_NORMALIZE);
  return { axis, normalize };
}

/**
 * min(x) or max(x) over every entry, with tfjs's gradient (dy at every entry equal to the
 * extreme, ties included) computed against the scalar: tfjs's own gradient compares x with a
 * [1, ..., 1] tensor, a broadcast Equal that cost ~6 ms per call on wasm at [4, 200, 64].
 */
function globalExtreme(x: tf.Tensor, which: 'min' | 'max'): tf.Scalar {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const value = which === 'max' ? tf.max(a) : tf.min(a);
    save([a, value]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.mul(dy, tf.cast(tf.equal(saved[0], saved[1]), 'float32'));
    return { value, gradFunc };
  });
  return f(x) as tf.Scalar;
}

/**
 * The Lipschitz Regularizer of "Data Continuity Matters: Improving Sequence Modeling with
 * Lipschitz Regularizer" (Qu, Luo, Li; ICLR 2023):
 *
 *   L_Lip(x) = mean over batch b, features c and the n-1 steps k of (x[b, k+1, c] - x[b, k, c])^2
 *
 * for `x` of shape `[batch, time, features]` (or `[batch, time]`, one feature). It is the
 * mean-square discrete derivative of the sequence, a smooth surrogate of the sequence's own
 * Lipschitz constant max_k |x_{k+1} - x_k| (max -> mean, L1 -> L2). Differentiable.
 *
 * Sign (the paper): for state space models (S4) ADD it, `loss + lambda * lipReg(emb)`, to make
 * the embedded sequence smoother (more continuous); for Transformers (Informer, Autoformer)
 * SUBTRACT it, `loss - lambda * lipReg(emb)`, to make it less continuous. Against spectral
 * bias, subtract it on the network output with a decaying weight (`decayedWeight`).
 *
 * Normalizations. Raw L_Lip scales with the square of the tensor: a model can lower or raise it
 * by shrinking or inflating the embedding (a LayerNorm downstream undoes that), which measures
 * scale, not continuity. `normalize: 'minmax'` is the authors' released form (see the option).
 * `normalize: 'variance'` is the scale-free form lipkit recommends and its studies report:
 *
 *   L_Lip / V,   V = mean over the sequences s (batch x features) of (1/n) sum_k (x_{s,k} - mean_k x_{s,k})^2,
 *
 * the pooled within-sequence variance along the same axis: von Neumann's ratio of the mean
 * square successive difference to the variance (von Neumann 1941; Durbin-Watson's statistic is
 * the same idea). It is invariant to x -> a x + b for any a != 0 and any shift b (even a
 * different shift per sequence and feature), so only the ORDER of the values (continuity) moves
 * it: about 2 for white noise, about (2 pi / P)^2 for a sine of period P steps, 0 for a constant
 * step pattern's limit, at most 4 (alternating signs). Unlike min-max it does not depend on one
 * extreme entry of the whole batch. V is clamped below at 1e-20 (a constant tensor gives 0).
 *
 * A regularization value, not a Lipschitz estimate or bound of any network.
 * Throws a LipkitError naming `x` for a non-tensor, rank other than 2-3, NaN/Inf, or fewer than
 * 2 entries along the difference axis, and naming `options.axis` / `options.normalize`.
 */
export function lipReg(x: tf.Tensor, options: LipRegOptions = {}): tf.Scalar {
  const { axis, normalize } = checkLipRegOptions(options);
  if (!options.skipChecks) checkInputTensor('x', x, { minRank: 2, maxRank: 3 });
  if (axis === 'features' && x.rank !== 3) {
    throw new LipkitError('options.axis', `'features' needs a [batch, time, features] tensor, got shape [${x.shape.join(', ')}]`);
  }
  const dim = axis === 'time' ? 1 : x.rank - 1;
  const n = x.shape[dim];
  if (n < 2) {
    throw new LipkitError('x', `needs at least 2 entries along the ${axis} axis (axis ${dim}) to take differences, got shape [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let t = x;
    if (normalize === 'minmax') t = tf.div(tf.sub(x, globalExtreme(x, 'min')), globalExtreme(x, 'max'));
    // Fresh arrays per slice: tfjs keeps the begin/size arrays as attributes for the gradient.
    const size = new Array<number>(x.rank).fill(-1);
    size[dim] = n - 1;
    const head = tf.slice(t, new Array<number>(x.rank).fill(0), size.slice());
    const begin = new Array<number>(x.rank).fill(0);
    begin[dim] = 1;
    const tail = tf.slice(t, begin, size.slice());
    const msd = tf.mean(tf.square(tf.sub(tail, head)));
    if (normalize !== 'variance') return msd as tf.Scalar;
    const variance = tf.mean(tf.square(tf.sub(t, tf.mean(t, dim, true))));
    return tf.div(msd, tf.maximum(variance, 1e-20)) as tf.Scalar;
  });
}
