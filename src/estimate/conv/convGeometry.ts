import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkFiniteValues, checkNumber } from '../../util/validate.js';

/**
 * Padding of a convolution: `'same'` and `'valid'` as tfjs-layers (and TensorFlow) define
 * them; `'circular'` uses the `'same'` geometry (output size ceil(n / stride), the same
 * before/after split) but fills the padding by wrapping the input around (periodic
 * boundary), which for odd kernels and stride 1 is PyTorch's `padding_mode='circular'`
 * with `padding = (k - 1) / 2`.
 */
export type ConvPadding = 'same' | 'valid' | 'circular';

/** The geometry of one spatial axis: sizes and the padding split, tfjs semantics. */
export interface ConvAxis {
  /** Input size. */
  n: number;
  /** Effective (dilated) kernel size: (k - 1) * dilation + 1. */
  k: number;
  /** Stride. */
  s: number;
  /** Output size. */
  out: number;
  /** Padding before (top / left) and after (bottom / right). */
  before: number;
  after: number;
}

/**
 * A convolution normalized to 2-D: conv1d `[k, cin, cout]` on `[length, cin]` is the 2-D
 * convolution with kernel `[1, k, cin, cout]` on `[1, length, cin]` (as `tf.conv1d` does
 * internally). The kernel is dilated (zeros inserted between taps), so that strides and
 * dilation need no special treatment downstream.
 */
export interface ConvGeometry {
  rank: 1 | 2;
  cin: number;
  cout: number;
  padding: ConvPadding;
  /** Height axis (a dummy size-1 axis for conv1d) and width axis. */
  axes: [ConvAxis, ConvAxis];
  /** Dilated kernel, float64, layout `[kh, kw, cin, cout]` row-major (kh, kw effective sizes). */
  kernel: Float64Array;
  /** The original (undilated) kernel, float64, tfjs layout. */
  rawKernel: Float64Array;
  rawShape: number[];
  /** Strides and dilation per axis (height, width; height 1 for conv1d). */
  strides: [number, number];
  dilation: [number, number];
}

/** Largest number of elements accepted for an input, an output or a dilated kernel. */
export const MAX_ELEMENTS = 1e8;

/** Reads `strides` / `dilation`: a positive integer or an array with one per spatial axis. */
function readPerAxis(name: string, value: number | number[] | undefined, rank: 1 | 2): [number, number] {
  if (value === undefined) return [1, 1];
  const arr = typeof value === 'number' ? new Array<number>(rank).fill(value) : value;
  if (!Array.isArray(arr) || arr.length !== rank) {
    throw new LipkitError(name, `must be a positive integer or an array of ${rank}, got ${JSON.stringify(value)}`);
  }
  arr.forEach((v, i) => checkNumber(Array.isArray(value) ? `${name}[${i}]` : name, v, { min: 1, integer: true, max: 1e6 }));
  return rank === 1 ? [1, arr[0]] : [arr[0], arr[1]];
}

/** Output size and padding split of one axis, exactly as tfjs `computeConv2DInfo` does. */
export function convAxis(n: number, k: number, s: number, padding: ConvPadding): ConvAxis {
  if (padding === 'valid') {
    return { n, k, s, out: Math.ceil((n - k + 1) / s), before: 0, after: 0 };
  }
  const out = Math.ceil(n / s);
  const total = Math.max(0, (out - 1) * s + k - n);
  const before = Math.floor(total / 2);
  return { n, k, s, out, before, after: total - before };
}

/**
 * Validates a conv1d `[k, cin, cout]` or conv2d `[kh, kw, cin, cout]` kernel against an input
 * shape `[length, cin]` / `[h, w, cin]` (batch excluded); errors name `kernel` or `inputShape`.
 */
export function checkConvKernel(kernel: tf.Tensor, inputShape: number[]): { rank: 1 | 2; cin: number; cout: number } {
  if (!(kernel instanceof tf.Tensor)) throw new LipkitError('kernel', 'must be a tf.Tensor');
  if (kernel.rank !== 3 && kernel.rank !== 4) {
    throw new LipkitError('kernel', `must have rank 3 ([k, cin, cout], conv1d) or 4 ([kh, kw, cin, cout], conv2d), got shape [${kernel.shape.join(', ')}]`);
  }
  const rank = (kernel.rank - 2) as 1 | 2;
  if (kernel.size === 0) throw new LipkitError('kernel', `must not be empty, got shape [${kernel.shape.join(', ')}]`);
  if (kernel.size > MAX_ELEMENTS) throw new LipkitError('kernel', `has ${kernel.size} elements, more than ${MAX_ELEMENTS}`);
  if (!Array.isArray(inputShape) || inputShape.length !== rank + 1) {
    throw new LipkitError('inputShape', `must be [${rank === 1 ? 'length' : 'height, width'}, cin] (batch excluded) for a rank-${kernel.rank} kernel, got ${JSON.stringify(inputShape)}`);
  }
  inputShape.forEach((v, i) => checkNumber(`inputShape[${i}]`, v, { min: 1, integer: true, max: MAX_ELEMENTS }));
  const cin = kernel.shape[rank];
  const cout = kernel.shape[rank + 1];
  if (inputShape[rank] !== cin) {
    throw new LipkitError('inputShape', `has ${inputShape[rank]} channels but the kernel expects cin = ${cin} (kernel shape [${kernel.shape.join(', ')}])`);
  }
  return { rank, cin, cout };
}

