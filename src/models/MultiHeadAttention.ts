import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** The projection weights of one multi-head self-attention (biases null when unused). */
export interface AttentionWeights {
  /** [dModel, heads * keyDim] each. */
  query: tf.Tensor2D; key: tf.Tensor2D; value: tf.Tensor2D;
  /** [heads * keyDim] each, or null. */
  queryBias: tf.Tensor1D | null; keyBias: tf.Tensor1D | null; valueBias: tf.Tensor1D | null;
  /** [heads * keyDim, dModel]. */
  output: tf.Tensor2D;
  /** [dModel], or null. */
  outputBias: tf.Tensor1D | null;
}

/** Options of `multiHeadSelfAttention`. */
export interface SelfAttentionOptions {
  /** Number of heads h (the projections' width must be h * keyDim). */
  heads: number;
  /** Padding mask [batch, time]: entries > 0.5 are kept, the others are padding (never attended to). Default none. */
  mask?: tf.Tensor | null;
  /** Dropout rate on the attention probabilities, default 0 (applied only when > 0). */
  dropout?: number;
  /** Seed of that dropout. */
  seed?: number;
}

/** Additive bias of masked keys: exp(-1e9 + s) is exactly 0 in float32 for any sane score s. */
export const MASK_BIAS = -1e9;

function project(x2: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  const y = tf.matMul(x2, w) as tf.Tensor2D;
  return b === null ? y : (tf.add(y, b) as tf.Tensor2D);
}

/** [batch*time, h*k] -> [batch*h, time, k]. */
function splitHeads(y: tf.Tensor2D, batch: number, time: number, heads: number, keyDim: number): tf.Tensor3D {
  const y4 = tf.reshape(y, [batch, time, heads, keyDim]);
  return tf.reshape(tf.transpose(y4, [0, 2, 1, 3]), [batch * heads, time, keyDim]);
}

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017, "Attention Is All You
 * Need") on x of shape [batch, time, dModel]:
 *
 *   Q_i = x W^Q_i + b^Q_i,  K_i = x W^K_i + b^K_i,  V_i = x W^V_i + b^V_i     (i = 1..h, width k)
 *   head_i = softmax(Q_i K_i^T / sqrt(k) + M) V_i,   M[., s] = 0 if mask[s] kept, else -1e9
 *   out = [head_1, ..., head_h] W^O + b^O
 *
 * Outputs at kept positions do not depend on the inputs at padded positions. Rows whose keys
 * are all padded attend uniformly (their outputs are meaningless, as for any padded query).
 * Pure tensor function (differentiable; every matrix product is a plain or batched matMul).
 */
export function multiHeadSelfAttention(x: tf.Tensor, weights: AttentionWeights, options: SelfAttentionOptions): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, time, dModel] = x.shape as [number, number, number];
    const { heads } = options;
    const width = weights.query.shape[1];
    if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0) throw new LipkitError('options.heads', `must be a positive integer dividing the projection width ${width}, got ${heads}`);
    const keyDim = width / heads;
    const x2 = tf.reshape(x, [batch * time, dModel]) as tf.Tensor2D;
    const q = splitHeads(project(x2, weights.query, weights.queryBias), batch, time, heads, keyDim);
    const k = splitHeads(project(x2, weights.key, weights.keyBias), batch, time, heads, keyDim);
    const v = splitHeads(project(x2, weights.value, weights.valueBias), batch, time, heads, keyDim);
    let scores: tf.Tensor = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(keyDim)); // [b*h, t, t]
    if (options.mask !== undefined && options.mask !== null) {
      const keep = tf.cast(tf.greater(tf.cast(options.mask, 'float32'), 0.5), 'float32');
      const bias = tf.reshape(tf.mul(tf.sub(1, keep), MASK_BIAS), [batch, 1, 1, time]);
      scores = tf.reshape(tf.add(tf.reshape(scores, [batch, heads, time, time]), bias), [batch * heads, time, time]);
    }
    let probs = tf.softmax(scores);
    if (options.dropout !== undefined && options.dropout > 0) probs = tf.dropout(probs, options.dropout, undefined, options.seed);
    const context = tf.matMul(probs, v) as tf.Tensor3D; // [b*h, t, k]
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [batch, heads, time, keyDim]), [0, 2, 1, 3]), [batch * time, width]) as tf.Tensor2D;
    return tf.reshape(project(merged, weights.output, weights.outputBias), [batch, time, dModel]) as tf.Tensor3D;
  });
}

