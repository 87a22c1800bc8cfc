import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { seededNormal } from '../util/random.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkInputTensor } from './checks.js';
import { seededUniform as seededUniform64 } from '../util/random.js';

/** Where a gradient penalty is evaluated: at the data, at random interpolates with a second batch (WGAN-GP), or at Gaussian perturbations. */
export type PenaltyMode = 'data' | 'interpolate' | 'perturb';

export const PENALTY_MODES: readonly PenaltyMode[] = ['data', 'interpolate', 'perturb'];

/** Options choosing the points of a gradient penalty. */
export interface PenaltyPointOptions {
  /** Default `'data'`. */
  mode?: PenaltyMode;
  /** Second batch, same shape as x (`'interpolate'` only; e.g. generated samples). */
  xOther?: tf.Tensor;
  /** Interpolation coefficients, one per example in [0, 1] (`'interpolate'`); default uniform random. Point = alpha x + (1 - alpha) xOther. */
  alpha?: tf.Tensor | number[];
  /** Standard deviation of the perturbation (`'perturb'`), default 0.1. Point = x + sigma * noise. */
  sigma?: number;
  /** Standard-normal noise, same shape as x (`'perturb'`); default drawn. */
  noise?: tf.Tensor;
  /** Seed of the drawn alpha / noise (deterministic, the same on every backend); default: unseeded. */
  seed?: number;
}

/** Deterministic uniform [0, 1) values as float32 (see `seededUniform` in src/util/random.ts). */
export function seededUniform(length: number, seed: number): Float32Array {
  return Float32Array.from(seededUniform64(length, seed));
}

/** Validated seed (an integer) or undefined. */
export function checkSeed(name: string, seed: unknown): number | undefined {
  return seed === undefined ? undefined : checkNumber(name, seed, { integer: true });
}

/** Standard normal tensor, seeded (lipkit's generator) or not (tfjs's). */
export function normalTensor(shape: number[], seed: number | undefined): tf.Tensor {
  return seed === undefined ? tf.randomNormal(shape) : seededNormal(shape, seed);
}

/** Uniform [0, 1) tensor, seeded (lipkit's generator) or not (tfjs's). */
export function uniformTensor(shape: number[], seed: number | undefined): tf.Tensor {
  if (seed === undefined) return tf.randomUniform(shape);
  return tf.tensor(seededUniform(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Per-example coefficients [batch] broadcast to x's rank: [batch, 1, ..., 1]. */
function perExample(a: tf.Tensor, rank: number): tf.Tensor {
  return tf.reshape(a, [a.shape[0], ...new Array<number>(rank - 1).fill(1)]);
}

/**
 * Validates the point options and returns a function producing the points (call it inside a
 * tidy; the points are constants, not differentiated). Errors name `options.<field>`.
 */
export function penaltyPoints(x: tf.Tensor, options: PenaltyPointOptions): () => tf.Tensor {
  const mode = checkChoice('options.mode', options.mode ?? 'data', PENALTY_MODES);
  const seed = checkSeed('options.seed', options.seed);
  const batch = x.shape[0];
  if (mode !== 'interpolate') {
    for (const k of ['xOther', 'alpha'] as const) {
      if (options[k] !== undefined) throw new LipkitError(`options.${k}`, `is only used with mode 'interpolate', got mode '${mode}'`);
    }
  }
  if (mode !== 'perturb') {
    for (const k of ['sigma', 'noise'] as const) {
      if (options[k] !== undefined) throw new LipkitError(`options.${k}`, `is only used with mode 'perturb', got mode '${mode}'`);
    }
  }
  if (mode === 'data') return () => x;
  if (mode === 'interpolate') {
    if (options.xOther === undefined) throw new LipkitError('options.xOther', "is required with mode 'interpolate' (the second batch)");
    const other = checkInputTensor('options.xOther', options.xOther);
    if (!tf.util.arraysEqual(other.shape, x.shape)) {
      throw new LipkitError('options.xOther', `must have the shape of x [${x.shape.join(', ')}], got [${other.shape.join(', ')}]`);
    }
    let alphaValues: number[] | undefined;
    if (options.alpha !== undefined) {
      const a = options.alpha;
      if (a instanceof tf.Tensor) {
        if (a.rank !== 1 || a.shape[0] !== batch) throw new LipkitError('options.alpha', `must have shape [${batch}] (one per example), got [${a.shape.join(', ')}]`);
        alphaValues = Array.from(a.dataSync());
      } else if (Array.isArray(a)) {
        if (a.length !== batch) throw new LipkitError('options.alpha', `must have ${batch} entries (one per example), got ${a.length}`);
        alphaValues = a;
      } else {
        throw new LipkitError('options.alpha', 'must be a tensor or an array of numbers');
      }
      alphaValues.forEach((v, i) => checkNumber(`options.alpha[${i}]`, v, { min: 0, max: 1 }));
    }
    return () => {
      const alpha = perExample(alphaValues !== undefined ? tf.tensor1d(alphaValues) : uniformTensor([batch], seed), x.rank);
      return tf.add(tf.mul(alpha, x), tf.mul(tf.sub(1, alpha), other));
    };
  }
  const sigma = checkNumber('options.sigma', options.sigma ?? 0.1, { min: 0 });
  if (options.noise !== undefined) {
    const noise = checkInputTensor('options.noise', options.noise);
    if (!tf.util.arraysEqual(noise.shape, x.shape)) {
      throw new LipkitError('options.noise', `must have the shape of x [${x.shape.join(', ')}], got [${noise.shape.join(', ')}]`);
    }
  }
  return () => tf.add(x, tf.mul(sigma, options.noise ?? normalTensor(x.shape, seed)));
}
