import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { fileIOHandler } from './fileIOHandler.js';

/**
 * Loads a TF.js Layers model from a model.json on disk (weights next to it). Errors of the
 * file handler pass through; failures to build the model from its topology (unknown layer
 * class, graph models, bad config) become a `LipkitError` naming the file.
 */
export async function loadModel(modelJsonPath: string): Promise<tfl.LayersModel> {
  const handler = fileIOHandler(modelJsonPath);
  try {
    return await tfl.loadLayersModel(handler);
  } catch (e) {
    if (e instanceof LipkitError) throw e;
    const message = (e as Error).message?.split('\n')[0] ?? String(e);
    throw new LipkitError(modelJsonPath, `not a loadable TF.js Layers model (${message})`);
  }
}
