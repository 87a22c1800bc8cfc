import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** How positions enter a Transformer: fixed sinusoids, a learned table, or not at all. */
export type PositionalKind = 'sinusoidal' | 'learned' | 'none';

const KINDS: readonly PositionalKind[] = ['sinusoidal', 'learned', 'none'];

/** Throws unless `value` is a positional kind. */
export function checkPositionalKind(name: string, value: unknown): PositionalKind {
  if (!KINDS.includes(value as PositionalKind)) throw new LipkitError(name, `must be one of ${KINDS.join(', ')}, got ${String(value)}`);
  return value as PositionalKind;
}

/**
 * The sinusoidal position table of Vaswani et al. (2017), [length, dModel], computed in float64:
 *
 *   PE[p, 2i] = sin(p / 10000^(2i / dModel)),   PE[p, 2i + 1] = cos(p / 10000^(2i / dModel)).
 */
export function sinusoidalPositions(length: number, dModel: number): tf.Tensor2D {
  checkNumber('length', length, { min: 1, integer: true, max: 1e7 });
  checkNumber('dModel', dModel, { min: 1, integer: true, max: 1e6 });
  const table = new Float32Array(length * dModel);
  for (let p = 0; p < length; p++) {
    for (let j = 0; j < dModel; j++) {
      const angle = p / Math.pow(10000, (2 * Math.floor(j / 2)) / dModel);
      table[p * dModel + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(table, [length, dModel]);
}

/** The initializer of learned position tables: normal with std 0.02 (as BERT/GPT), seeded. */
export function learnedPositionsInitializer(seed: number): Initializer {
  return tfl.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seed * 1000 + 999 });
}

/**
 * x + P[:time] for x [batch, time, dModel]: the sinusoidal table, or rows of the learned
 * `table` [maxLength, dModel] (time must be <= maxLength), or x itself for 'none'.
 */
export function addPositions(x: tf.Tensor, kind: PositionalKind, table: tfl.LayerVariable | null): tf.Tensor {
  if (kind === 'none') return x;
  const [, time, dModel] = x.shape as [number, number, number];
  return tf.tidy(() => {
    if (kind === 'sinusoidal') return tf.add(x, sinusoidalPositions(time, dModel));
    if (table === null) throw new LipkitError('layer', 'learned positions are not built');
    const maxLength = table.shape[0] as number;
    if (time > maxLength) throw new LipkitError('inputs', `sequence length ${time} exceeds config.maxLength ${maxLength}`);
    const rows = time === maxLength ? table.read() : tf.slice(table.read(), [0, 0], [time, dModel]);
    return tf.add(x, rows);
  });
}

/** Validates `maxLength` against the kind: required (positive integer) for 'learned'. */
export function checkMaxLength(kind: PositionalKind, maxLength: unknown): number | undefined {
  if (maxLength === undefined || maxLength === null) {
    if (kind === 'learned') throw new LipkitError('config.maxLength', "is required with positional: 'learned'");
    return undefined;
  }
  return checkNumber('config.maxLength', maxLength, { min: 1, integer: true, max: 1e7 });
}

/** Configuration of `PositionalEncoding`. */
export interface PositionalEncodingConfig extends LayerArgs {
  /** 'sinusoidal' (default), 'learned' or 'none'. */
  positional?: PositionalKind;
  /** Longest sequence, required for 'learned' (size of the table). */
  maxLength?: number;
  /** Seed of the learned table's initializer, default 0. */
  seed?: number;
}

/**
 * Adds position information to a sequence [batch, time, dModel]: x + P[:time] with P the
 * Vaswani sinusoids or a learned table [maxLength, dModel] (std-0.02 normal init). An
 * additive shift: its Lipschitz constant is 1, but lipkit does not register a rule for it
 * (it is meant for Transformers, which have no certified bound). Serializable (className
 * 'LipkitPositionalEncoding'). Propagates an incoming tfjs-layers mask unchanged.
 */
export class PositionalEncoding extends tfl.layers.Layer {
  static readonly className = 'LipkitPositionalEncoding';
  readonly positional: PositionalKind;
  readonly maxLength: number | undefined;
  readonly seed: number;
  private table: tfl.LayerVariable | null = null;

  constructor(config: PositionalEncodingConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const positional = checkPositionalKind('config.positional', config.positional ?? 'sinusoidal');
    const maxLength = checkMaxLength(positional, config.maxLength);
    const seed = checkNumber('config.seed', config.seed ?? 0, { integer: true });
    super(config);
    this.positional = positional;
    this.maxLength = maxLength;
    this.seed = seed;
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 3 || shape[2] === null) throw new LipkitError('inputShape', `PositionalEncoding expects [batch, time, dModel], got [${shape.join(', ')}]`);
    if (this.positional === 'learned') {
      if (shape[1] !== null && shape[1] > (this.maxLength as number)) {
        throw new LipkitError('config.maxLength', `is ${this.maxLength}, shorter than the input length ${shape[1]}`);
      }
      this.table = this.addWeight('positions', [this.maxLength as number, shape[2]], 'float32', learnedPositionsInitializer(this.seed));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== 3) throw new LipkitError('inputs', `PositionalEncoding expects [batch, time, dModel], got [${x.shape.join(', ')}]`);
    return addPositions(x, this.positional, this.table);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), positional: this.positional, seed: this.seed };
    if (this.maxLength !== undefined) config.maxLength = this.maxLength;
    return config;
  }
}
tf.serialization.registerClass(PositionalEncoding);

/** `new PositionalEncoding(config)`. */
export function positionalEncoding(config: PositionalEncodingConfig = {}): PositionalEncoding {
  return new PositionalEncoding(config);
}
