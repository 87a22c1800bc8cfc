import * as tf from '@tensorflow/tfjs-core';
import { checkChoice } from '../regularize/checks.js';

/**
 * The adversarial losses `ganTrainer` offers. With s_r = D(x_real) and s_f = D(G(z)) the
 * critic's raw scores (no sigmoid) and means over the batch:
 *
 * - `'wasserstein'` (Arjovsky et al. 2017; Gulrajani et al. 2017, WGAN-GP):
 *   critic  E[s_f] - E[s_r],  generator  -E[s_f].
 *   Minimizing it over an L-Lipschitz critic estimates L * W1(real, fake). Without a Lipschitz
 *   constraint (gradient penalty, spectral normalization, a kernel constraint) it is unbounded
 *   below: the critic's scores simply grow. `ganTrainer` refuses it for an unconstrained critic.
 * - `'hinge'` (Lim & Ye 2017; Miyato et al. 2018, SN-GAN; Brock et al. 2019):
 *   critic  E[max(0, 1 - s_r)] + E[max(0, 1 + s_f)],  generator  -E[s_f].
 * - `'non-saturating'` (Goodfellow et al. 2014, the "-log D trick"; Miyato et al. 2018's
 *   "standard" loss): with D = sigmoid(s),
 *   critic  E[softplus(-s_r)] + E[softplus(s_f)]  (= -E[log D(x_r)] - E[log(1 - D(x_f))]),
 *   generator  E[softplus(-s_f)]  (= -E[log D(G(z))]).
 *   Bounded below by 0 with or without a constraint: the loss that makes sense for an
 *   unconstrained critic.
 */
export const GAN_LOSSES = ['wasserstein', 'hinge', 'non-saturating'] as const;
export type GanLoss = (typeof GAN_LOSSES)[number];

/** Validates a loss name (error names `name`). */
export function checkGanLoss(name: string, value: unknown): GanLoss {
  return checkChoice(name, value, GAN_LOSSES);
}

/**
 * The critic's loss for real scores `sReal` and fake scores `sFake` (any shapes; each is
 * averaged over all its entries), as defined in `GAN_LOSSES`. A scalar; differentiable.
 */
export function criticLoss(loss: GanLoss, sReal: tf.Tensor, sFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (loss === 'wasserstein') return tf.sub(tf.mean(sFake), tf.mean(sReal)) as tf.Scalar;
    if (loss === 'hinge') return tf.add(tf.mean(tf.relu(tf.sub(1, sReal))), tf.mean(tf.relu(tf.add(1, sFake)))) as tf.Scalar;
    return tf.add(tf.mean(tf.softplus(tf.neg(sReal))), tf.mean(tf.softplus(sFake))) as tf.Scalar;
  });
}

/** The generator's loss for the critic's scores `sFake` of generated samples, as defined in `GAN_LOSSES`. */
export function generatorLoss(loss: GanLoss, sFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => (loss === 'non-saturating' ? tf.mean(tf.softplus(tf.neg(sFake))) : tf.neg(tf.mean(sFake))) as tf.Scalar);
}
