import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkConvKernel, convAxis, type ConvAxis } from './convGeometry.js';
import type { TensorOperator } from '../powerStep.js';

/** Geometry options of `convKernelOperator` (tfjs-layers semantics). */
export interface ConvKernelOperatorOptions {
  /** Stride: one integer for every spatial axis or one per axis. Default 1. */
  strides?: number | number[];
  /** `'same'` or `'valid'` (default `'valid'`), split exactly as tfjs's `computeConv2DInfo`. */
  padding?: 'same' | 'valid';
}

/** A convolution operator on flat vectors, with its shapes. */
export interface ConvKernelOperator extends TensorOperator {
  /** Input shape without batch ([length, cin] or [height, width, cin]). */
  inShape: number[];
  /** Output shape without batch ([outLength, cout] or [outH, outW, cout]). */
  outShape: number[];
  /** Flat sizes of the input-side vector `v` and the output-side vector `u`. */
  inDim: number;
  outDim: number;
}

type Pads = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The convolution of a (possibly trainable) kernel on ONE input of shape `inputShape`, as a
 * `TensorOperator` for `powerStep` / `sigmaOf`: `apply(v)` = conv(v) and `adjoint(u)` = the
 * transposed convolution (`tf.conv2dTranspose`, Conv2DBackpropInput), both on flat vectors
 * (`v` has `inDim` entries, `u` has `outDim`) and both differentiable in `kernel`.
 *
 * The kernel is `[k, cin, cout]` (conv1d, run as the conv2d `[1, k, cin, cout]` on
 * `[1, length, cin]`) or `[kh, kw, cin, cout]` (conv2d). Padding uses tfjs's split
 * (`convAxis`: for `'same'` the extra row/column goes after) passed as EXPLICIT pads, because
 * tfjs-backend-wasm's `'same'` gives wrong values when the stride exceeds the kernel.
 *
 * The spectral norm of this operator is the true Lipschitz constant (l2) of the convolution
 * layer on that input size (Sedghi et al. 2019 for the periodic case; here zero padding),
 * not the norm of the reshaped kernel matrix `[k * cin, cout]`, which can be smaller by up to
 * a factor sqrt(taps / stride product). `u^T A v` for power-iteration vectors is an ESTIMATE
 * from below of that norm. Throws a LipkitError naming `kernel`, `inputShape`,
 * `options.strides` or `options.padding` for bad input. Does not read the kernel's values.
 */
export function convKernelOperator(kernel: tf.Tensor, inputShape: number[], options: ConvKernelOperatorOptions = {}): ConvKernelOperator {
  const { rank, cin, cout } = checkConvKernel(kernel, inputShape);
  const padding = options.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid') {
    throw new LipkitError('options.padding', `must be 'same' or 'valid', got ${JSON.stringify(padding)}`);
  }
  const s = options.strides ?? 1;
  const sArr = typeof s === 'number' ? new Array<number>(rank).fill(s) : s;
  if (!Array.isArray(sArr) || sArr.length !== rank) {
    throw new LipkitError('options.strides', `must be a positive integer or an array of ${rank}, got ${JSON.stringify(s)}`);
  }
  sArr.forEach((v, i) => checkNumber(typeof s === 'number' ? 'options.strides' : `options.strides[${i}]`, v, { min: 1, integer: true, max: 1e6 }));

  const kshape = kernel.shape as number[];
  const kh = rank === 1 ? 1 : kshape[0];
  const kw = rank === 1 ? kshape[0] : kshape[1];
  const h = rank === 1 ? 1 : inputShape[0];
  const w = rank === 1 ? inputShape[0] : inputShape[1];
  const strides: [number, number] = rank === 1 ? [1, sArr[0]] : [sArr[0], sArr[1]];
  const ah: ConvAxis = convAxis(h, kh, strides[0], padding);
  const aw: ConvAxis = convAxis(w, kw, strides[1], padding);
  if (ah.out < 1 || aw.out < 1) {
    throw new LipkitError('inputShape', `[${inputShape.join(', ')}] is smaller than the kernel with padding 'valid'`);
  }
  const pads: Pads = [[0, 0], [ah.before, ah.after], [aw.before, aw.after], [0, 0]];
  const kernel4 = (): tf.Tensor4D => (rank === 1 ? tf.reshape(kernel, [1, kw, cin, cout]) : kernel) as tf.Tensor4D;
  const inDim = h * w * cin;
  const outDim = ah.out * aw.out * cout;
  return {
    inShape: inputShape.slice(),
    outShape: rank === 1 ? [aw.out, cout] : [ah.out, aw.out, cout],
    inDim,
    outDim,
    apply: (v) => tf.tidy(() => {
      const x = tf.reshape(v, [1, h, w, cin]) as tf.Tensor4D;
      return tf.reshape(tf.conv2d(x, kernel4(), strides, pads), [outDim]);
    }),
    adjoint: (u) => tf.tidy(() => {
      const y = tf.reshape(u, [1, ah.out, aw.out, cout]) as tf.Tensor4D;
      return tf.reshape(tf.conv2dTranspose(y, kernel4(), [1, h, w, cin], strides, pads), [inDim]);
    }),
  };
}
