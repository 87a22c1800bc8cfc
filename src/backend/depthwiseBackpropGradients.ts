import * as tf from '@tensorflow/tfjs-core';
import { replaceGradient, restoreGradient } from './registry.js';

type Attrs = tf.DepthwiseConv2dNativeBackpropInputAttrs;

/**
 * Gradients of the two backward kernels of a depthwise convolution, which TF.js 4.22 lacks, so
 * that a gradient penalty passes through `DepthwiseConv2D` and `SeparableConv2D` (stock TF.js
 * throws "Cannot compute gradient ... DepthwiseConv2dNativeBackpropInput"). With D(W) the
 * depthwise convolution with filter W (linear in x and in W):
 *
 *   BackpropInput(dy, W) = D(W)ᵀ dy:   d/d(dy) <ddx, D(W)ᵀ dy> = D(W) ddx,
 *                                      d/dW    <ddx, D(W)ᵀ dy> = BackpropFilter(x = ddx, dy);
 *   BackpropFilter(x, dy) = d/dW <D(W) x, dy>:  d/dx = BackpropInput(dy, ddW),  d/d(dy) = D(ddW) x.
 *
 * Exact (bilinear maps), differentiable again; any stride and padding. Tested as exact adjoints of
 * TF.js's kernels on cpu and wasm with dilation 1: TF.js's cpu BackpropInput kernel ignores dilations
 * (lipkit's dilated-conv gradients call it with the dilated filter and dilation 1 only).
 */
const backpropInputGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as Attrs;
    return {
      dy: () => tf.depthwiseConv2d(ddx as tf.Tensor4D, filter, strides, pad as 'same', 'NHWC', dilations, dimRoundingMode),
      filter: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter,
        { x: ddx, dy } as unknown as tf.NamedTensorMap,
        { strides, pad, dilations, dimRoundingMode, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
    };
  },
};

const backpropFilterGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as Attrs;
    return {
      x: () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput,
        { dy, filter: ddw } as unknown as tf.NamedTensorMap,
        { strides, pad, dilations, dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      dy: () => tf.depthwiseConv2d(x, ddw as tf.Tensor4D, strides, pad as 'same', 'NHWC', dilations, dimRoundingMode),
    };
  },
};

/** Registers both gradients (idempotent). */
export function installDepthwiseBackpropGradients(): void {
  replaceGradient(backpropInputGradient);
  replaceGradient(backpropFilterGradient);
}

/** Removes them (stock TF.js has none). */
export function uninstallDepthwiseBackpropGradients(): void {
  restoreGradient(tf.DepthwiseConv2dNativeBackpropInput);
  restoreGradient(tf.DepthwiseConv2dNativeBackpropFilter);
}
