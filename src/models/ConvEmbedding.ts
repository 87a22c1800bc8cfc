import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** Options of `convEmbedding`. */
export interface ConvEmbeddingOptions {
  /** Output channels, the model width (required). */
  filters: number;
  /** Kernel size, default 3. */
  kernelSize?: number;
  /** Add a bias, default true. */
  useBias?: boolean;
  /** Layer name, default tfjs's. */
  name?: string;
  /** Seed of the Glorot-uniform kernel initializer, default unseeded. */
  seed?: number;
}

/**
 * The 1-D convolution embedding ("Emb") of "Data Continuity Matters" (Qu et al., ICLR 2023): a
 * tfjs-layers Conv1D [batch, time, channels] -> [batch, time, filters], stride 1, padding 'same'
 * (the sequence length is kept), kernel size 3 by default:
 *
 *   e[t] = b + sum_{j} W[j] x[t + j - floor((k-1)/2)]      (zeros outside the sequence)
 *
 * A documented factory over `tf.layers.conv1d` (serializes as Conv1D). To add the Lipschitz
 * regularizer on its output use `LipRegEmbedding` (which can hold the same convolution itself).
 */
export function convEmbedding(options: ConvEmbeddingOptions): tfl.layers.Layer {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const filters = checkNumber('options.filters', options.filters, { min: 1, integer: true });
  const kernelSize = checkNumber('options.kernelSize', options.kernelSize ?? 3, { min: 1, integer: true });
  if (options.useBias !== undefined && typeof options.useBias !== 'boolean') throw new LipkitError('options.useBias', 'must be a boolean');
  const seed = options.seed === undefined ? undefined : checkNumber('options.seed', options.seed, { integer: true, min: 1 });
  return tfl.layers.conv1d({
    filters, kernelSize, strides: 1, padding: 'same', useBias: options.useBias ?? true,
    kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: options.name,
  });
}

/** Options of `tokenEmbedding`. */
export interface TokenEmbeddingOptions {
  /** Number of distinct tokens (ids 0 .. vocabulary-1), required. */
  vocabulary: number;
  /** Embedding width, the model width (required). */
  width: number;
  /** Standard deviation of the normal initializer, default 1 (PyTorch's nn.Embedding). */
  std?: number;
  /** Layer name, default tfjs's. */
  name?: string;
  /** Seed of the initializer, default unseeded. */
  seed?: number;
}

/**
 * Token embedding for discrete inputs: a tfjs-layers Embedding [batch, time] (integer ids) ->
 * [batch, time, width], e[t] = E[x_t], initialized N(0, std^2) (std 1 as PyTorch's nn.Embedding,
 * which the paper's models use). Id 0 is an ordinary token (no mask; pass a padding mask to the
 * head instead). A documented factory over `tf.layers.embedding`. Gradients train on wasm thanks
 * to lipkit's UnsortedSegmentSum kernel.
 */
export function tokenEmbedding(options: TokenEmbeddingOptions): tfl.layers.Layer {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const inputDim = checkNumber('options.vocabulary', options.vocabulary, { min: 1, integer: true });
  const outputDim = checkNumber('options.width', options.width, { min: 1, integer: true });
  const stddev = checkNumber('options.std', options.std ?? 1, { min: 0, exclusiveMin: true });
  const seed = options.seed === undefined ? undefined : checkNumber('options.seed', options.seed, { integer: true, min: 1 });
  return tfl.layers.embedding({
    inputDim, outputDim, embeddingsInitializer: tfl.initializers.randomNormal({ mean: 0, stddev, seed }), name: options.name,
  });
}
