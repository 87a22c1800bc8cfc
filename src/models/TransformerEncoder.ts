import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import {
  addAttentionVariables, checkAttentionConfig, multiHeadSelfAttention, readAttention, resolveKeyDim,
  sequenceAndMask, sequenceShape, type AttentionVariables,
} from './MultiHeadAttention.js';
import { layerNorm } from './LayerNorm.js';

export { layerNorm };
import { addPositions, checkMaxLength, checkPositionalKind, learnedPositionsInitializer, type PositionalKind } from './positionalEncoding.js';

/** Where LayerNorm sits: after each residual sum (Vaswani, 'post') or before each sublayer ('pre'). */
export type NormPlacement = 'post' | 'pre';

/** Feed-forward activations of `TransformerEncoder`. */
export type FeedForwardActivation = 'relu' | 'gelu';

/** Configuration of `TransformerEncoder`. */
export interface TransformerEncoderConfig extends LayerArgs {
  /** Number of encoder blocks, default 2. */
  depth?: number;
  /** Attention heads per block, default 1. */
  heads?: number;
  /** Width of each head, default dModel / heads. */
  keyDim?: number;
  /** Hidden width of the feed-forward network, default 4 * dModel. */
  ffUnits?: number;
  /** Feed-forward activation: 'relu' (default, Vaswani) or 'gelu' (exact, erf form). */
  activation?: FeedForwardActivation;
  /** 'post' (default: Vaswani's standard post-LN, as in the paper's Transformers) or 'pre' (plus a final LayerNorm). */
  norm?: NormPlacement;
  /** Positions added to the input: 'sinusoidal' (default), 'learned' (needs maxLength) or 'none'. */
  positional?: PositionalKind;
  /** Longest sequence for learned positions. */
  maxLength?: number;
  /** LayerNorm epsilon, default 1e-5 (PyTorch's; tfjs-layers' LayerNormalization uses 1e-3). */
  epsilon?: number;
  /** Dropout rate during training (attention probabilities and each sublayer's output), default 0. */
  dropout?: number;
  /** Biases in the attention projections, default true. */
  useBias?: boolean;
  /** Seed of the initializers, default 0. */
  seed?: number;
}

interface Block {
  attention: AttentionVariables;
  norm1: [tfl.LayerVariable, tfl.LayerVariable];
  norm2: [tfl.LayerVariable, tfl.LayerVariable];
  ff1: [tfl.LayerVariable, tfl.LayerVariable];
  ff2: [tfl.LayerVariable, tfl.LayerVariable];
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/**
 * A stack of `depth` Transformer encoder blocks (Vaswani et al. 2017) on [batch, time, dModel],
 * after adding positions P (sinusoidal, learned or none). With A = multi-head self-attention
 * (`multiHeadSelfAttention`), F(h) = act(h W1 + b1) W2 + b2 and LN = LayerNorm (learned gain
 * and bias), each block computes
 *
 *   post-LN (default):  h = LN1(x + A(x)),      y = LN2(h + F(h))
 *   pre-LN:             h = x + A(LN1(x)),      y = h + F(LN2(h))      (final LN after the stack)
 *
 * Input `x` or `[x, mask]` with a padding mask [batch, time] (1 = keep, 0 = pad; a propagated
 * tfjs-layers mask is used too): outputs at kept positions do not depend on padded inputs;
 * outputs at padded positions are unspecified. Without positions the map is permutation
 * equivariant. One layer holding all weights (`block{i}_...`); serializable (className
 * 'LipkitTransformerEncoder'). Attention and LayerNorm have no finite certified Lipschitz
 * bound (Kim et al. 2021), so `lipschitzBound` rejects this layer by name.
 */
export class TransformerEncoder extends tfl.layers.Layer {
  static readonly className = 'LipkitTransformerEncoder';
  readonly depth: number;
  readonly heads: number;
  readonly keyDim: number | undefined;
  readonly ffUnits: number | undefined;
  readonly activation: FeedForwardActivation;
  readonly norm: NormPlacement;
  readonly positional: PositionalKind;
  readonly maxLength: number | undefined;
  readonly epsilon: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly seed: number;
  private blocks: Block[] = [];
  private finalNorm: [tfl.LayerVariable, tfl.LayerVariable] | null = null;
  private positions: tfl.LayerVariable | null = null;

