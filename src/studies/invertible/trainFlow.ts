import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { invertibleResidual, type InvertibleResidual } from '../../layers/InvertibleResidual.js';
import type { TwoMoonsData } from '../../data/twoMoons.js';
import type { InvertibleSizes } from './spec.js';
import { readValues } from '../../util/readValues.js';

/** The classifier `F` then a Dense head, and `F` alone (shared layers). */
export interface FlowModels {
  /** x -> G_K o ... o G_1 (x) -> Dense(2) logits. */
  classifier: tfl.LayersModel;
  /** x -> F(x) = G_K o ... o G_1 (x): the invertible part. */
  flow: tfl.LayersModel;
  blocks: InvertibleResidual[];
}

/** Builds `sizes.blocks` i-ResNet blocks (hidden widths `sizes.hidden`, elu, coefficient `coeff`) on 2-D points, then a Dense(2) head; seeded. */
export function buildFlow(coeff: number, sizes: InvertibleSizes, seed: number): FlowModels {
  const input = tfl.input({ shape: [2] });
  const blocks = Array.from({ length: sizes.blocks }, (_, k) => invertibleResidual({
    hiddenUnits: Array.from({ length: sizes.hiddenLayers }, () => sizes.hidden),
    coeff, activation: 'elu', powerIterations: sizes.powerIterations, seed: seed * 100 + k + 1, name: `block_${k}`,
  }));
  let h: tfl.SymbolicTensor = input;
  for (const b of blocks) h = b.apply(h) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 99 }), name: 'head' });
  const logits = head.apply(h) as tfl.SymbolicTensor;
  return { classifier: tfl.model({ inputs: input, outputs: logits }), flow: tfl.model({ inputs: input, outputs: h }), blocks };
}

/** Points of a `twoMoons` draw as a [count, 2] tensor and one-hot labels (caller disposes). */
export function moonTensors(data: TwoMoonsData): { x: tf.Tensor2D; y: tf.Tensor2D; labels: Int32Array } {
  return tf.tidy(() => ({
    x: tf.tensor2d(data.points, [data.count, 2]),
    y: tf.oneHot(tf.tensor1d(data.labels, 'int32'), 2) as tf.Tensor2D,
    labels: data.labels,
  }));
}

/** Fraction of points whose argmax logit is the label. */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor2D, labels: Int32Array): number {
  const predicted = readValues(() => tf.argMax(model.apply(x) as tf.Tensor, 1));
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

/**
 * Full-batch Adam on softmax cross-entropy (`sizes.steps` steps); the blocks' power iterations
 * advance on every training call, and `refresh()` re-converges them at the end so that the
 * stored estimates (used by inference, `inverse` and `lipschitzBound`) match the final kernels.
 * Returns the loss every `sizes.evalEvery` steps (null when not finite).
 */
export function trainFlow(models: FlowModels, x: tf.Tensor2D, y: tf.Tensor2D, sizes: InvertibleSizes): (number | null)[] {
  const optimizer = tf.train.adam(sizes.learningRate);
  const losses: (number | null)[] = [];
  try {
    for (let t = 1; t <= sizes.steps; t++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, models.classifier.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      if (t % sizes.evalEvery === 0 || t === sizes.steps) {
        const v = loss.dataSync()[0];
        losses.push(Number.isFinite(v) ? v : null);
      }
      loss.dispose();
    }
  } finally {
    optimizer.dispose();
  }
  for (const b of models.blocks) b.refresh();
  return losses;
}
