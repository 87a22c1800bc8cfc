import * as tf from '@tensorflow/tfjs-core';
import type { TensorOperator } from '../estimate/powerStep.js';

/**
 * How a layer's kernel is seen as a linear map for spectral normalization:
 * - `'dense'`: the Dense map `x -> x W`, W of shape [in, out];
 * - `'conv operator'`: the convolution itself on the layer's known input shape (true
 *   operator norm, padding and strides included);
 * - `'reshaped kernel'`: a convolution kernel [..., cin, cout] flattened to [k * cin, cout]
 *   (PyTorch's spectral_norm; used when the input's spatial size is unknown). This is NOT
 *   the convolution's operator norm: the convolution's norm can exceed it by up to
 *   sqrt(taps / stride product) (PyTorch issue 99149).
 */
export type KernelOperatorMethod = 'dense' | 'conv operator' | 'reshaped kernel';

/** A kernel's linear map with the shapes of its power-iteration vectors. */
export interface KernelOperator {
  /** `v` (input side) -> `u` (output side), differentiable in the kernel; `adjoint` goes back. */
  op: TensorOperator;
  /** Shape of the input-side vector `v`. */
  vShape: number[];
  /** Shape of the output-side vector `u`. */
  uShape: number[];
  method: KernelOperatorMethod;
}

/**
 * The map `v -> v M` of a matrix `M` [rows, cols] on row vectors, with its adjoint
 * `u -> M u`; both are plain (untransposed) matMuls, fast on every backend.
 */
export function rowOperator(m: tf.Tensor2D): TensorOperator {
  const [rows, cols] = m.shape;
  return {
    apply: (v) => tf.reshape(tf.matMul(tf.reshape(v, [1, rows]), m), [cols]),
    adjoint: (u) => tf.reshape(tf.matMul(m, tf.reshape(u, [cols, 1])), [rows]),
  };
}

/** The Dense map of a kernel [in, out]. */
export function denseKernelOperator(kernel: tf.Tensor): KernelOperator {
  const [rows, cols] = kernel.shape;
  return { op: rowOperator(kernel as tf.Tensor2D), vShape: [rows], uShape: [cols], method: 'dense' };
}

/** A convolution kernel [..., cin, cout] flattened to the matrix [prod(...) * cin, cout]. */
export function reshapedKernelOperator(kernel: tf.Tensor): KernelOperator {
  const cout = kernel.shape[kernel.rank - 1];
  const rows = kernel.size / cout;
  return {
    op: {
      apply: (v) => tf.reshape(tf.matMul(tf.reshape(v, [1, rows]), tf.reshape(kernel, [rows, cout])), [cout]),
      adjoint: (u) => tf.reshape(tf.matMul(tf.reshape(kernel, [rows, cout]), tf.reshape(u, [cout, 1])), [rows]),
    },
    vShape: [rows],
    uShape: [cout],
    method: 'reshaped kernel',
  };
}
