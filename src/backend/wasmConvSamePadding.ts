import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';

/**
 * Fix for 'same' padding in tfjs-wasm 4.22's convolutions. Its Conv2D, FusedConv2D,
 * DepthwiseConv2dNative and FusedDepthwiseConv2D kernels hand 'same' to XNNPACK as the flag
 * XNN_FLAG_TENSORFLOW_SAME_PADDING instead of pads. On an axis where TensorFlow's total
 * padding
 *
 *   P = max(0, (out - 1) * s + (k - 1) * d + 1 - n),   out = ceil(n / s)
 *
 * is clamped (the unclamped value is negative: stride larger than the kernel, e.g. 3x3
 * stride 4 on 32 wide, 2x2 stride 3 on 9 wide), the XNNPACK result is wrong (mostly zeros);
 * k = 1 and the pooling kernels are right. The replacement kernels rewrite 'same' as the
 * explicit pads [[0, 0], [top, bottom], [left, right], [0, 0]] that tfjs itself computes
 * (`backend_util.computeConv2DInfo`: top = floor(P / 2), bottom = P - top), which give the
 * same output shape and the same sums, and run the stock kernel. Exact: the identical
 * convolution, only the padding is spelled out.
 */

const KERNELS = [tf.Conv2D, tf.FusedConv2D, tf.DepthwiseConv2dNative, tf.FusedDepthwiseConv2D];

const DEPTHWISE = new Set<string>([tf.DepthwiseConv2dNative, tf.FusedDepthwiseConv2D]);

/** The explicit NHWC pads equal to 'same' for this convolution, as tfjs computes them. */
export function explicitSamePads(kernelName: string, xShape: number[], filterShape: number[],
  attrs: tf.NamedAttrMap): tf.backend_util.ExplicitPadding {
  const { strides, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations ?? [1, 1], 'same', dimRoundingMode, DEPTHWISE.has(kernelName));
  const { top, bottom, left, right } = info.padInfo;
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function wrap(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const attrs = args.attrs ?? {};
    if (attrs.pad !== 'same') return original.kernelFunc(args);
    const x = args.inputs.x as tf.TensorInfo;
    const filter = args.inputs.filter as tf.TensorInfo;
    if (x.shape.length !== 4 || filter.shape.length !== 4) return original.kernelFunc(args);
    const pad = explicitSamePads(original.kernelName, x.shape, filter.shape, attrs);
    return original.kernelFunc({ ...args, attrs: { ...attrs, pad } });
  };
  return { ...original, kernelFunc };
}

/** Replaces the wasm convolution kernels by versions that pass 'same' as explicit pads (idempotent). */
export function installWasmConvSamePadding(): void {
  for (const name of KERNELS) {
    if (tf.getKernel(name, 'wasm') === undefined) continue;
    replaceKernel(name, 'wasm', (original) => wrap(original as tf.KernelConfig));
  }
}

/** Restores tfjs-wasm's own convolution kernels. */
export function uninstallWasmConvSamePadding(): void {
  for (const name of KERNELS) restoreKernel(name, 'wasm');
}
