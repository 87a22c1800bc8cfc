import * as tf from '@tensorflow/tfjs-core';
import { constantMask, unbroadcast } from './constantMask.js';

/**
 * Gradients of the piecewise ops whose TF.js 4.22 gradient builds its 0/1 mask
 * with comparison ops on the tape (Greater, Equal, LessEqual, LogicalAnd have no
 * gradient, so differentiating the gradient again throws). Same formulas as
 * TF.js, with the mask from `constantMask` (zero derivative, as it should be):
 *
 *   leakyRelu'(x) = 1 [x > 0] + alpha [x <= 0]          prelu: same, d/dalpha = x [x <= 0]
 *   relu6'(x) = [0 < x <= 6]    selu'(x) = scale [x > 0] + scale alpha exp(min(x, 0)) [x <= 0]
 *   clip'(x) = [lo <= x <= hi]  max/min reductions: [x == y]
 *   maximum: (da, db) = ([a >= b], [a < b])   minimum: ([a <= b], [a > b])  (broadcast-reduced)
 */

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALEALPHA = 1.7580993408473768599402175208123;

const blend = (m: tf.Tensor, a: tf.Tensor | number, b: tf.Tensor | number): tf.Tensor =>
  tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b));

const leakyReluGrad: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
    return { x: () => tf.mul(dy as tf.Tensor, blend(constantMask((t) => tf.greater(t, 0), x), 1, alpha)) };
  },
};

const preluGrad: tf.GradConfig = {
  kernelName: tf.Prelu,
  inputsToSave: ['x', 'alpha'],
  gradFunc: (dy, [x, alpha]) => {
    const g = dy as tf.Tensor;
    const m = constantMask((t) => tf.greater(t, 0), x);
    return {
      x: () => tf.mul(g, blend(m, 1, alpha)),
      alpha: () => unbroadcast(tf.mul(tf.mul(g, tf.sub(1, m)), x), alpha.shape),
    };
  },
};

const relu6Grad: tf.GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({
    x: () => tf.mul(dy as tf.Tensor, constantMask((t) => tf.logicalAnd(tf.greater(t, 0), tf.lessEqual(t, 6)), x)),
  }),
};

const seluGrad: tf.GradConfig = {
  kernelName: tf.Selu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({
    x: () => {
      const m = constantMask((t) => tf.greater(t, 0), x);
      const neg = tf.mul(SELU_SCALEALPHA, tf.exp(tf.minimum(tf.cast(x, 'float32'), 0)));
      return tf.mul(dy as tf.Tensor, blend(m, SELU_SCALE, neg));
    },
  }),
};

const clipGrad: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
    const inside = (t: tf.Tensor): tf.Tensor =>
      tf.logicalAnd(tf.greaterEqual(t, clipValueMin), tf.lessEqual(t, clipValueMax));
    return { x: () => tf.mul(dy as tf.Tensor, constantMask(inside, x)) };
  },
};

function reductionGrad(kernelName: string, axisOf: (attrs: tf.NamedAttrMap) => number | number[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const axes = tf.util.parseAxisParam(axisOf(attrs), x.shape);
      const keep = tf.backend_util.expandShapeToKeepDim(y.shape, axes);
      const y2 = y.rank < x.rank ? tf.reshape(y, keep) : y;
      const g = dy as tf.Tensor;
      const dy2 = g.rank < x.rank ? tf.reshape(g, tf.backend_util.expandShapeToKeepDim(g.shape, axes)) : g;
      // The saved output y is used only inside the mask, whose derivative is zero.
      return { x: () => tf.mul(dy2, constantMask((a, b) => tf.equal(a, b), x, y2)) };
    },
  };
}

function binaryGrad(kernelName: string, pickA: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const g = dy as tf.Tensor;
      const m = constantMask(pickA, a, b);
      return {
        a: () => unbroadcast(tf.mul(g, m), a.shape),
        b: () => unbroadcast(tf.mul(g, tf.sub(1, m)), b.shape),
      };
    },
  };
}

/** Second-differentiable gradients of LeakyRelu, Prelu, Relu6, Selu, ClipByValue, Max, Min, Maximum, Minimum. */
export const maskedGradients: readonly tf.GradConfig[] = [
  leakyReluGrad, preluGrad, relu6Grad, seluGrad, clipGrad,
  reductionGrad(tf.Max, (attrs) => (attrs as unknown as tf.MaxAttrs).reductionIndices),
  reductionGrad(tf.Min, (attrs) => (attrs as unknown as tf.MinAttrs).axis),
  binaryGrad(tf.Maximum, (a, b) => tf.greaterEqual(a, b)),
  binaryGrad(tf.Minimum, (a, b) => tf.lessEqual(a, b)),
];
