import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../backend/stopGradient.js';

export { stopGradient };

/**
 * Tensor-level power iteration for training-time use (spectral normalization, spectral
 * penalties, constraints): no data is read back, vectors stay on the backend and persist
 * between calls (warm start, one step per training step, as PyTorch's spectral_norm does).
 * `powerIteration` is the read-back, converging version for measurement.
 */

/** A linear map on tensors of fixed shapes, with its adjoint. */
export interface TensorOperator {
  apply: (v: tf.Tensor) => tf.Tensor;
  adjoint: (u: tf.Tensor) => tf.Tensor;
}

/**
 * The operator of a 2-D matrix `W` [m, n]: `v -> W v` ([n] -> [m]) and `u -> W^T u` computed
 * as the row vector `u^T W` (no transposed matMul: slow on tfjs-wasm without lipkit's fix).
 */
export function matrixOperator(w: tf.Tensor2D): TensorOperator {
  const [m, n] = w.shape;
  return {
    apply: (v) => tf.reshape(tf.matMul(w, tf.reshape(v, [n, 1])), [m]),
    adjoint: (u) => tf.reshape(tf.matMul(tf.reshape(u, [1, m]), w), [n]),
  };
}

/**
 * `iterations` power-iteration steps from the right vector `v`:
 * `u = A v / ||A v||`, `v = A^T u / ||A^T u||` (Miyato et al. 2018, Algorithm 1).
 * Returns new unit vectors `u`, `v` (gradient-stopped; the caller disposes them). A zero
 * operator keeps the previous direction (eps 1e-12, as PyTorch).
 */
export function powerStep(op: TensorOperator, v: tf.Tensor, iterations = 1): { u: tf.Tensor; v: tf.Tensor } {
  return tf.tidy(() => {
    let vv = stopGradient(v);
    let uu = normalize(op.apply(vv));
    for (let i = 1; i < iterations; i++) {
      vv = normalize(op.adjoint(uu));
      uu = normalize(op.apply(vv));
    }
    vv = normalize(op.adjoint(uu));
    uu = normalize(op.apply(vv));
    return { u: stopGradient(uu), v: stopGradient(vv) };
  });
}

/**
 * The spectral-norm estimate `sigma = u^T A v` for given unit vectors, differentiable in the
 * operator's weights (u and v are constants): the form used by spectral normalization and the
 * spectral penalty. An ESTIMATE from below of sigma_max(A) (exact when u, v are the top pair).
 */
export function sigmaOf(op: TensorOperator, u: tf.Tensor, v: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(u, op.apply(v))) as tf.Scalar);
}

function normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x), 1e-12));
}
