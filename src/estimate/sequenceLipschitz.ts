import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkFiniteTensor, checkRank } from '../util/validate.js';
import { readValues } from '../util/readValues.js';

/**
 * Lipschitz constant in time of sampled sequences: for each batch item b,
 * `L_f(b) = max_k ||x[b, k+1, :] - x[b, k, :]||_2` (the largest step between consecutive
 * time samples, the L_f term of the LipReg regularizer for time series), and the max over b.
 *
 * An exact value for the given samples (an estimate of the underlying continuous signal's
 * constant per unit time step), computed in float32 on the active backend.
 * `x` has shape [batch, time, features] with batch >= 1, time >= 2, features >= 1 and finite
 * values; otherwise a LipkitError naming `x`.
 */
export function sequenceLipschitz(x: tf.Tensor3D): { perSequence: Float32Array; max: number } {
  if (!(x instanceof tf.Tensor)) throw new LipkitError('x', 'must be a 3-D tensor [batch, time, features]');
  checkRank('x', x, 3);
  const [batch, time, features] = x.shape;
  if (batch < 1 || features < 1) throw new LipkitError('x', `must not be empty, got shape [${x.shape.join(', ')}]`);
  if (time < 2) throw new LipkitError('x', `needs at least 2 time steps, got shape [${x.shape.join(', ')}]`);
  checkFiniteTensor('x', x);
  const perSequence = readValues(() => {
    const xf = tf.cast(x, 'float32');
    const later = tf.slice(xf, [0, 1, 0], [batch, time - 1, features]);
    const earlier = tf.slice(xf, [0, 0, 0], [batch, time - 1, features]);
    const steps = tf.sqrt(tf.sum(tf.square(tf.sub(later, earlier)), 2));
    return tf.max(steps, 1);
  });
  let max = 0;
  for (const v of perSequence) max = Math.max(max, v);
  return { perSequence, max };
}
