import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';

/** Elements granted beyond the weights present, for layers' small non-weight state. */
export const BUDGET_SLACK_ELEMENTS = 1 << 16;

interface Budget { left: number; file: string }

let active: Budget | null = null;
let installed = false;

type AddWeight = (this: tfl.layers.Layer, name: string, shape: (number | null)[], ...rest: unknown[]) => unknown;

/**
 * Wraps `Layer.prototype.addWeight` (once) so that, while a budget is active, every weight a
 * layer creates is first counted against it, and created with TF.js's fast (zeros)
 * initialization, as `tf.loadLayersModel` does for weights it is about to overwrite.
 * Outside a budget the wrapper calls the original unchanged.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const proto = tfl.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const original = proto.addWeight;
  proto.addWeight = function budgeted(this: tfl.layers.Layer, name, shape, ...rest) {
    const budget = active;
    if (budget !== null) {
      const elements = Array.isArray(shape) ? shape.reduce<number>((a, d) => a * (typeof d === 'number' && d >= 0 ? d : Number.NaN), 1) : Number.NaN;
      if (!(elements <= budget.left)) {
        throw new LipkitError(budget.file, `layer '${this.name}' would create a weight '${name}' of shape [${Array.isArray(shape) ? shape.join(', ') : String(shape)}]`
          + ` (${elements} elements), more than the weights file holds (${Math.max(0, budget.left - BUDGET_SLACK_ELEMENTS)} elements left): the topology does not match its weights`);
      }
      budget.left -= elements;
      this.setFastWeightInitDuringBuild(true);
    }
    return original.call(this, name, shape, ...rest);
  };
}

/**
 * Runs `build` (which must build layers synchronously, e.g. TF.js's deserialization) while
 * every layer weight created counts against `elements` (the weights present in the model's
 * files) plus `BUDGET_SLACK_ELEMENTS`: a topology asking for more (a Dense with 2e7 units next
 * to an empty manifest) is refused with a `LipkitError(file)` before its memory is allocated,
 * so memory stays proportional to the weights present.
 */
export function withWeightBudget<T>(file: string, elements: number, build: () => T): T {
  install();
  if (active !== null) throw new Error('withWeightBudget: nested budgets are not supported');
  active = { left: elements + BUDGET_SLACK_ELEMENTS, file };
  try {
    return build();
  } finally {
    active = null;
  }
}
