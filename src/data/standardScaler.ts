import { LipkitError } from '../util/errors.js';
import { checkFiniteValues, checkNumber } from '../util/validate.js';

/** Per-column standardization fitted on some rows: `(x - mean) / std`. */
export interface StandardScaler {
  mean: Float64Array;
  std: Float64Array;
  /** `(x - mean) / std` for row-major `[rows, columns]` data. */
  transform(values: ArrayLike<number>): Float64Array;
  /** `x * std + mean`, the inverse. */
  inverse(values: ArrayLike<number>): Float64Array;
}

/**
 * Fits a StandardScaler (scikit-learn's and Informer's) on row-major `[rows, columns]` data:
 * per-column mean and population standard deviation (ddof 0, as numpy's `std` and sklearn);
 * a column with zero deviation gets std 1 (sklearn's convention), so constant columns map to 0.
 * In the forecasting protocol it is fitted on the training rows only (see `informerSplit`).
 * Errors: LipkitError naming `values` (empty, non-finite, not a multiple of `columns`), `columns`.
 */
export function fitStandardScaler(values: ArrayLike<number>, columns: number): StandardScaler {
  checkNumber('columns', columns, { min: 1, integer: true });
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw new LipkitError('values', 'must be an array of numbers');
  if (values.length === 0 || values.length % columns !== 0) throw new LipkitError('values', `length ${values.length} is not a positive multiple of ${columns} columns`);
  checkFiniteValues('values', values);
  const rows = values.length / columns;
  const mean = new Float64Array(columns);
  const std = new Float64Array(columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) mean[j] += values[i * columns + j];
  for (let j = 0; j < columns; j++) mean[j] /= rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) std[j] += (values[i * columns + j] - mean[j]) ** 2;
  for (let j = 0; j < columns; j++) {
    std[j] = Math.sqrt(std[j] / rows);
    if (std[j] === 0) std[j] = 1;
  }
  const map = (x: ArrayLike<number>, f: (v: number, j: number) => number): Float64Array => {
    if (x.length % columns !== 0) throw new LipkitError('values', `length ${x.length} is not a multiple of ${columns} columns`);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i], i % columns);
    return out;
  };
  return {
    mean,
    std,
    transform: (x) => map(x, (v, j) => (v - mean[j]) / std[j]),
    inverse: (x) => map(x, (v, j) => v * std[j] + mean[j]),
  };
}