/**
 * Splits a layer's inputs into the sequence and an optional padding mask: `x` or `[x, mask]`
 * (or tfjs-layers' propagated `kwargs.mask`), validating shapes [batch, time, d] and [batch, time].
 */
export function sequenceAndMask(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> | undefined, layer: string): { x: tf.Tensor3D; mask: tf.Tensor | null } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length < 1 || list.length > 2) throw new LipkitError('inputs', `${layer} takes x or [x, mask], got ${list.length} tensors`);
  const x = list[0];
  if (x.rank !== 3) throw new LipkitError('inputs', `${layer} expects x of shape [batch, time, dModel], got [${x.shape.join(', ')}]`);
  const fromKwargs = kwargs?.mask;
  const mask = list.length === 2 ? list[1] : fromKwargs instanceof tf.Tensor ? fromKwargs : null;
  if (mask !== null && (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])) {
    throw new LipkitError('mask', `must have shape [batch, time] = [${x.shape[0]}, ${x.shape[1]}], got [${mask.shape.join(', ')}]`);
  }
  return { x: x as tf.Tensor3D, mask };
}

/** The sequence shape among a layer's input shapes (`x` or `[x, mask]`). */
export function sequenceShape(inputShape: tfl.Shape | tfl.Shape[], layer: string): tfl.Shape {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  if (shape.length !== 3 || shape[2] === null) {
    throw new LipkitError('inputShape', `${layer} expects [batch, time, dModel] with known dModel, got [${shape.join(', ')}]`);
  }
  return shape;
}

/** Configuration of `MultiHeadAttention`. */
export interface MultiHeadAttentionConfig extends LayerArgs {
  /** Number of heads, default 1. */
  heads?: number;
  /** Width of each head; default dModel / heads (then dModel must be divisible by heads). */
  keyDim?: number;
  /** Biases on the four projections, default true. */
  useBias?: boolean;
  /** Dropout rate on the attention probabilities during training, default 0 (none). */
  dropout?: number;
  /** Seed of the Glorot-uniform initializers, default 0. */
  seed?: number;
}

/** Validated attention hyperparameters (shared with `TransformerEncoder`). */
export function checkAttentionConfig(config: { heads?: number; keyDim?: number; dropout?: number; seed?: number; useBias?: boolean }): { heads: number; keyDim: number | undefined; dropout: number; seed: number; useBias: boolean } {
  const heads = checkNumber('config.heads', config.heads ?? 1, { min: 1, max: 4096, integer: true });
  const keyDim = config.keyDim === undefined || config.keyDim === null ? undefined : checkNumber('config.keyDim', config.keyDim, { min: 1, max: 1e6, integer: true });
  const dropout = checkNumber('config.dropout', config.dropout ?? 0, { min: 0 });
  if (dropout >= 1) throw new LipkitError('config.dropout', `must be < 1, got ${dropout}`);
  const seed = checkNumber('config.seed', config.seed ?? 0, { integer: true });
  if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw new LipkitError('config.useBias', 'must be a boolean');
  return { heads, keyDim, dropout, seed, useBias: config.useBias ?? true };
}

/** keyDim, checking dModel % heads when it is derived. */
export function resolveKeyDim(dModel: number, heads: number, keyDim: number | undefined): number {
  if (keyDim !== undefined) return keyDim;
  if (dModel % heads !== 0) throw new LipkitError('config.heads', `dModel ${dModel} is not divisible by heads ${heads}; set config.keyDim`);
  return dModel / heads;
}

type AddWeight = (name: string, shape: number[], init: Initializer) => tfl.LayerVariable;

/** The variables of one attention block, created through a layer's `addWeight` under `prefix`. */
export interface AttentionVariables {
  query: tfl.LayerVariable; key: tfl.LayerVariable; value: tfl.LayerVariable; output: tfl.LayerVariable;
  queryBias: tfl.LayerVariable | null; keyBias: tfl.LayerVariable | null; valueBias: tfl.LayerVariable | null; outputBias: tfl.LayerVariable | null;
}

