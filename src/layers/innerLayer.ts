import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';

/** A serialized layer, as tfjs-layers writes it into a model's JSON. */
export interface SerializedLayer { className: string; config: tf.serialization.ConfigDict }

/** The tfjs-layers layer classes whose kernel lipkit can normalize. */
export const KERNEL_LAYER_CLASSES = ['Dense', 'Conv1D', 'Conv2D'] as const;

/** A layer's kernel weight, seen through the fields tfjs-layers' Dense and Conv layers use. */
export interface KernelSlot { kernel: { read(): tf.Tensor } | null }

/** A layer from an instance or from `{ className, config }` of a registered class (for deserialization). */
export function resolveLayer(name: string, value: unknown): tfl.layers.Layer {
  if (value instanceof tfl.layers.Layer) return value;
  const v = value as { className?: unknown; config?: unknown } | null;
  if (v !== null && typeof v === 'object' && typeof v.className === 'string') {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[v.className] as
      [tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
        (cls: tf.serialization.SerializableConstructor<tf.serialization.Serializable>, config: tf.serialization.ConfigDict) => tf.serialization.Serializable] | undefined;
    if (entry === undefined) throw new LipkitError(name, `unknown layer class '${v.className}' (not registered)`);
    const made = entry[1](entry[0], { ...((v.config ?? {}) as tf.serialization.ConfigDict) });
    if (!(made instanceof tfl.layers.Layer)) throw new LipkitError(name, `class '${v.className}' is not a layer`);
    return made;
  }
  throw new LipkitError(name, 'must be a tfjs-layers layer (Dense, Conv1D or Conv2D) or its { className, config }');
}

/**
 * Runs `layer.call` with its kernel's value replaced by `kernel` (a tensor, possibly a
 * differentiable function of the real kernel). Everything else (bias, activation, strides,
 * padding, dilation, data format) is the layer's own code, so the wrapped layer computes
 * exactly what the inner layer would with that kernel.
 */
export function callWithKernel(
  layer: tfl.layers.Layer, kernel: tf.Tensor, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>,
): tf.Tensor | tf.Tensor[] {
  const slot = layer as unknown as KernelSlot;
  const saved = slot.kernel;
  slot.kernel = { read: () => kernel };
  try {
    return layer.call(inputs, kwargs);
  } finally {
    slot.kernel = saved;
  }
}

/** The layer's kernel tensor (the variable's current value). */
export function kernelOf(layer: tfl.layers.Layer): tf.Tensor {
  const k = (layer as unknown as KernelSlot).kernel;
  if (k === null || k === undefined) throw new Error(`layer '${layer.name}' has no kernel (not built)`);
  return k.read();
}
