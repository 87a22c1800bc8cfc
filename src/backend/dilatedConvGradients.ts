import * as tf from '@tensorflow/tfjs-core';
import { originalGradient, replaceGradient, restoreGradient } from './registry.js';

/**
 * A filter [kh, kw, a, b] with dilation (dh, dw) as the equivalent undilated filter
 * [(kh-1) dh + 1, (kw-1) dw + 1, a, b]: the taps at multiples of the dilation, zeros between.
 */
export function dilateFilter(filter: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, a, b] = filter.shape;
    const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, a, b]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
    return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, a, b]), [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
  });
}

/** The adjoint of `dilateFilter`: the taps at multiples of the dilation. */
function undilate(g: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [dh, dw, 1, 1]) as tf.Tensor4D;
}

function pairOf(v: unknown): [number, number] {
  if (v == null) return [1, 1];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a[1]];
}

/**
 * TF.js 4.22 has no gradient for dilated convolutions (Conv2D, used by conv1d and by lipkit's
 * dilated Conv2D layers, and DepthwiseConv2dNative, used by SeparableConv2D): its gradients
 * assert dilation 1. A dilated convolution equals the undilated one with the dilated filter
 * (zeros between the taps, same padding: TF.js pads by the effective filter size either way), so
 *
 *   d/dx  = stock d/dx of conv(x, dilate(W)),   d/dW = undilate(stock d/dW' of conv(x, W' = dilate(W))).
 *
 * Dilation 1 goes to the stock gradient unchanged. Exact (the same sums), differentiable again.
 */
function dilatedGrad(kernelName: string): tf.GradConfig | undefined {
  const stock = originalGradient(kernelName) ?? tf.getGradient(kernelName);
  if (!stock) return undefined;
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [dh, dw] = pairOf((attrs as { dilations?: unknown }).dilations);
      if (dh === 1 && dw === 1) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const wide = dilateFilter(filter, dh, dw);
      const g = stock.gradFunc(dy, [x, wide], { ...attrs, dilations: [1, 1] });
      return { x: g.x, filter: () => undilate(g.filter() as tf.Tensor4D, dh, dw) };
    },
  };
}

let installed = false;

/** Installs the dilation-capable gradients of Conv2D and DepthwiseConv2dNative (idempotent). */
export function installDilatedConvGradients(): void {
  if (installed) return;
  for (const k of [tf.Conv2D, tf.DepthwiseConv2dNative]) {
    const g = dilatedGrad(k);
    if (g) replaceGradient(g);
  }
  installed = true;
}

/** Restores TF.js's own Conv2D and DepthwiseConv2dNative gradients. */
export function uninstallDilatedConvGradients(): void {
  if (!installed) return;
  restoreGradient(tf.Conv2D);
  restoreGradient(tf.DepthwiseConv2dNative);
  installed = false;
}
