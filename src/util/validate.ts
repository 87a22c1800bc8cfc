import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from './errors.js';

/** A matrix given as a tfjs tensor or as nested arrays of numbers. */
export type MatrixLike = tf.Tensor | number[][];

/** Throws unless `value` is a finite number (optionally an integer within [min, max]). */
export function checkNumber(
  name: string,
  value: unknown,
  { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false }:
    { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LipkitError(name, `must be a finite number, got ${String(value)}`);
  }
  if (integer && !Number.isInteger(value)) throw new LipkitError(name, `must be an integer, got ${value}`);
  if (exclusiveMin ? value <= min : value < min) {
    throw new LipkitError(name, `must be ${exclusiveMin ? '>' : '>='} ${min}, got ${value}`);
  }
  if (value > max) throw new LipkitError(name, `must be <= ${max}, got ${value}`);
  return value;
}

/** Throws unless every entry of `values` is finite (no NaN, no Inf). */
export function checkFiniteValues(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new LipkitError(name, `contains a non-finite value (${values[i]}) at flat index ${i}`);
    }
  }
}

/** Throws unless `t` is a tensor of the given rank(s). */
export function checkRank(name: string, t: tf.Tensor, ranks: number | number[]): void {
  const allowed = Array.isArray(ranks) ? ranks : [ranks];
  if (!allowed.includes(t.rank)) {
    throw new LipkitError(name, `must have rank ${allowed.join(' or ')}, got shape [${t.shape.join(', ')}]`);
  }
}

/**
 * A matrix as a row-major float64 array with its shape, validated: 2-D, non-empty,
 * rectangular, finite. Accepts a 2-D tensor or nested arrays.
 */
export function readMatrix(name: string, matrix: MatrixLike): { data: Float64Array; rows: number; cols: number } {
  if (matrix instanceof tf.Tensor) {
    checkRank(name, matrix, 2);
    const [rows, cols] = matrix.shape as [number, number];
    if (rows === 0 || cols === 0) throw new LipkitError(name, `must not be empty, got shape [${rows}, ${cols}]`);
    const data = Float64Array.from(matrix.dataSync());
    checkFiniteValues(name, data);
    return { data, rows, cols };
  }
  if (!Array.isArray(matrix) || matrix.length === 0 || !Array.isArray(matrix[0])) {
    throw new LipkitError(name, 'must be a 2-D tensor or a non-empty array of arrays of numbers');
  }
  const rows = matrix.length;
  const cols = matrix[0].length;
  if (cols === 0) throw new LipkitError(name, 'must not have empty rows');
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw new LipkitError(name, `row ${i} has length ${Array.isArray(row) ? row.length : 'n/a'}, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j];
  }
  checkFiniteValues(name, data);
  return { data, rows, cols };
}

/** Throws unless `t` is free of NaN and Inf (reads the tensor's values). */
export function checkFiniteTensor(name: string, t: tf.Tensor): void {
  checkFiniteValues(name, t.dataSync() as ArrayLike<number>);
}
