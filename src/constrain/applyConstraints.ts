import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { LipkitError } from '../util/errors.js';

/**
 * Applies every weight constraint of a model in place: `w <- constraint.apply(w)` for each
 * layer weight that has one (kernelConstraint, biasConstraint, ...), lipkit's or tfjs's.
 *
 * Call it after each optimizer step of a custom loop. NOTE (measured, tfjs-layers 4.22):
 * `model.fit` does NOT apply constraints either: its optimizer writes the variables directly
 * and only `LayerVariable.write` applies a constraint. Use `constraintsCallback()` in `fit`.
 * Returns the number of weights constrained. Leaves no tensors behind.
 */
export function applyConstraints(model: tfl.LayersModel): number {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  let count = 0;
  for (const layer of model.layers) {
    for (const weight of layer.weights as LayerVariable[]) {
      const constraint = weight.constraint;
      if (constraint == null) continue;
      const variable = (weight as unknown as { val: tf.Variable }).val;
      const next = tf.tidy(() => constraint.apply(variable));
      variable.assign(next);
      next.dispose();
      count++;
    }
  }
  return count;
}

/**
 * A `model.fit` callback that calls `applyConstraints(model)` after every batch (tfjs-layers
 * 4.22's fit does not apply constraints itself). `model.fit(x, y, { callbacks: [constraintsCallback()] })`.
 */
export class ConstraintsCallback extends tfl.Callback {
  override async onBatchEnd(): Promise<void> {
    if (this.model != null) applyConstraints(this.model);
  }
}

/** Factory of `ConstraintsCallback`. */
export function constraintsCallback(): ConstraintsCallback {
  return new ConstraintsCallback();
}
