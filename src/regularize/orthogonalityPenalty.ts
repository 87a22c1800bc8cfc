import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { checkInputTensor, checkOptions } from './checks.js';

/** Options of `orthogonalityPenalty`. */
export interface OrthogonalityPenaltyOptions {
  /** Weight lambda >= 0, default 1. */
  lambda?: number;
}

/**
 * Soft orthogonality: `lambda * ||W^T W - I||_F^2` for a 2-D weight W [in, out] (tfjs Dense
 * kernel layout), zero iff the columns of W are orthonormal, so every singular value is 1
 * (possible only when in >= out; for a wide W pass its transpose). Brock et al. 2017 /
 * Parseval-network-style regularizer. Exact, differentiable, a regularizer (not a bound).
 * Throws a LipkitError naming `W` for non-2-D, empty or non-finite input, `options.lambda`.
 */
export function orthogonalityPenalty(W: tf.Tensor, options: OrthogonalityPenaltyOptions = {}): tf.Scalar {
  checkInputTensor('W', W, { minRank: 2, maxRank: 2 });
  checkOptions('options', options);
  const lambda = checkNumber('options.lambda', options.lambda ?? 1, { min: 0 });
  const n = W.shape[1] as number;
  return tf.tidy(() => {
    const gram = tf.matMul(tf.transpose(W), W);
    return tf.mul(lambda, tf.sum(tf.square(tf.sub(gram, tf.eye(n))))) as tf.Scalar;
  });
}