/**
 * Validates a conv kernel, the input shape and the geometry options, and returns the
 * normalized geometry. Every error is a LipkitError naming `kernel`, `inputShape` or
 * the option field.
 */
export function convGeometry(
  kernel: tf.Tensor,
  inputShape: number[],
  options: { strides?: number | number[]; padding?: ConvPadding; dilation?: number | number[] },
): ConvGeometry {
  checkConvKernel(kernel, inputShape);
  const rawKernel = Float64Array.from(kernel.dataSync());
  checkFiniteValues('kernel', rawKernel);
  return convGeometryOf(rawKernel, kernel.shape.slice(), inputShape, options);
}

/**
 * `convGeometry` for a float64 kernel already in memory (tfjs layout `[k, cin, cout]` or
 * `[kh, kw, cin, cout]`, row-major), e.g. a convolution merged with a batch norm in float64.
 * Same validation and errors (naming `kernel`, `inputShape` or the option field); the kernel
 * array is kept, not copied.
 */
export function convGeometryOf(
  rawKernel: Float64Array,
  rawShape: number[],
  inputShape: number[],
  options: { strides?: number | number[]; padding?: ConvPadding; dilation?: number | number[] },
): ConvGeometry {
  if (!(rawKernel instanceof Float64Array)) throw new LipkitError('kernel', 'must be a Float64Array');
  if (!Array.isArray(rawShape) || (rawShape.length !== 3 && rawShape.length !== 4)) {
    throw new LipkitError('kernel', `must have rank 3 ([k, cin, cout], conv1d) or 4 ([kh, kw, cin, cout], conv2d), got shape ${JSON.stringify(rawShape)}`);
  }
  if (rawKernel.length !== rawShape.reduce((a, b) => a * b, 1) || rawKernel.length === 0) {
    throw new LipkitError('kernel', `has ${rawKernel.length} values, shape [${rawShape.join(', ')}] needs ${rawShape.reduce((a, b) => a * b, 1)} (non-empty)`);
  }
  if (rawKernel.length > MAX_ELEMENTS) throw new LipkitError('kernel', `has ${rawKernel.length} elements, more than ${MAX_ELEMENTS}`);
  const rank = (rawShape.length - 2) as 1 | 2;
  if (!Array.isArray(inputShape) || inputShape.length !== rank + 1) {
    throw new LipkitError('inputShape', `must be [${rank === 1 ? 'length' : 'height, width'}, cin] (batch excluded) for a rank-${rawShape.length} kernel, got ${JSON.stringify(inputShape)}`);
  }
  inputShape.forEach((v, i) => checkNumber(`inputShape[${i}]`, v, { min: 1, integer: true, max: MAX_ELEMENTS }));
  const cin = rawShape[rank];
  const cout = rawShape[rank + 1];
  if (inputShape[rank] !== cin) {
    throw new LipkitError('inputShape', `has ${inputShape[rank]} channels but the kernel expects cin = ${cin} (kernel shape [${rawShape.join(', ')}])`);
  }
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (inputSize > MAX_ELEMENTS) throw new LipkitError('inputShape', `has ${inputSize} elements, more than ${MAX_ELEMENTS}`);

  const padding = options.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid' && padding !== 'circular') {
    throw new LipkitError('options.padding', `must be 'same', 'valid' or 'circular', got ${JSON.stringify(padding)}`);
  }
  const strides = readPerAxis('options.strides', options.strides, rank);
  const dilation = readPerAxis('options.dilation', options.dilation, rank);

  const kh0 = rank === 1 ? 1 : rawShape[0];
  const kw0 = rank === 1 ? rawShape[0] : rawShape[1];
  const kh = (kh0 - 1) * dilation[0] + 1;
  const kw = (kw0 - 1) * dilation[1] + 1;
  const spatial: [number, number] = rank === 1 ? [1, inputShape[0]] : [inputShape[0], inputShape[1]];
  const axes: [ConvAxis, ConvAxis] = [
    convAxis(spatial[0], kh, strides[0], padding),
    convAxis(spatial[1], kw, strides[1], padding),
  ];
  axes.forEach((ax, i) => {
    if (ax.out < 1) {
      const axisName = rank === 1 ? 'length' : i === 0 ? 'height' : 'width';
      throw new LipkitError('inputShape', `${axisName} ${ax.n} is smaller than the ${dilation[i] > 1 ? 'dilated ' : ''}kernel size ${ax.k} with padding 'valid'`);
    }
  });
  const outSize = axes[0].out * axes[1].out * cout;
  if (outSize > MAX_ELEMENTS) throw new LipkitError('inputShape', `gives an output of ${outSize} elements, more than ${MAX_ELEMENTS}`);
  if (kh * kw * cin * cout > MAX_ELEMENTS) throw new LipkitError('options.dilation', `dilated kernel would have more than ${MAX_ELEMENTS} elements`);

  const block = cin * cout;
  let dilated = rawKernel;
  if (kh !== kh0 || kw !== kw0) {
    dilated = new Float64Array(kh * kw * cin * cout);
    for (let i = 0; i < kh0; i++) {
      for (let j = 0; j < kw0; j++) {
        const src = (i * kw0 + j) * block;
        const dst = (i * dilation[0] * kw + j * dilation[1]) * block;
        dilated.set(rawKernel.subarray(src, src + block), dst);
      }
    }
  }
  return { rank, cin, cout, padding, axes, kernel: dilated, rawKernel, rawShape, strides, dilation };
}
