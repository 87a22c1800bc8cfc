import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';

/**
 * The features that enter `layer` inside `model` for the model input `x` (inference mode):
 * the output of the sub-network from the model's input to the layer's input, e.g. the hidden
 * representation h an output head (`RandomFeatureGP`, `DUQOutput`) sees. Built as a functional
 * sub-model sharing the model's layers (no copies). Caller disposes the result. Throws a
 * LipkitError naming `model` or `layer` when the layer is not a single-input layer of the model.
 */
export function layerInputFeatures(model: tfl.LayersModel, layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  if (!model.layers.includes(layer)) throw new LipkitError('layer', `is not a layer of model '${model.name}'`);
  let input: tfl.SymbolicTensor | tfl.SymbolicTensor[];
  try {
    input = layer.input;
  } catch {
    throw new LipkitError('layer', `'${layer.name}' has no single input in the model (shared layer?)`);
  }
  if (Array.isArray(input)) throw new LipkitError('layer', `'${layer.name}' has several inputs; expected one`);
  const sub = tfl.model({ inputs: model.inputs, outputs: input });
  return sub.apply(x, { training: false }) as tf.Tensor;
}

/** The last layer of `model` that is an instance of `cls`, or a LipkitError naming `model`. */
export function lastLayerOf<T extends tfl.layers.Layer>(model: tfl.LayersModel, cls: abstract new (...args: never[]) => T, what: string): T {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  const found = model.layers.filter((l): l is T => l instanceof cls);
  if (found.length === 0) throw new LipkitError('model', `has no ${what} layer`);
  return found[found.length - 1];
}