/** Creates the attention variables (Glorot-uniform kernels seeded from `seed`, zero biases). */
export function addAttentionVariables(add: AddWeight, prefix: string, dModel: number, width: number, useBias: boolean, seed: number): AttentionVariables {
  const glorot = (i: number): Initializer => tfl.initializers.glorotUniform({ seed: seed * 1000 + i + 1 });
  const zeros = tfl.initializers.zeros();
  const bias = (name: string, n: number): tfl.LayerVariable | null => (useBias ? add(`${prefix}${name}`, [n], zeros) : null);
  return {
    query: add(`${prefix}query_kernel`, [dModel, width], glorot(0)),
    key: add(`${prefix}key_kernel`, [dModel, width], glorot(1)),
    value: add(`${prefix}value_kernel`, [dModel, width], glorot(2)),
    output: add(`${prefix}output_kernel`, [width, dModel], glorot(3)),
    queryBias: bias('query_bias', width), keyBias: bias('key_bias', width), valueBias: bias('value_bias', width), outputBias: bias('output_bias', dModel),
  };
}

/** The current values of attention variables. */
export function readAttention(v: AttentionVariables): AttentionWeights {
  const r = <T extends tf.Tensor>(w: tfl.LayerVariable | null): T | null => (w === null ? null : (w.read() as T));
  return {
    query: v.query.read() as tf.Tensor2D, key: v.key.read() as tf.Tensor2D, value: v.value.read() as tf.Tensor2D, output: v.output.read() as tf.Tensor2D,
    queryBias: r(v.queryBias), keyBias: r(v.keyBias), valueBias: r(v.valueBias), outputBias: r(v.outputBias),
  };
}

/**
 * Multi-head self-attention layer (tfjs-layers has none): `multiHeadSelfAttention` with its
 * own projection weights. Input `x` [batch, time, dModel] or `[x, mask]` with a padding mask
 * [batch, time] (1 = keep, 0 = pad; a propagated tfjs-layers mask is used too); output
 * [batch, time, dModel]. Serializable (className 'LipkitMultiHeadAttention').
 * Self-attention is not globally Lipschitz (Kim et al. 2021, "The Lipschitz Constant of
 * Self-Attention"), so `lipschitzBound` rejects this layer by name: no certified bound.
 */
export class MultiHeadAttention extends tfl.layers.Layer {
  static readonly className = 'LipkitMultiHeadAttention';
  readonly heads: number;
  readonly keyDim: number | undefined;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly seed: number;
  private vars: AttentionVariables | null = null;

  constructor(config: MultiHeadAttentionConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const checked = checkAttentionConfig(config);
    super(config);
    this.heads = checked.heads;
    this.keyDim = checked.keyDim;
    this.useBias = checked.useBias;
    this.dropout = checked.dropout;
    this.seed = checked.seed;
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const dModel = sequenceShape(inputShape, 'MultiHeadAttention')[2] as number;
    const keyDim = resolveKeyDim(dModel, this.heads, this.keyDim);
    this.vars = addAttentionVariables((n, s, i) => this.addWeight(n, s, 'float32', i), '', dModel, this.heads * keyDim, this.useBias, this.seed);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return sequenceShape(inputShape, 'MultiHeadAttention');
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const { x, mask } = sequenceAndMask(inputs, kwargs, 'MultiHeadAttention');
    if (this.vars === null) throw new LipkitError('layer', `MultiHeadAttention '${this.name}' is not built`);
    const dModel = this.vars.query.shape[0];
    if (x.shape[2] !== dModel) throw new LipkitError('inputs', `expected dModel ${dModel}, got [${x.shape.join(', ')}]`);
    const training = kwargs?.training === true;
    return multiHeadSelfAttention(x, readAttention(this.vars), { heads: this.heads, mask, dropout: training ? this.dropout : 0 });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), heads: this.heads, useBias: this.useBias, dropout: this.dropout, seed: this.seed };
    if (this.keyDim !== undefined) config.keyDim = this.keyDim;
    return config;
  }
}
tf.serialization.registerClass(MultiHeadAttention);

/** `new MultiHeadAttention(config)`. */
export function multiHeadAttention(config: MultiHeadAttentionConfig = {}): MultiHeadAttention {
  return new MultiHeadAttention(config);
}
