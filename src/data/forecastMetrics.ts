import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkFiniteValues } from '../util/validate.js';

function read(name: string, x: tf.Tensor | ArrayLike<number>): ArrayLike<number> {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new LipkitError(name, 'is disposed');
    return x.dataSync() as ArrayLike<number>;
  }
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') throw new LipkitError(name, 'must be a tensor or an array of numbers');
  return x;
}

/**
 * Forecasting errors as Informer reports them, on the normalized scale:
 * MSE = mean (p - y)^2 and MAE = mean |p - y| over every window, step and column (float64).
 * Accepts tensors (read back, not disposed) or arrays of equal size.
 * Errors: LipkitError naming `predictions` / `targets` (size mismatch, empty, NaN/Inf).
 */
export function forecastMetrics(predictions: tf.Tensor | ArrayLike<number>, targets: tf.Tensor | ArrayLike<number>): { mse: number; mae: number } {
  const p = read('predictions', predictions);
  const y = read('targets', targets);
  if (y.length === 0) throw new LipkitError('targets', 'must not be empty');
  if (p.length !== y.length) throw new LipkitError('predictions', `has ${p.length} values, targets have ${y.length}`);
  checkFiniteValues('predictions', p);
  checkFiniteValues('targets', y);
  let se = 0;
  let ae = 0;
  for (let i = 0; i < y.length; i++) {
    const d = p[i] - y[i];
    se += d * d;
    ae += Math.abs(d);
  }
  return { mse: se / y.length, mae: ae / y.length };
}
