import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The name of a layer that reads the model's input as integer indices (Embedding), or null.
 * Difference quotients in input space are not defined for such models (the inputs are token ids:
 * random real inputs are not even valid indices), so `lipschitzLowerBound` refuses them.
 */
export function indexInputLayer(model: tfl.LayersModel): string | null {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Embedding') return layer.name;
    if (layer instanceof tfl.LayersModel) {
      const inner = indexInputLayer(layer);
      if (inner) return inner;
    }
  }
  return null;
}
