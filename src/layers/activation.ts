import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';

/**
 * The tfjs-layers activation function named `activation` (e.g. 'relu', 'elu', 'tanh'), as a
 * tensor function; throws a LipkitError naming `name` for an unknown or non-string name.
 */
export function activationLayer(name: string, activation: unknown): (x: tf.Tensor) => tf.Tensor {
  if (typeof activation !== 'string') throw new LipkitError(name, `must be an activation name, got ${String(activation)}`);
  let layer: tfl.layers.Layer;
  try {
    layer = tfl.layers.activation({ activation: activation as 'relu' });
  } catch (e) {
    throw new LipkitError(name, `unknown activation '${activation}' (${e instanceof Error ? e.message : String(e)})`);
  }
  return (x) => layer.call(x, {}) as tf.Tensor;
}
