import * as tf from '@tensorflow/tfjs-core';

/**
 * `cast(predicate(...inputs), 'float32')` computed off the gradient tape: a 0/1
 * mask whose gradient is zero. TF.js gradients that build masks with comparison
 * ops (greater, equal, ...) record those ops on the tape; a second
 * differentiation then fails ("gradient function not found for Greater").
 * Computing the mask inside a `tf.customGrad` forward pass (which is not
 * recorded) with a zero gradient gives the exact derivative (a step function has
 * derivative 0 wherever it is differentiable).
 */
export function constantMask(predicate: (...inputs: tf.Tensor[]) => tf.Tensor, ...inputs: tf.Tensor[]): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const ts = args.slice(0, inputs.length) as tf.Tensor[];
    return {
      value: tf.cast(predicate(...ts), 'float32'),
      gradFunc: () => ts.map((t) => tf.zerosLike(t)),
    };
  });
  return op(...inputs);
}

/** Sums `g` over the axes that were broadcast from `shape` to `g.shape`, and reshapes it to `shape`. */
export function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}
