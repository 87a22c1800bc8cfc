import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';

/**
 * Input checks shared by the regularizers: a real tfjs tensor of an allowed rank, non-empty,
 * float, free of NaN/Inf. The finiteness probe is one reduction (`sum(x * 0)` is NaN iff x
 * holds a NaN or an Inf) read back as one number.
 */
export function checkInputTensor(name: string, x: unknown, { minRank = 1, maxRank = Infinity }: { minRank?: number; maxRank?: number } = {}): tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new LipkitError(name, 'must be a tf.Tensor');
  if (x.isDisposed) throw new LipkitError(name, 'is disposed');
  if (x.rank < minRank || x.rank > maxRank) {
    const want = maxRank === Infinity ? `at least ${minRank}` : minRank === maxRank ? `${minRank}` : `${minRank} to ${maxRank}`;
    throw new LipkitError(name, `must have rank ${want}, got shape [${x.shape.join(', ')}]`);
  }
  if (x.size === 0) throw new LipkitError(name, `must not be empty, got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new LipkitError(name, `must be float32, got ${x.dtype}`);
  checkFiniteProbe(name, x);
  return x;
}

/** Throws a LipkitError naming `name` when `x` holds a NaN or an Inf (one reduction, one read-back). */
export function checkFiniteProbe(name: string, x: tf.Tensor): void {
  const probe = tf.tidy(() => tf.sum(tf.mul(x, 0)).dataSync()[0]);
  if (!Number.isFinite(probe)) throw new LipkitError(name, 'contains a non-finite value (NaN or Inf)');
}

/** Throws unless `options` is undefined or a plain object. */
export function checkOptions(name: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new LipkitError(name, 'must be an object');
  }
}

/** Throws unless `value` is one of `allowed`. */
export function checkChoice<T extends string | boolean>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new LipkitError(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Throws unless `f` is a function. */
export function checkFunction(name: string, f: unknown): void {
  if (typeof f !== 'function') throw new LipkitError(name, 'must be a function (x: tf.Tensor) => tf.Tensor');
}

/**
 * Checks the output of a model function `f` on a batch of `batch` inputs: a tensor whose
 * first axis is the batch. Returns the number of outputs per example.
 */
export function checkModelOutput(name: string, y: unknown, batch: number): number {
  if (!(y instanceof tf.Tensor)) throw new LipkitError(name, 'must return a tf.Tensor');
  if (y.rank < 1 || y.shape[0] !== batch) {
    throw new LipkitError(name, `must return a tensor with the batch (${batch}) as first axis, got shape [${y.shape.join(', ')}]`);
  }
  return y.size / batch;
}
