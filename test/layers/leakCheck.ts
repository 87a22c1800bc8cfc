import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Trains `model` (compiled here with Adam and MSE) with `fit` for `epochs` and then for 100
 * steps of a custom `opt.minimize` loop (SGD 0.01 by default; disposed here), asserting that `tf.memory().numTensors` is
 * the same after every epoch (after the first) and after every loop step (after the first).
 */
export async function expectNoTrainingLeaks(
  model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs = 3, opt: tf.Optimizer = tf.train.sgd(0.01),
): Promise<void> {
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  const counts: number[] = [];
  await model.fit(x, y, { epochs, verbose: 0, callbacks: { onEpochEnd: async () => { counts.push(tf.memory().numTensors); } } });
  expect(new Set(counts.slice(1)).size).toBe(1);
  let after1 = 0;
  for (let i = 0; i < 100; i++) {
    opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    if (i === 0) after1 = tf.memory().numTensors;
  }
  expect(tf.memory().numTensors).toBe(after1);
  opt.dispose();
}
