import * as tf from '@tensorflow/tfjs-core';
import { gradientPenalty } from '../regularize/gradientPenalty.js';
import type { ModelFunction } from '../regularize/inputGradient.js';
import { criticLoss, type GanLoss } from './ganLosses.js';
import type { GanPenaltySettings } from './ganTrainerOptions.js';

/** The critic's objective and its parts (see `criticObjective`). */
export interface CriticObjective {
  /** loss + penalty: the scalar the critic minimizes (differentiable in the critic's weights). */
  total: tf.Scalar;
  /** [adversarial loss, penalty, mean real score, mean fake score]: for reading back (not for gradients). */
  parts: tf.Tensor1D;
}

/**
 * The critic's objective of one update:
 *
 *   criticLoss(loss, f(x_real), f(x_fake))  +  lambda E_b[(||grad_x f(x_hat_b)||_2 - D)^2]
 *   x_hat_b = alpha_b x_real,b + (1 - alpha_b) x_fake,b,   alpha_b ~ U[0, 1]
 *
 * (Gulrajani et al. 2017, WGAN-GP, Algorithm 1; `oneSided`: max(0, ||grad|| - D)^2). Real and
 * fake samples go through f in ONE call (concatenated), so a spectral normalization layer
 * advances its power iteration once per update and both batches see the same kernel; the
 * penalty's points go through f once more (`gradientPenalty`, mode 'interpolate', double
 * backpropagation). f must treat examples independently (no batch statistics). `alpha` fixes
 * the interpolation coefficients (tests), else they are drawn with `seed`. The fake batch is a
 * constant here (no gradient reaches the generator). Both returned tensors are the caller's.
 */
export function criticObjective(
  f: ModelFunction, real: tf.Tensor, fake: tf.Tensor, loss: GanLoss,
  penalty: Required<GanPenaltySettings> | null, draw: { alpha?: number[]; seed?: number } = {},
): CriticObjective {
  return tf.tidy(() => {
    const n = real.shape[0];
    const scores = tf.reshape(f(tf.concat([real, fake], 0)), [2 * n, -1]);
    const sReal = tf.slice(scores, [0, 0], [n, -1]);
    const sFake = tf.slice(scores, [n, 0], [n, -1]);
    const adversarial = criticLoss(loss, sReal, sFake);
    const pen = penalty === null || penalty.weight === 0
      ? tf.scalar(0)
      : gradientPenalty(f, real, {
        mode: 'interpolate', xOther: fake, kappa: penalty.weight, target: penalty.target, oneSided: penalty.oneSided,
        ...(draw.alpha !== undefined ? { alpha: draw.alpha } : { seed: draw.seed }),
      });
    const total = tf.add(adversarial, pen) as tf.Scalar;
    const parts = tf.stack([adversarial, pen, tf.mean(sReal), tf.mean(sFake)]) as tf.Tensor1D;
    return { total, parts };
  });
}
