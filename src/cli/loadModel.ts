import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { fileIOHandler } from './fileIOHandler.js';
import { checkActivationSizes, checkFiniteWeights, checkHasLayers, checkWeightsMatch } from './modelFiles/checkModelWeights.js';
import { withWeightBudget } from './modelFiles/weightBudget.js';
import { weightElements } from './modelFiles/weightManifest.js';

function notLoadable(modelJsonPath: string, e: unknown): LipkitError {
  if (e instanceof LipkitError) return e;
  const message = (e as Error)?.message?.split('\n')[0] ?? String(e);
  return new LipkitError(modelJsonPath, `not a loadable TF.js Layers model (${message})`);
}

/**
 * Loads a TF.js Layers model from a model.json on disk (weights next to it), for
 * certification, trusting nothing in the files:
 * 1. `fileIOHandler(path).load()` reads model.json and the weight files safely (only regular
 *    files inside model.json's folder, sizes checked before reading, topology checked to be
 *    feed-forward);
 * 2. the layers are built from the topology while every weight they create counts against
 *    the elements the weight files hold (`withWeightBudget`): memory stays proportional to
 *    the weights present, whatever sizes the topology claims;
 * 3. the manifest's weight names and shapes must be exactly the model's (`checkWeightsMatch`)
 *    before any weight is decoded (uint8 / uint16 / float16 weights are dequantized by
 *    `tf.io.decodeWeights`, as `tf.loadLayersModel` does);
 * 4. the model must have a layer (`checkHasLayers`), inputs and layer outputs of at most
 *    2^25 elements per example (`checkActivationSizes`), and finite weights only
 *    (`checkFiniteWeights`).
 * The training configuration and optimizer weights are ignored (certification needs neither).
 * Every failure is a `LipkitError` whose argument is `modelJsonPath`; nothing is left allocated.
 */
export async function loadModel(modelJsonPath: string): Promise<tfl.LayersModel> {
  const artifacts = await fileIOHandler(modelJsonPath).load!();
  const specs = artifacts.weightSpecs ?? [];
  const elements = specs.reduce((acc, s) => acc + weightElements(s), 0);
  let model: tfl.LayersModel;
  try {
    const topology = artifacts.modelTopology as tf.io.ModelJSON['modelTopology'];
    model = await withWeightBudget(modelJsonPath, elements, () => tfl.models.modelFromJSON({ modelTopology: topology } as tfl.ModelAndWeightsConfig));
  } catch (e) {
    throw notLoadable(modelJsonPath, e);
  }
  try {
    checkActivationSizes(model, modelJsonPath);
    checkWeightsMatch(model, specs, modelJsonPath);
    const decoded = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), specs);
    try {
      const modelWeights: tf.NamedTensorMap = {};
      for (const s of specs) if (s.group !== 'optimizer') modelWeights[s.name] = decoded[s.name];
      model.loadWeights(modelWeights, true);
    } finally {
      tf.dispose(Object.values(decoded));
    }
    checkHasLayers(model, modelJsonPath);
    checkFiniteWeights(model, modelJsonPath);
    return model;
  } catch (e) {
    model.dispose();
    throw notLoadable(modelJsonPath, e);
  }
}
