import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/**
 * Mean over time, optionally restricted to kept positions: inputs x [batch, time, features] or
 * [x, mask] with mask [batch, time] (entries > 0.5 kept, others padding),
 *
 *   out[b] = sum_t m[b, t] x[b, t] / max(1, sum_t m[b, t])
 *
 * so padded positions do not influence the result (an all-padding row gives 0). Serializable
 * (className 'MaskedMeanPooling'). Lipschitz 1/sqrt(T_kept) in L2 per row (a mean).
 */
export class MaskedMeanPooling extends tfl.layers.Layer {
  static readonly className = 'MaskedMeanPooling';

  constructor(config: LayerArgs = {}) {
    super(config);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 3) throw new LipkitError('inputShape', `MaskedMeanPooling expects [batch, time, features], got [${shape.join(', ')}]`);
    return [shape[0], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, mask] = Array.isArray(inputs) ? inputs : [inputs, undefined];
    return tf.tidy(() => {
      if (x.rank !== 3) throw new LipkitError('inputs', `expected [batch, time, features], got [${x.shape.join(', ')}]`);
      if (mask === undefined) return tf.mean(x, 1);
      if (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1]) {
        throw new LipkitError('mask', `must have shape [batch, time] = [${x.shape[0]}, ${x.shape[1]}], got [${mask.shape.join(', ')}]`);
      }
      const m = tf.cast(tf.greater(tf.cast(mask, 'float32'), 0.5), 'float32');
      const total = tf.sum(tf.mul(x, tf.expandDims(m, 2)), 1);
      return tf.div(total, tf.expandDims(tf.maximum(tf.sum(m, 1), 1), 1));
    });
  }
}
tf.serialization.registerClass(MaskedMeanPooling);

/** The last time step: [batch, time, features] -> [batch, features]. Serializable (className 'LastTimeStep'). */
export class LastTimeStep extends tfl.layers.Layer {
  static readonly className = 'LastTimeStep';

  constructor(config: LayerArgs = {}) {
    super(config);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 3) throw new LipkitError('inputShape', `LastTimeStep expects [batch, time, features], got [${shape.join(', ')}]`);
    return [shape[0], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const [b, t, f] = x.shape as [number, number, number];
      return tf.reshape(tf.slice(x, [0, t - 1, 0], [b, 1, f]), [b, f]);
    });
  }
}
tf.serialization.registerClass(LastTimeStep);

/** Options of `classificationHead`. */
export interface ClassificationHeadOptions {
  /** Number of classes (required). */
  classes: number;
  /** Padding mask input [batch, time] (1 kept, 0 padding); default none (plain mean). */
  mask?: tfl.SymbolicTensor;
  /** 'linear' (default, logits for a from-logits loss) or 'softmax'. */
  activation?: 'linear' | 'softmax';
  /** Name prefix of the two layers, default tfjs's names. */
  name?: string;
}

/**
 * Classification head of the LRA/S4 models: masked mean pooling over time, then a Dense layer to
 * the classes: logits = W mean_t(x) + b. Applies to a symbolic [batch, time, features] tensor and
 * returns the symbolic [batch, classes] output (functional API).
 */
export function classificationHead(features: tfl.SymbolicTensor, options: ClassificationHeadOptions): tfl.SymbolicTensor {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const units = checkNumber('options.classes', options.classes, { min: 1, integer: true });
  const activation = options.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'softmax') throw new LipkitError('options.activation', `must be 'linear' or 'softmax', got ${String(activation)}`);
  if (features.shape.length !== 3) throw new LipkitError('features', `must be [batch, time, features], got [${features.shape.join(', ')}]`);
  const pool = new MaskedMeanPooling({ name: options.name === undefined ? undefined : `${options.name}_pool` });
  const pooled = pool.apply(options.mask === undefined ? features : [features, options.mask]) as tfl.SymbolicTensor;
  return tfl.layers.dense({ units, activation, name: options.name === undefined ? undefined : `${options.name}_dense` }).apply(pooled) as tfl.SymbolicTensor;
}

/** Options of `forecastingHead`. */
export interface ForecastingHeadOptions {
  /** Number of future steps predicted (required). */
  horizon: number;
  /** Number of predicted variables per step (required; 1 for univariate forecasting). */
  features: number;
  /** 'flatten' (default): Dense on the flattened [time * width] sequence; 'last': Dense on the last time step only. */
  mode?: 'flatten' | 'last';
  /** Name prefix of the layers, default tfjs's names. */
  name?: string;
}

/**
 * Forecasting head: maps the encoded input window [batch, time, width] to [batch, horizon, features].
 * 'flatten' (default): y = reshape(W vec(x) + b), every output step sees every input step (the
 * linear "flatten head" of direct multi-step forecasters; needs a known time length).
 * 'last': y = reshape(W x[:, T-1] + b), only the last state (natural for causal models such as a
 * unidirectional S4D, whose last output summarizes the window). Functional API; returns the
 * symbolic output.
 */
export function forecastingHead(encoded: tfl.SymbolicTensor, options: ForecastingHeadOptions): tfl.SymbolicTensor {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const horizon = checkNumber('options.horizon', options.horizon, { min: 1, integer: true });
  const outFeatures = checkNumber('options.features', options.features, { min: 1, integer: true });
  const mode = options.mode ?? 'flatten';
  if (mode !== 'flatten' && mode !== 'last') throw new LipkitError('options.mode', `must be 'flatten' or 'last', got ${String(mode)}`);
  const shape = encoded.shape;
  if (shape.length !== 3 || shape[1] === null || shape[2] === null) {
    throw new LipkitError('encoded', `must be [batch, time, width] with known time and width, got [${shape.join(', ')}]`);
  }
  const n = (suffix: string): string | undefined => (options.name === undefined ? undefined : `${options.name}_${suffix}`);
  let h: tfl.SymbolicTensor = encoded;
  h = (mode === 'last' ? new LastTimeStep({ name: n('last') }) : tfl.layers.flatten({ name: n('flatten') })).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: horizon * outFeatures, name: n('dense') }).apply(h) as tfl.SymbolicTensor;
  return tfl.layers.reshape({ targetShape: [horizon, outFeatures], name: n('reshape') }).apply(h) as tfl.SymbolicTensor;
}
