import * as tf from '@tensorflow/tfjs-core';
import { replaceGradient, restoreGradient } from './registry.js';

/**
 * The gradient of `MaxPoolGrad`, which TF.js 4.22 lacks, so that a gradient penalty (a loss
 * on d output / d input, differentiated again in the weights) passes through `MaxPooling2D`
 * (in Node and in the browser, stock TF.js throws "Cannot compute gradient ... MaxPoolGrad").
 *
 * `dx = MaxPoolGrad(dy, x, y)` routes each output gradient to its window's argmax:
 * `dx = S^T dy` with S the 0/1 selection matrix of the argmax positions. For fixed x it is
 * linear in dy, and S is piecewise constant in x, so (almost everywhere)
 *
 *   d/d(dy) <ddx, S^T dy> = S ddx = ddx gathered at the argmax positions,   d/dx = d/dy = 0,
 *
 * computed with `tf.maxPoolWithArgmax` (cpu and wasm kernels; flat indexes including the
 * batch) and `tf.gather`, both differentiable, so third-order gradients work too. At exact ties
 * (equal values in a window) the kernels pick the first maximum in window order, as TF.js's
 * MaxPoolGrad on cpu does; the function is not differentiable there anyway. Explicit padding
 * arrays are not supported (tfjs-layers' MaxPooling2D uses 'valid' or 'same').
 */
const maxPoolGradGradient: tf.GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, saved, attrs) => {
    const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolGradAttrs;
    return {
      dy: () => {
        if (typeof pad === 'object') throw new Error('lipkit: the gradient of MaxPoolGrad supports padding \'valid\', \'same\' or a number');
        const { indexes } = tf.maxPoolWithArgmax(x, filterSize, strides, pad, true);
        const out = tf.reshape(tf.gather(tf.reshape(ddx as tf.Tensor, [-1]), tf.reshape(indexes, [-1])), indexes.shape);
        indexes.dispose();
        return out;
      },
      input: () => tf.zerosLike(x),
      output: () => tf.zerosLike(y),
    };
  },
};

/** Registers the MaxPoolGrad gradient (idempotent). */
export function installMaxPoolGradGradient(): void {
  replaceGradient(maxPoolGradGradient);
}

/** Removes it (stock TF.js has none). */
export function uninstallMaxPoolGradGradient(): void {
  restoreGradient(tf.MaxPoolGrad);
}
