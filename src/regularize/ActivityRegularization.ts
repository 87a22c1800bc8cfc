import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { registerLipschitzRule } from '../estimate/network/layerRules.js';
import { RegularizerBase, type Regularizer } from './regularizerBase.js';
import { TrainingLosses } from './trainingLosses.js';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';


/** Configuration of `ActivityRegularization`. */
export interface ActivityRegularizationConfig extends LayerArgs {
  /** The regularizer applied to the layer's input/output (a Regularizer or its serialized form). */
  regularizer: Regularizer | { className: string; config: tf.serialization.ConfigDict };
}

/** A Regularizer from an instance or a `{ className, config }` of a registered class. */
export function resolveRegularizer(name: string, value: unknown): Regularizer {
  if (value instanceof RegularizerBase) return value;
  const v = value as { className?: unknown; config?: unknown } | null;
  if (v !== null && typeof v === 'object' && typeof v.className === 'string') {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[v.className] as
      [tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
        (cls: tf.serialization.SerializableConstructor<tf.serialization.Serializable>, config: tf.serialization.ConfigDict) => tf.serialization.Serializable] | undefined;
    if (entry === undefined) throw new LipkitError(name, `unknown regularizer class '${v.className}' (not registered)`);
    const made = entry[1](entry[0], (v.config ?? {}) as tf.serialization.ConfigDict);
    if (!(made instanceof RegularizerBase)) throw new LipkitError(name, `class '${v.className}' is not a Regularizer`);
    return made;
  }
  throw new LipkitError(name, 'must be a tfjs-layers Regularizer (e.g. lipRegRegularizer(...)) or { className, config }');
}

/**
 * Identity layer that adds `regularizer.apply(x)` of the tensor passing through it to the
 * model's losses on training calls: an activity regularizer usable after ANY layer (tfjs-layers
 * throws "not supported yet" for a layer's own `activityRegularizer`). Keras's
 * `ActivityRegularization` with any regularizer. `model.fit` adds the loss automatically; in a
 * custom loop call the model with `{ training: true }` and add `...model.calculateLosses()`.
 * Serializable (className 'LipkitActivityRegularization'), Lipschitz constant 1 (identity).
 */
export class ActivityRegularization extends tfl.layers.Layer {
  static readonly className = 'LipkitActivityRegularization';
  readonly regularizer: Regularizer;
  private readonly recorded = new TrainingLosses();

  constructor(config: ActivityRegularizationConfig) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object with a regularizer');
    super(config);
    this.regularizer = resolveRegularizer('config.regularizer', config.regularizer);
    this.supportsMasking = true;
    this.addLoss(() => this.recorded.read());
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs?.training === true) this.recorded.record(() => this.regularizer.apply(x));
    return x;
  }

  /** Disposes the layer's weights (none) and its kept training losses. */
  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.recorded.dispose();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      regularizer: { className: this.regularizer.getClassName(), config: this.regularizer.getConfig() },
    };
  }
}
tf.serialization.registerClass(ActivityRegularization);
registerLipschitzRule(ActivityRegularization.className, () => ({ kind: 'steps', steps: [] }));

/** `new ActivityRegularization(config)`: an identity layer adding `regularizer(x)` to the losses. */
export function activityRegularization(config: ActivityRegularizationConfig): ActivityRegularization {
  return new ActivityRegularization(config);
}
