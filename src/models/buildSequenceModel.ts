import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { LipRegEmbedding } from '../regularize/LipRegEmbedding.js';
import type { LipRegSign } from '../regularize/lipRegSign.js';
import { S4D, type S4DConfig } from './S4D.js';
import { LayerNorm } from './LayerNorm.js';
import { convEmbedding, tokenEmbedding } from './ConvEmbedding.js';
import { classificationHead, forecastingHead } from './heads.js';

/** What the model predicts. */
export type SequenceTask =
  | { kind: 'classification'; classes: number }
  | { kind: 'forecast'; horizon: number; features: number; mode?: 'flatten' | 'last' };

/** Options of `buildSequenceModel`. */
export interface SequenceModelOptions {
  /** Only 's4d' here (the Transformer encoder is built from `TransformerEncoder`). */
  model: 's4d';
  /** 'continuous': inputs [batch, length, channels] floats; 'tokens': [batch, length] integer ids. */
  input: 'continuous' | 'tokens';
  /** Sequence length (required: the forecasting head and the masks need it). */
  length: number;
  /** Input channels for 'continuous' (default 1). */
  channels?: number;
  /** Vocabulary size for 'tokens' (required then). */
  vocabulary?: number;
  /** Model width H, default 64. */
  width?: number;
  /** Number of S4D blocks, default 2. */
  depth?: number;
  /** 'linear' (default: a Dense projection, S4's encoder) or 'conv' (the paper's 1-D conv "Emb", kernel 3). */
  embedding?: 'linear' | 'conv';
  /** Lipschitz regularizer on the embedding output ("+Lip"); default none. */
  lipReg?: { lambda: number; sign?: LipRegSign };
  /** Options passed to every S4D layer (stateSize, init, bidirectional, ...). */
  s4d?: Omit<S4DConfig, 'name' | 'seed'>;
  /** The head. */
  task: SequenceTask;
  /** Add a padding-mask input [batch, length] used by the classification head; default false. */
  mask?: boolean;
  /** Seed of the S4D initializations (block i uses seed + i), default 0. */
  seed?: number;
}

/**
 * A small S4D sequence model (functional tfjs-layers model), following the S4 reference model:
 *
 *   e = Emb(x) [+ sign * lambda * L_Lip(e) as a training loss]
 *   for each block: z = LayerNorm(h); h = h + S4D(z)          (pre-norm residual blocks)
 *   out = head(LayerNorm(h))   (classification: masked mean + Dense; forecast: [horizon, features])
 *
 * Emb is a Dense projection ('linear') or the paper's 1-D convolution ('conv', Qu et al. 2023);
 * tokens go through `tokenEmbedding` first. With `lipReg` the embedding output carries the
 * `LipRegEmbedding` loss. No dropout.
 */
export function buildSequenceModel(options: SequenceModelOptions): tfl.LayersModel {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  if (options.model !== 's4d') throw new LipkitError('options.model', `must be 's4d', got ${String(options.model)}`);
  if (options.input !== 'continuous' && options.input !== 'tokens') throw new LipkitError('options.input', `must be 'continuous' or 'tokens', got ${String(options.input)}`);
  const length = checkNumber('options.length', options.length, { min: 2, integer: true });
  const width = checkNumber('options.width', options.width ?? 64, { min: 1, integer: true });
  const depth = checkNumber('options.depth', options.depth ?? 2, { min: 1, integer: true });
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, integer: true });
  const embedding = options.embedding ?? 'linear';
  if (embedding !== 'linear' && embedding !== 'conv') throw new LipkitError('options.embedding', `must be 'linear' or 'conv', got ${String(embedding)}`);
  const task = options.task;
  if (task === null || typeof task !== 'object' || (task.kind !== 'classification' && task.kind !== 'forecast')) {
    throw new LipkitError('options.task', "must be { kind: 'classification', classes } or { kind: 'forecast', horizon, features }");
  }
  if (options.mask === true && task.kind !== 'classification') throw new LipkitError('options.mask', 'is only used by the classification head');

  let input: tfl.SymbolicTensor;
  let h: tfl.SymbolicTensor;
  if (options.input === 'tokens') {
    const vocabulary = checkNumber('options.vocabulary', options.vocabulary, { min: 1, integer: true });
    input = tfl.input({ shape: [length] });
    h = tokenEmbedding({ vocabulary, width, seed: seed + 1000 }).apply(input) as tfl.SymbolicTensor;
  } else {
    const channels = checkNumber('options.channels', options.channels ?? 1, { min: 1, integer: true });
    input = tfl.input({ shape: [length, channels] });
    h = input;
  }
  const lip = options.lipReg;
  if (lip !== undefined) checkNumber('options.lipReg.lambda', lip?.lambda, { min: lip?.sign === undefined ? -Infinity : 0 });
  if (embedding === 'conv' && lip === undefined) {
    h = convEmbedding({ filters: width, kernelSize: 3 }).apply(h) as tfl.SymbolicTensor;
  } else if (embedding === 'conv') {
    h = new LipRegEmbedding({ filters: width, kernelSize: 3, lambda: lip?.lambda, sign: lip?.sign, name: 'embedding' }).apply(h) as tfl.SymbolicTensor;
  } else {
    if (options.input === 'continuous') h = tfl.layers.dense({ units: width }).apply(h) as tfl.SymbolicTensor;
    if (lip !== undefined) h = new LipRegEmbedding({ lambda: lip.lambda, sign: lip.sign, name: 'embedding' }).apply(h) as tfl.SymbolicTensor;
  }
  for (let i = 0; i < depth; i++) {
    const z = new LayerNorm().apply(h) as tfl.SymbolicTensor;
    const y = new S4D({ ...(options.s4d ?? {}), seed: seed + i }).apply(z) as tfl.SymbolicTensor;
    h = tfl.layers.add().apply([h, y]) as tfl.SymbolicTensor;
  }
  h = new LayerNorm().apply(h) as tfl.SymbolicTensor;
  if (task.kind === 'classification') {
    const maskInput = options.mask === true ? tfl.input({ shape: [length] }) : undefined;
    const out = classificationHead(h, { classes: task.classes, mask: maskInput });
    return tfl.model({ inputs: maskInput === undefined ? input : [input, maskInput], outputs: out });
  }
  return tfl.model({ inputs: input, outputs: forecastingHead(h, { horizon: task.horizon, features: task.features, mode: task.mode }) });
}