  constructor(config: TransformerEncoderConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const attention = checkAttentionConfig(config);
    const depth = checkNumber('config.depth', config.depth ?? 2, { min: 1, max: 1000, integer: true });
    const ffUnits = config.ffUnits === undefined || config.ffUnits === null ? undefined : checkNumber('config.ffUnits', config.ffUnits, { min: 1, max: 1e6, integer: true });
    const activation = config.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu') throw new LipkitError('config.activation', `must be 'relu' or 'gelu', got ${String(activation)}`);
    const norm = config.norm ?? 'post';
    if (norm !== 'post' && norm !== 'pre') throw new LipkitError('config.norm', `must be 'post' or 'pre', got ${String(norm)}`);
    const positional = checkPositionalKind('config.positional', config.positional ?? 'sinusoidal');
    const maxLength = checkMaxLength(positional, config.maxLength);
    const epsilon = checkNumber('config.epsilon', config.epsilon ?? 1e-5, { min: 0, exclusiveMin: true });
    super(config);
    this.depth = depth;
    this.heads = attention.heads;
    this.keyDim = attention.keyDim;
    this.ffUnits = ffUnits;
    this.activation = activation;
    this.norm = norm;
    this.positional = positional;
    this.maxLength = maxLength;
    this.epsilon = epsilon;
    this.dropout = attention.dropout;
    this.useBias = attention.useBias;
    this.seed = attention.seed;
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = sequenceShape(inputShape, 'TransformerEncoder');
    const d = shape[2] as number;
    const width = this.heads * resolveKeyDim(d, this.heads, this.keyDim);
    const ff = this.ffUnits ?? 4 * d;
    const add = (name: string, s: number[], init: Initializer): tfl.LayerVariable => this.addWeight(name, s, 'float32', init);
    const ones = tfl.initializers.ones();
    const zeros = tfl.initializers.zeros();
    const normPair = (name: string): [tfl.LayerVariable, tfl.LayerVariable] => [add(`${name}_gamma`, [d], ones), add(`${name}_beta`, [d], zeros)];
    const glorot = (i: number): Initializer => tfl.initializers.glorotUniform({ seed: this.seed * 1000 + 500 + i });
    if (this.positional === 'learned') {
      if (shape[1] !== null && shape[1] > (this.maxLength as number)) {
        throw new LipkitError('config.maxLength', `is ${this.maxLength}, shorter than the input length ${shape[1]}`);
      }
      this.positions = add('positions', [this.maxLength as number, d], learnedPositionsInitializer(this.seed));
    }
    this.blocks = [];
    for (let i = 0; i < this.depth; i++) {
      const p = `block${i}_`;
      this.blocks.push({
        attention: addAttentionVariables(add, `${p}attention_`, d, width, this.useBias, this.seed * 100 + i),
        norm1: normPair(`${p}norm1`),
        ff1: [add(`${p}ff1_kernel`, [d, ff], glorot(2 * i)), add(`${p}ff1_bias`, [ff], zeros)],
        ff2: [add(`${p}ff2_kernel`, [ff, d], glorot(2 * i + 1)), add(`${p}ff2_bias`, [d], zeros)],
        norm2: normPair(`${p}norm2`),
      });
    }
    this.finalNorm = this.norm === 'pre' ? normPair('final_norm') : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return sequenceShape(inputShape, 'TransformerEncoder');
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const { x, mask } = sequenceAndMask(inputs, kwargs, 'TransformerEncoder');
    if (this.blocks.length === 0) throw new LipkitError('layer', `TransformerEncoder '${this.name}' is not built`);
    const d = this.blocks[0].norm1[0].shape[0];
    if (x.shape[2] !== d) throw new LipkitError('inputs', `expected dModel ${d}, got [${x.shape.join(', ')}]`);
    const rate = kwargs?.training === true ? this.dropout : 0;
    return tf.tidy(() => {
      const drop = (t: tf.Tensor): tf.Tensor => (rate > 0 ? tf.dropout(t, rate) : t);
      const ln = (t: tf.Tensor, [g, b]: [tfl.LayerVariable, tfl.LayerVariable]): tf.Tensor => layerNorm(t, g.read(), b.read(), this.epsilon);
      let h = addPositions(x, this.positional, this.positions);
      for (const block of this.blocks) {
        const attend = (t: tf.Tensor): tf.Tensor => drop(multiHeadSelfAttention(t, readAttention(block.attention), { heads: this.heads, mask, dropout: rate }));
        const feed = (t: tf.Tensor): tf.Tensor => drop(this.feedForward(t, block));
        if (this.norm === 'post') {
          h = ln(tf.add(h, attend(h)), block.norm1);
          h = ln(tf.add(h, feed(h)), block.norm2);
        } else {
          h = tf.add(h, attend(ln(h, block.norm1)));
          h = tf.add(h, feed(ln(h, block.norm2)));
        }
      }
      return this.finalNorm === null ? h : ln(h, this.finalNorm);
    });
  }

  private feedForward(t: tf.Tensor, block: Block): tf.Tensor {
    const [batch, time, d] = t.shape as [number, number, number];
    const t2 = tf.reshape(t, [batch * time, d]) as tf.Tensor2D;
    const pre = tf.add(tf.matMul(t2, block.ff1[0].read() as tf.Tensor2D), block.ff1[1].read());
    const hidden = this.activation === 'relu' ? tf.relu(pre) : gelu(pre);
    const out = tf.add(tf.matMul(hidden as tf.Tensor2D, block.ff2[0].read() as tf.Tensor2D), block.ff2[1].read());
    return tf.reshape(out, [batch, time, d]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(), depth: this.depth, heads: this.heads, activation: this.activation, norm: this.norm,
      positional: this.positional, epsilon: this.epsilon, dropout: this.dropout, useBias: this.useBias, seed: this.seed,
    };
    if (this.keyDim !== undefined) config.keyDim = this.keyDim;
    if (this.ffUnits !== undefined) config.ffUnits = this.ffUnits;
    if (this.maxLength !== undefined) config.maxLength = this.maxLength;
    return config;
  }
}
tf.serialization.registerClass(TransformerEncoder);

/** `new TransformerEncoder(config)`. */
export function transformerEncoder(config: TransformerEncoderConfig = {}): TransformerEncoder {
  return new TransformerEncoder(config);
}
