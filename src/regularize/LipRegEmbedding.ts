import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { layerWeight, registerLipschitzRule } from '../estimate/network/layerRules.js';
import { checkLipRegOptions, lipReg, type LipRegAxis, type LipRegNormalize } from './lipReg.js';
import { type LipRegSign, signedLambda } from './lipRegSign.js';
import { TrainingLosses } from './trainingLosses.js';

/** Configuration of `LipRegEmbedding`. */
export interface LipRegEmbeddingConfig extends LayerArgs {
  /** Weight of the regularizer, default 1 (>= 0 required when `sign` is given). */
  lambda?: number;
  /** `'smooth'`: + lambda (state space models); `'sharpen'`: - lambda (Transformers). Default: lambda as given. */
  sign?: LipRegSign;
  /** See `lipReg`; default `'time'`. */
  axis?: LipRegAxis;
  /** See `lipReg`; default `false`. */
  normalize?: LipRegNormalize;
  /**
   * Output channels of the 1-D convolution embedding (the paper's "Emb": a 1-D conv on the input
   * sequence, 'same' padding, stride 1). Omitted: no convolution, the layer is the identity and
   * only adds the loss (put it after your own embedding).
   */
  filters?: number;
  /** Kernel size of the convolution, default 3. */
  kernelSize?: number;
  /** Add a bias to the convolution, default true. */
  useBias?: boolean;
}

/**
 * The embedding layer of "Data Continuity Matters" (Qu et al., ICLR 2023): an optional 1-D
 * convolution `[batch, time, channels] -> [batch, time, filters]` whose output `e` adds
 *
 *   sign * lambda * lipReg(e)      (mean over batch, features, steps of (e_{k+1} - e_k)^2)
 *
 * to the model's losses on training calls (`this.addLoss`, so `model.fit` sees it; in a custom
 * loop call the model with `{ training: true }` and add `...model.calculateLosses()`).
 * `sign: 'smooth'` for state space models ("S4 + Emb + Lip"), `'sharpen'` for Transformers.
 * Serializable (className 'LipRegEmbedding'); known to `lipschitzBound` (identity: 1; with a
 * convolution: the convolution's certified operator norm). The loss is a penalty, not a bound.
 */
export class LipRegEmbedding extends tfl.layers.Layer {
  static readonly className = 'LipRegEmbedding';
  readonly lambda: number;
  readonly sign: LipRegSign | undefined;
  readonly axis: LipRegAxis;
  readonly normalize: LipRegNormalize;
  readonly filters: number | undefined;
  readonly kernelSize: number;
  readonly useBias: boolean;
  /** The signed weight `sign * lambda`. */
  readonly factor: number;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  private readonly recorded = new TrainingLosses();

  constructor(config: LipRegEmbeddingConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    super(config);
    this.lambda = config.lambda ?? 1;
    this.sign = config.sign;
    this.factor = signedLambda(this.lambda, this.sign, 'config');
    const { axis, normalize } = checkLipRegOptions({ axis: config.axis, normalize: config.normalize }, 'config');
    this.axis = axis;
    this.normalize = normalize;
    this.filters = config.filters === undefined || config.filters === null
      ? undefined : checkNumber('config.filters', config.filters, { min: 1, integer: true });
    this.kernelSize = checkNumber('config.kernelSize', config.kernelSize ?? 3, { min: 1, integer: true });
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw new LipkitError('config.useBias', 'must be a boolean');
    this.useBias = config.useBias ?? true;
    this.addLoss(() => this.recorded.read());
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 3 && !(shape.length === 2 && this.filters === undefined)) {
      throw new LipkitError('inputShape', `LipRegEmbedding expects [batch, time, channels]${this.filters === undefined ? ' or [batch, time]' : ''}, got [${shape.join(', ')}]`);
    }
    if (this.filters !== undefined) {
      const channels = shape[2];
      if (channels === null) throw new LipkitError('inputShape', 'the channel axis must be known');
      this.kernel = this.addWeight('kernel', [this.kernelSize, channels, this.filters], 'float32',
        tfl.initializers.glorotUniform({}));
      if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return this.filters === undefined ? shape : [shape[0], shape[1], this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const out = tf.tidy(() => {
      if (this.kernel === null) return x;
      let y: tf.Tensor = tf.conv1d(x as tf.Tensor3D, this.kernel.read() as tf.Tensor3D, 1, 'same');
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return y;
    });
    if (kwargs?.training === true) {
      this.recorded.record(() => tf.mul(this.factor, lipReg(out, { axis: this.axis, normalize: this.normalize, skipChecks: true })) as tf.Scalar);
    }
    return out;
  }

  /** Disposes the layer's weights and its kept training losses. */
  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.recorded.dispose();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(), lambda: this.lambda, axis: this.axis, normalize: this.normalize,
      kernelSize: this.kernelSize, useBias: this.useBias,
    };
    if (this.sign !== undefined) config.sign = this.sign;
    if (this.filters !== undefined) config.filters = this.filters;
    return config;
  }
}
tf.serialization.registerClass(LipRegEmbedding);

registerLipschitzRule(LipRegEmbedding.className, (layer, ctx) => {
  const kernel = layerWeight(layer, 'kernel');
  if (kernel === undefined) return { kind: 'steps', steps: [] };
  const shape = ctx.inputShapes[0];
  const inputShape = shape && shape.length === 2 && shape.every((s) => s !== null) ? [...(shape as number[])] : null;
  return {
    kind: 'steps',
    steps: [{ kind: 'linear', piece: { kind: 'conv', kernel: kernel.data, kernelShape: kernel.shape, inputShape, strides: [1], padding: 'same', dilation: [1] } }],
  };
});

/** `new LipRegEmbedding(config)`. */
export function lipRegEmbedding(config: LipRegEmbeddingConfig = {}): LipRegEmbedding {
  return new LipRegEmbedding(config);
}
