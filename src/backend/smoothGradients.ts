import * as tf from '@tensorflow/tfjs-core';
import { constantMask, unbroadcast } from './constantMask.js';

/**
 * Gradients for the TF.js 4.22 ops whose registered gradient reuses the op's saved
 * *output* (`outputsToSave`). A saved output is a clone the tape does not connect
 * to the input, so nested differentiation (`tf.grad` of `tf.grad`, or a gradient
 * penalty inside `tf.variableGrads`) throws "Cannot compute gradient" or silently
 * drops every term through it (tfjs issue 3252). These save the *input* and
 * recompute with differentiable ops:
 *
 *   tanh'(x) = 1 - tanh(x)^2,  sigmoid'(x) = s (1 - s),  exp'(x) = exp(x),
 *   elu'(x) = exp(min(x, 0)),  d a^b/da = b a^(b-1),  d a^b/db = a^b log(a) [a > 0],
 *   softmax: dz = y (g - sum(g y)),  logSoftmax: dz = g - sum(g) softmax(z).
 */

/**
 * A unary op's gradient `dy * f'(x)`. When no gradient tape is recording (the outermost
 * backward pass, `gradientDepth` 0: nothing will differentiate these ops again), `f'` is
 * taken from the saved output as TF.js does (no recomputation: cheaper); while a tape records
 * (a nested gradient), from the saved input with differentiable ops (exact to every order).
 */
function unary(kernelName: string, derivative: (x: tf.Tensor) => tf.Tensor, fromOutput: (y: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({
      x: () => tf.mul(dy as tf.Tensor, tapeRecording() ? derivative(saved[0]) : fromOutput(saved[1])),
    }),
  };
}

/** Whether ops run now are recorded for a later differentiation (TF.js's `isTapeOn`). */
function tapeRecording(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

const powGrad: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const g = dy as tf.Tensor;
    return {
      a: () => {
        const bf = tf.cast(b, 'float32');
        return unbroadcast(tf.mul(g, tf.mul(bf, tf.pow(a, tf.sub(bf, 1)))), a.shape);
      },
      b: () => {
        const m = constantMask((t) => tf.greater(t, 0), a);
        // log(m a + 1 - m) = log(a) where a > 0 and log(1) = 0 elsewhere: no NaN in any derivative.
        const logA = tf.mul(m, tf.log(tf.add(tf.mul(m, a), tf.sub(1, m))));
        return unbroadcast(tf.mul(g, tf.mul(tf.pow(a, b), logA)), b.shape);
      },
    };
  },
};

const softmaxGrad: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    return {
      logits: () => {
        const y = tf.softmax(saved[0], dim);
        const gy = tf.mul(dy as tf.Tensor, y);
        return tf.sub(gy, tf.mul(tf.sum(gy, dim, true), y));
      },
    };
  },
};

const logSoftmaxGrad: tf.GradConfig = {
  kernelName: tf.LogSoftmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const { axis } = attrs as unknown as tf.LogSoftmaxAttrs;
    const g = dy as tf.Tensor;
    return { logits: () => tf.sub(g, tf.mul(tf.sum(g, axis, true), tf.softmax(saved[0], axis))) };
  },
};

/** Exact-to-all-orders gradients of Tanh, Sigmoid, Exp, Elu, Pow, Softmax, LogSoftmax (formulas above). */
export const smoothGradients: readonly tf.GradConfig[] = [
  unary(tf.Tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))), (y) => tf.sub(1, tf.square(y))),
  unary(tf.Sigmoid, (x) => {
    const s = tf.sigmoid(x);
    return tf.mul(s, tf.sub(1, s));
  }, (y) => tf.mul(y, tf.sub(1, y))),
  unary(tf.Exp, (x) => tf.exp(x), (y) => y),
  // elu(x) = x for x > 0, exp(x) - 1 otherwise, so elu'(x) = 1 where y > 0 and y + 1 elsewhere.
  unary(tf.Elu, (x) => tf.exp(tf.minimum(x, 0)), (y) => tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1))),
  powGrad,
  softmaxGrad,
  logSoftmaxGrad,
];
