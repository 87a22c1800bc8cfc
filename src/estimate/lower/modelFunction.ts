import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A single-input model seen as f: R^d -> R^m on flat batches. */
export interface ModelFunction {
  /** Input shape without the batch axis. */
  shape: number[];
  /** Flat input size d. */
  d: number;
  /** Flat output size m. */
  m: number;
  /** f on a [b, d] tensor, as [b, m] (inference mode, the model's own float32 forward pass). */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** How many examples one batch may hold (activation memory). */
  chunk: number;
}

/**
 * Wraps `model` as a flat map. The chunk size bounds the memory of one batch: the summed size of
 * every layer's output per example (4 bytes a float, x3 for a backward pass and its gradients)
 * must fit in `chunkBytes`; a 512x512 conv model then runs one example at a time instead of
 * aborting wasm at its 4 GB limit.
 */
export function modelFunction(model: tfl.LayersModel, shape: number[], chunkBytes: number): ModelFunction {
  const d = shape.reduce((a, b) => a * b, 1);
  const apply = (x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => {
    const y = model.apply(tf.reshape(x, [x.shape[0], ...shape]), { training: false }) as tf.Tensor;
    return tf.reshape(y, [x.shape[0], -1]) as tf.Tensor2D;
  });
  const perExample = Math.max(d, activationSize(model, d)) * 4 * 3;
  const chunk = Math.max(1, Math.floor(chunkBytes / perExample));
  const m = tf.tidy(() => apply(tf.zeros([1, d])).shape[1]);
  return { shape, d, m, apply, chunk };
}

/** Sum over layers (nested models included) of the output size per example; unknown sizes count as d. */
function activationSize(model: tfl.LayersModel, d: number): number {
  let total = 0;
  for (const layer of model.layers) {
    if (layer instanceof tfl.LayersModel) { total += activationSize(layer, d); continue; }
    let shapes: unknown;
    try { shapes = layer.outputShape; } catch { shapes = null; }
    const list = Array.isArray(shapes) && Array.isArray(shapes[0]) ? (shapes as (number | null)[][]) : [shapes as (number | null)[] | null];
    for (const s of list) {
      if (!s) { total += d; continue; }
      let size = 1;
      for (const v of s.slice(1)) size *= v ?? Math.max(1, Math.round(Math.sqrt(d)));
      total += size;
    }
  }
  return total;
}
