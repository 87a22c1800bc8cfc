import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { sngpPredict } from '../../layers/sngpPredict.js';
import { isGPArm, type UncertaintyArm } from './spec.js';

/** An arm's predictions and uncertainty on a set of points. */
export interface ArmScores {
  /** Predicted class per point. */
  predicted: Int32Array;
  /**
   * Uncertainty score for AUROC (higher = more uncertain), unsaturated: -log max_c p_c for the
   * softmax arms and SNGP (mean-field probabilities), 1 - max_c K_c for DUQ.
   */
  score: Float64Array;
  /** Uncertainty on a common [0, 1] scale for the figures: (1 - max p) C / (C - 1), or 1 - max K. */
  u: Float64Array;
  /** SNGP only: the predictive variance phi^T Sigma phi (an alternative uncertainty). */
  variance: Float64Array | null;
}

/**
 * Scores points [count, 2] (row-major) with a trained arm in inference mode. Leaves no tensors
 * behind.
 */
export function scoreArm(arm: UncertaintyArm, model: tfl.LayersModel, points: Float32Array): ArmScores {
  const n = points.length / 2;
  const x = tf.tensor2d(points, [n, 2]);
  try {
    let out: tf.Tensor2D;
    let variance: Float64Array | null = null;
    if (isGPArm(arm)) {
      const p = sngpPredict(model, x);
      variance = Float64Array.from(p.variance.dataSync());
      out = tf.tidy(() => tf.log(p.probabilities) as tf.Tensor2D); // log-probabilities: logits up to a constant
      tf.dispose([p.logits, p.variance, p.probabilities]);
    } else {
      out = model.apply(x, { training: false }) as tf.Tensor2D;
    }
    const values = out.arraySync();
    out.dispose();
    const c = values[0]?.length ?? 2;
    const predicted = new Int32Array(n);
    const score = new Float64Array(n);
    const u = new Float64Array(n);
    values.forEach((row, i) => {
      let best = 0;
      for (let k = 1; k < c; k++) if (row[k] > row[best]) best = k;
      predicted[i] = best;
      if (arm === 'DUQ') {
        score[i] = 1 - row[best];
        u[i] = score[i];
      } else {
        let lse = 0;
        for (const v of row) lse += Math.exp(v - row[best]);
        score[i] = Math.log(lse); // -log max p, computed in float64
        u[i] = ((1 - Math.exp(-score[i])) * c) / (c - 1);
      }
    });
    return { predicted, score, u, variance };
  } finally {
    x.dispose();
  }
}
