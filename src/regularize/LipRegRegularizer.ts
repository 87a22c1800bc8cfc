import * as tf from '@tensorflow/tfjs-core';
import { checkOptions } from './checks.js';
import { checkLipRegOptions, lipReg, type LipRegAxis, type LipRegNormalize } from './lipReg.js';
import { type LipRegSign, signedLambda } from './lipRegSign.js';
import { RegularizerBase } from './regularizerBase.js';

/** Configuration of `LipRegRegularizer` / `lipRegRegularizer`. */
export interface LipRegRegularizerConfig {
  /** Weight, default 1. Must be >= 0 when `sign` is given. */
  lambda?: number;
  /** `'smooth'` (+lambda, state space models) or `'sharpen'` (-lambda, Transformers); default: lambda used as given. */
  sign?: LipRegSign;
  /** See `lipReg`; default `'time'`. */
  axis?: LipRegAxis;
  /** See `lipReg`; default `false`. */
  normalize?: LipRegNormalize;
}

/**
 * A tfjs-layers `Regularizer` computing `sign * lambda * lipReg(x)` (Qu et al., ICLR 2023) of the
 * tensor it is applied to. Meant as an ACTIVITY regularizer on a layer's output
 * `[batch, time, features]`: tfjs-layers throws when a layer has its own `activityRegularizer`,
 * so put `activityRegularization({ regularizer })` after the layer (or use `LipRegEmbedding`).
 * Serializable (`className` 'LipRegRegularizer'). A penalty value, not a Lipschitz bound.
 */
export class LipRegRegularizer extends RegularizerBase {
  static readonly className = 'LipRegRegularizer';
  readonly lambda: number;
  readonly sign: LipRegSign | undefined;
  readonly axis: LipRegAxis;
  readonly normalize: LipRegNormalize;
  /** The signed weight `sign * lambda`. */
  readonly factor: number;

  constructor(config: LipRegRegularizerConfig = {}) {
    super();
    checkOptions('config', config);
    this.lambda = config.lambda ?? 1;
    this.sign = config.sign;
    this.factor = signedLambda(this.lambda, this.sign, 'config');
    const { axis, normalize } = checkLipRegOptions({ axis: config.axis, normalize: config.normalize }, 'config');
    this.axis = axis;
    this.normalize = normalize;
  }

  /** `sign * lambda * lipReg(x)`; x is `[batch, time]` or `[batch, time, features]`. */
  apply(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mul(this.factor, lipReg(x, { axis: this.axis, normalize: this.normalize, skipChecks: true })) as tf.Scalar);
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { lambda: this.lambda, axis: this.axis, normalize: this.normalize };
    if (this.sign !== undefined) config.sign = this.sign;
    return config;
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}
tf.serialization.registerClass(LipRegRegularizer);

/** `new LipRegRegularizer(config)`: the Lipschitz Regularizer as a tfjs-layers Regularizer. */
export function lipRegRegularizer(config: LipRegRegularizerConfig = {}): LipRegRegularizer {
  return new LipRegRegularizer(config);
}
