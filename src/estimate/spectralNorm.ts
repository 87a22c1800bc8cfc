import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkRank, readMatrix, type MatrixLike } from '../util/validate.js';
import { powerIteration, type PowerIterationOptions, type PowerIterationResult } from './powerIteration.js';

/**
 * Top singular value of a matrix W (m x n) by power iteration: sigma = ||W v|| for the final
 * unit v, with v <- W^T W v normalized (see `powerIteration`).
 *
 * An ESTIMATE from below (never above sigma_max up to float32 rounding); for a certified bound
 * use `spectralNormUpperBound`. Pass the previous result's `v` as `options.init` to warm start
 * (as in spectral normalization, Miyato et al. 2018: converges in 1-2 iterations when W moved
 * little). Runs on the active tfjs backend in float32; W^T u is computed as the row vector
 * `u^T W` (an untransposed matMul) because tfjs-wasm's transposed matMul is ~15x slower.
 * Throws a LipkitError naming `matrix` for non-2-D, empty, ragged or non-finite input.
 */
export function spectralNorm(matrix: MatrixLike, options: PowerIterationOptions = {}): PowerIterationResult {
  const w = toMatrixTensor(matrix);
  try {
    const [m, n] = w.shape;
    const op = (v: tf.Tensor1D): tf.Tensor1D => tf.reshape(tf.matMul(w, tf.reshape(v, [n, 1])), [m]);
    const adjoint = (u: tf.Tensor1D): tf.Tensor1D => tf.reshape(tf.matMul(tf.reshape(u, [1, m]), w), [n]);
    return powerIteration(op, adjoint, n, options);
  } finally {
    if (w !== matrix) w.dispose();
  }
}

/** A validated float32 2-D tensor (the input itself when it already is one). */
function toMatrixTensor(matrix: MatrixLike): tf.Tensor2D {
  if (!(matrix instanceof tf.Tensor)) {
    const { data, rows, cols } = readMatrix('matrix', matrix);
    return tf.tensor2d(Float32Array.from(data), [rows, cols]);
  }
  checkRank('matrix', matrix, 2);
  const [rows, cols] = matrix.shape as [number, number];
  if (rows === 0 || cols === 0) throw new LipkitError('matrix', `must not be empty, got shape [${rows}, ${cols}]`);
  // One reduction instead of downloading W: any NaN/Inf makes sum(W * 0) NaN.
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.cast(matrix, 'float32'), 0)).dataSync()[0]);
  if (!Number.isFinite(probe)) throw new LipkitError('matrix', 'contains a non-finite value (NaN or Inf)');
  return (matrix.dtype === 'float32' ? matrix : tf.cast(matrix, 'float32')) as tf.Tensor2D;
}
