import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convKernelOperator } from '../estimate/conv/convKernelOperator.js';
import { layerConfig } from '../estimate/network/layerRules.js';
import { denseKernelOperator, reshapedKernelOperator, type KernelOperator } from './kernelOperator.js';

export type { KernelOperator, KernelOperatorMethod } from './kernelOperator.js';

/**
 * The linear map whose spectral norm normalizes a Dense/Conv1D/Conv2D layer's kernel, for the
 * layer's input shape (batch first, as `build` receives it):
 * - Dense: `x -> x W`;
 * - Conv1D/Conv2D, channelsLast, dilation 1, with a fully known input shape: the convolution
 *   operator on that shape (`convKernelOperator`; padding 'same' or 'valid');
 * - otherwise (unknown spatial size, dilation > 1, channelsFirst): the kernel reshaped to
 *   [k * cin, cout], as PyTorch's spectral_norm (not a bound of the convolution).
 */
export function kernelOperatorFor(layer: tfl.layers.Layer, inputShape: tfl.Shape): (kernel: tf.Tensor) => KernelOperator {
  const cls = layer.getClassName();
  if (cls === 'Dense') return denseKernelOperator;
  const cfg = layerConfig(layer);
  const dims = cls === 'Conv1D' ? 1 : 2;
  const spatial = inputShape.slice(1);
  const dilation = asArray(cfg.dilationRate, dims);
  const known = spatial.length === dims + 1 && spatial.every((d) => d !== null);
  if (!known || dilation.some((d) => d !== 1) || (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast')) {
    return reshapedKernelOperator;
  }
  const shape = spatial as number[];
  const strides = asArray(cfg.strides, dims);
  const padding = String(cfg.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') return reshapedKernelOperator;
  return (kernel) => {
    const conv = convKernelOperator(kernel, shape, { strides, padding });
    return { op: conv, vShape: [conv.inDim], uShape: [conv.outDim], method: 'conv operator' };
  };
}

function asArray(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.map(Number);
  return new Array<number>(n).fill(Number(v ?? 1));
}
