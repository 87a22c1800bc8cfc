import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { gradientPenalty } from '../regularize/gradientPenalty.js';
import { DUQOutput } from './DUQOutput.js';
import { lastLayerOf, layerInputFeatures } from './layerInputFeatures.js';

/** Clamp of K inside the logarithms of `duqLoss` (float32-safe). */
const EPS = 1e-6;

/**
 * DUQ's classification loss (van Amersfoort et al. 2020, eq. 4): the binary cross-entropy of
 * each class kernel K_c against the one-hot label, summed over classes and averaged over the
 * batch, -mean_i sum_c [y_ic log K_ic + (1 - y_ic) log(1 - K_ic)] (K clamped to [1e-6, 1 - 1e-6]).
 */
export function duqLoss(y: tf.Tensor, k: tf.Tensor): tf.Scalar {
  if (y.rank !== 2 || k.rank !== 2 || y.shape[0] !== k.shape[0] || y.shape[1] !== k.shape[1]) {
    throw new LipkitError('y', `must match the kernel values' shape [${k.shape.join(', ')}], got [${y.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const kc = tf.clipByValue(k, EPS, 1 - EPS);
    const ll = tf.add(tf.mul(y, tf.log(kc)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, kc))));
    return tf.neg(tf.mean(tf.sum(ll, 1))) as tf.Scalar;
  });
}

/** Options of `duqGradientPenalty`. */
export interface DUQPenaltyOptions {
  /** Weight lambda >= 0. Default 1 (the authors' two-moons example; 0.5 on CIFAR-10). */
  lambda?: number;
}

/**
 * DUQ's two-sided gradient penalty at the data, lambda mean_i (||grad_x sum_c K_c(x_i)||_2 - 1)^2,
 * as the authors' code computes it (the paper's eq. 7 writes the squared norm; both vanish on
 * the same set). lipkit's `gradientPenalty` (mode 'data', target 1) on f(x) = sum_c K_c(x), so
 * it is differentiable in the weights (double backpropagation); training mode forward.
 */
export function duqGradientPenalty(model: tfl.LayersModel, x: tf.Tensor, options: DUQPenaltyOptions = {}): tf.Scalar {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const lambda = checkNumber('options.lambda', options.lambda ?? 1, { min: 0 });
  const f = (t: tf.Tensor): tf.Tensor => tf.sum(model.apply(t, { training: true }) as tf.Tensor, 1, true);
  return gradientPenalty(f, x, { kappa: lambda, target: 1, mode: 'data' });
}

/** One centroid EMA step of the model's last `DUQOutput` head on inputs x and one-hot labels y (after an optimizer step). */
export function duqUpdateCentroids(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): void {
  const head = lastLayerOf(model, DUQOutput, 'DUQOutput');
  tf.tidy(() => head.updateCentroids(layerInputFeatures(model, head, x), y));
}

/**
 * A `model.fit` callback that runs `duqUpdateCentroids(model, x, y)` after every batch (fit's
 * callbacks do not see the batch, so give the training set, or a fixed subset of it; for
 * full-batch training this is exactly the authors' update). Compile the model with
 * `loss: 'binaryCrossentropy'` (the sigmoid-free BCE on K, as `duqLoss` up to the mean over
 * classes). The gradient penalty needs a custom loop (`duqGradientPenalty`).
 */
export class DUQCentroidCallback extends tfl.Callback {
  constructor(private readonly x: tf.Tensor, private readonly y: tf.Tensor) {
    super();
    if (!(x instanceof tf.Tensor)) throw new LipkitError('x', 'must be a tf.Tensor of training inputs');
    if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== x.shape[0]) throw new LipkitError('y', 'must be one-hot labels [batch, classes] matching x');
  }

  override async onBatchEnd(): Promise<void> {
    duqUpdateCentroids(this.model, this.x, this.y);
  }
}
