import type * as tf from '@tensorflow/tfjs-core';
import { convKernelOperator } from '../estimate/conv/convKernelOperator.js';
import { convGeometryOf } from '../estimate/conv/convGeometry.js';
import { convDenseMatrix } from '../estimate/conv/convDenseOperator.js';
import { CHEAP_CHECK_COST, certificateCost } from './certifiedMatrixNorm.js';

/** The operator matrix of a small convolution (see `cheapConvOperatorMatrix`). */
export interface ConvOperatorMatrix {
  /** Row-major float32 `[rows, cols]` = `[outDim, inDim]`, NHWC flattened (as `convKernelOperator`'s vectors). */
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * The EXACT operator matrix of the convolution of `kernel` on one input of shape `inputShape`
 * (zero padding 'same'/'valid', tfjs semantics; `convDenseMatrix`), when its host certificate
 * is cheap: `certificateCost(outDim, inDim) <= CHEAP_CHECK_COST` (about 1 ms), else null. Also
 * null for a kernel with non-finite values. With zero padding every entry is one kernel value,
 * so the float32 matrix is the operator itself and `certifyMatrixNorm` on it CERTIFIES the
 * convolution's norm: the spectral constraints and `SpectralNormalization` then treat a small
 * convolution as the Dense path treats a small matrix (certified check on every call), since
 * power iteration converged to a residual tolerance can stop up to the gap between the top
 * singular values below sigma_max, and small convolution operators often have close ones.
 * Reads the kernel back only when the matrix is cheap.
 */
export function cheapConvOperatorMatrix(
  kernel: tf.Tensor, inputShape: number[], options: { strides?: number | number[]; padding?: 'same' | 'valid' },
): ConvOperatorMatrix | null {
  const { inDim, outDim } = convKernelOperator(kernel, inputShape, options);
  if (certificateCost(outDim, inDim) > CHEAP_CHECK_COST) return null;
  const raw = Float64Array.from(kernel.dataSync());
  if (!raw.every(Number.isFinite)) return null;
  const m = convDenseMatrix(convGeometryOf(raw, kernel.shape.slice(), inputShape, options));
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}
