import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { gradientPenaltyWithOutput } from '../../regularize/gradientPenalty.js';
import { SpectralNormalization } from '../../layers/SpectralNormalization.js';
import { RandomFeatureGP } from '../../layers/RandomFeatureGP.js';
import { duqGradientPenalty, duqLoss, duqUpdateCentroids } from '../../layers/duqTraining.js';
import { layerInputFeatures } from '../../layers/layerInputFeatures.js';
import { ARM_SETTINGS, type UncertaintyArm } from './spec.js';

/** What training an arm returns. */
export interface TrainResult {
  /** Final training objective (task loss + penalty), null when not finite. */
  finalLoss: number | null;
  diverged: boolean;
}

/**
 * Full-batch Adam on the arm's objective:
 * - softmax: softmax cross-entropy of the logits;
 * - softmax + GP: the same + kappa mean sum_k (||grad_x f_k(x)|| - 1)^2 at the training points
 *   (`gradientPenaltyWithOutput`, talk 003's "gradient penalty at data, D = 1");
 * - SNGP: softmax cross-entropy of the GP head's posterior-mean logits; after training the
 *   spectral norms are refreshed and the Laplace covariance is fitted in one final pass over
 *   the training features (`fitCovariance`, Liu et al. 2020 Alg. 1);
 * - DUQ: `duqLoss` (BCE on the kernels) + `duqGradientPenalty` (lambda 1), then one centroid EMA
 *   step per optimizer step (`duqUpdateCentroids`, the authors' order).
 * Training calls use `training: true` (spectral normalization advances its power iteration).
 */
export function trainArm(arm: UncertaintyArm, model: tfl.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D, epochs: number, learningRate: number): TrainResult {
  const vars = model.trainableWeights.map((w) => (w as LayerVariable).read() as tf.Variable);
  const optimizer = tf.train.adam(learningRate);
  const apply = (t: tf.Tensor): tf.Tensor => model.apply(t, { training: true }) as tf.Tensor;
  let last = NaN;
  try {
    for (let e = 0; e < epochs; e++) {
      let shared: tf.Tensor | null = null;
      const cost = optimizer.minimize(() => {
        if (arm === 'DUQ') return tf.add(duqLoss(y, apply(x)), duqGradientPenalty(model, x, { lambda: ARM_SETTINGS.duqLambda })) as tf.Scalar;
        if (arm === 'softmax + GP') {
          const { penalty, output } = gradientPenaltyWithOutput(apply, x, { kappa: ARM_SETTINGS.penaltyKappa, target: ARM_SETTINGS.penaltyTarget });
          shared = output; // kept past the loss's tidy by gradientPenaltyWithOutput: freed after the step
          return tf.add(tf.losses.softmaxCrossEntropy(y, output), penalty) as tf.Scalar;
        }
        return tf.losses.softmaxCrossEntropy(y, apply(x)) as tf.Scalar;
      }, true, vars);
      last = cost?.dataSync()[0] ?? NaN;
      tf.dispose([cost ?? [], shared ?? []]);
      if (!Number.isFinite(last)) return { finalLoss: null, diverged: true };
      if (arm === 'DUQ') duqUpdateCentroids(model, x, y);
    }
  } finally {
    optimizer.dispose();
  }
  for (const layer of model.layers) if (layer instanceof SpectralNormalization) layer.refresh();
  const gp = model.layers.find((l): l is RandomFeatureGP => l instanceof RandomFeatureGP);
  if (gp !== undefined) {
    const h = layerInputFeatures(model, gp, x);
    gp.fitCovariance(h);
    h.dispose();
  }
  return { finalLoss: last, diverged: false };
}
