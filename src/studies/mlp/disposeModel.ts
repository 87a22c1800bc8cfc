import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';

/**
 * Disposes a model together with the state its kernel constraints keep outside the model's
 * weights (lipkit's spectral constraints hold their power-iteration vectors in the constraint
 * instance; `model.dispose()` does not free them).
 */
export function disposeModel(model: tfl.LayersModel): void {
  const constraints = new Set<unknown>();
  for (const layer of model.layers) {
    for (const w of layer.weights as LayerVariable[]) if (w.constraint != null) constraints.add(w.constraint);
  }
  model.dispose();
  for (const c of constraints) {
    const d = (c as { dispose?: unknown }).dispose;
    if (typeof d === 'function') d.call(c);
  }
}
