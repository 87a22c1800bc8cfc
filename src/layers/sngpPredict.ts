import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { RandomFeatureGP } from './RandomFeatureGP.js';
import { lastLayerOf, layerInputFeatures } from './layerInputFeatures.js';

/** What `sngpPredict` returns (caller disposes the tensors). */
export interface SNGPPrediction {
  /** Posterior-mean logits, [batch, classes]. */
  logits: tf.Tensor2D;
  /** Predictive variance phi^T Sigma phi, [batch]. */
  variance: tf.Tensor1D;
  /** softmax of the mean-field logits logits / sqrt(1 + (pi/8) var), [batch, classes]. */
  probabilities: tf.Tensor2D;
}

/**
 * SNGP's prediction for a model whose last `RandomFeatureGP` layer is its output head (Liu et
 * al. 2020): the posterior-mean logits, the predictive variance (the head's stored covariance;
 * run `fitCovariance`, `updateCovariance` or `sngpCovarianceCallback` first) and the
 * mean-field probabilities. The uncertainty is `variance` or 1 - max probability. Inference mode.
 */
export function sngpPredict(model: tfl.LayersModel, x: tf.Tensor): SNGPPrediction {
  const gp = lastLayerOf(model, RandomFeatureGP, 'RandomFeatureGP');
  return tf.tidy(() => {
    const h = layerInputFeatures(model, gp, x);
    const p = gp.meanAndVariance(h);
    const probabilities = tf.softmax(gp.meanFieldLogits(p)) as tf.Tensor2D;
    return { logits: p.logits, variance: p.variance, probabilities };
  });
}
