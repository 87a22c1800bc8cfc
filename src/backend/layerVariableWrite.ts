import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The part of tfjs-layers' LayerVariable that `write` touches. */
interface WritableLayerVariable {
  val: tf.Variable;
  constraint: { apply(w: tf.Tensor): tf.Tensor } | null | undefined;
  assertNotDisposed(): void;
  write(newVal: tf.Tensor): WritableLayerVariable;
}

const proto = tfl.LayerVariable.prototype as unknown as WritableLayerVariable;
let original: WritableLayerVariable['write'] | undefined;

/**
 * tfjs-layers 4.22's `LayerVariable.write` (used by `setWeights` and by `loadLayersModel`)
 * applies the weight's constraint as `val.assign(constraint.apply(val))` and never disposes
 * the constrained copy: one tensor leaks per constrained weight every time weights are loaded
 * or set (measured: a model with one constrained kernel, loaded and disposed, left 1 tensor).
 * The replacement does the same assignments and disposes the copy (unless the constraint
 * returned the variable itself); shape mismatches still go to tfjs's own error. Idempotent.
 */
export function installLayerVariableWrite(): void {
  if (original !== undefined) return;
  const stock = proto.write;
  original = stock;
  proto.write = function write(this: WritableLayerVariable, newVal: tf.Tensor): WritableLayerVariable {
    this.assertNotDisposed();
    if (!tf.util.arraysEqual(this.val.shape, newVal.shape)) return stock.call(this, newVal);
    if (this.val.id !== newVal.id) {
      this.val.assign(newVal);
      if (this.constraint != null) {
        const constrained = this.constraint.apply(this.val);
        this.val.assign(constrained);
        if (constrained !== this.val) constrained.dispose();
      }
    }
    return this;
  };
}

/** Restores tfjs-layers' own `LayerVariable.write`. */
export function uninstallLayerVariableWrite(): void {
  if (original === undefined) return;
  proto.write = original;
  original = undefined;
}
