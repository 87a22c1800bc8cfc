import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { fitStandardScaler, type StandardScaler } from './standardScaler.js';
import type { TimeSeries } from './timeSeries.js';

/** Informer's feature modes: multivariate in and out, univariate (the target), multivariate in, target out. */
export type ForecastFeatures = 'M' | 'S' | 'MS';

/** Options of `informerSplit`. */
export interface InformerSplitOptions {
  /** Input window length (>= 2). Default 96 (Informer's seq_len). */
  inputLength?: number;
  /** Forecast horizon (>= 1); the paper uses 24, 48, 168, ... Default 24. */
  horizon?: number;
  /** Chronological train/val/test fractions. Default [0.7, 0.1, 0.2] (Informer, custom data). */
  ratios?: [number, number, number];
  /** `'M'` (default), `'S'` (target only, the paper's univariate Table 2) or `'MS'`. */
  features?: ForecastFeatures;
  /** Target column for `'S'` / `'MS'`. Default: the last column (Informer's `OT` convention). */
  target?: string;
  /** Step between consecutive window starts (1 = every window, Informer). Default 1. */
  stride?: number;
}

/** Sliding windows of one split, normalized with the train scaler. */
export interface WindowSet {
  /** `[count, inputLength, inputColumns]` row-major float32. */
  inputs: Float32Array;
  /** `[count, horizon, targetColumns]`: the `horizon` steps right after each input window. */
  targets: Float32Array;
  inputShape: [number, number, number];
  targetShape: [number, number, number];
  count: number;
  /** Series row of each window's first input step; its targets start at `start + inputLength`. */
  starts: Int32Array;
}

/** The three splits, their sizes and the train-fitted scaler. */
export interface InformerSplit {
  train: WindowSet;
  val: WindowSet;
  test: WindowSet;
  /** Rows of the series owned by each split (targets of a split lie in its own rows). */
  sizes: { train: number; val: number; test: number };
  /** Fitted on the train rows of the selected columns only. */
  scaler: StandardScaler;
  inputColumns: string[];
  targetColumns: string[];
}

/**
 * The Informer protocol (Zhou et al. 2021, `Dataset_Custom`) for forecasting: a chronological
 * split into n_train = floor(0.7 n), n_test = floor(0.2 n), n_val = n - n_train - n_test rows;
 * a StandardScaler fitted on the training rows only and applied to the whole series; sliding
 * windows of `inputLength` inputs followed by `horizon` targets. As in Informer, the validation
 * and test windows may take their inputs from the `inputLength` rows before the split (borders
 * n_train - inputLength and n - n_test - inputLength), while every target lies inside its split,
 * so a split of m rows yields m - horizon + 1 windows (train: n_train - inputLength - horizon + 1).
 * Evaluate with `forecastMetrics` (MSE and MAE on this normalized scale).
 *
 * Errors (LipkitError): `options.horizon` when inputLength + horizon exceed the training rows or
 * horizon exceeds the validation or test rows; `options.inputLength` (< 2 or >= training rows),
 * `options.ratios`, `options.features`, `options.target`, `options.stride`, `series`.
 */
export function informerSplit(series: TimeSeries, options: InformerSplitOptions = {}): InformerSplit {
  checkOptions('options', options);
  if (series === null || typeof series !== 'object' || !(series.values instanceof Float64Array) || !Array.isArray(series.columns)) {
    throw new LipkitError('series', 'must be a TimeSeries ({ values: Float64Array, columns, length })');
  }
  const c = series.columns.length;
  const n = series.length;
  if (c < 1 || series.values.length !== n * c) throw new LipkitError('series', `values (${series.values.length}) do not match length ${n} x ${c} columns`);
  const inputLength = checkNumber('options.inputLength', options.inputLength ?? 96, { min: 2, integer: true });
  const horizon = checkNumber('options.horizon', options.horizon ?? 24, { min: 1, integer: true });
  const stride = checkNumber('options.stride', options.stride ?? 1, { min: 1, integer: true });
  const ratios = options.ratios ?? [0.7, 0.1, 0.2];
  if (!Array.isArray(ratios) || ratios.length !== 3 || ratios.some((r) => typeof r !== 'number' || !(r > 0)) || Math.abs(ratios[0] + ratios[1] + ratios[2] - 1) > 1e-9) {
    throw new LipkitError('options.ratios', `must be three positive fractions summing to 1, got ${JSON.stringify(ratios)}`);
  }
  const features = checkChoice('options.features', options.features ?? 'M', ['M', 'S', 'MS'] as const);
  const target = options.target ?? series.columns[c - 1];
  const targetIndex = series.columns.indexOf(target);
  if (targetIndex < 0) throw new LipkitError('options.target', `no column ${JSON.stringify(target)} (has ${series.columns.join(', ')})`);

  const nTrain = Math.floor(ratios[0] * n);
  const nTest = Math.floor(ratios[2] * n);
  const nVal = n - nTrain - nTest;
  if (inputLength >= nTrain) throw new LipkitError('options.inputLength', `${inputLength} leaves no training window in ${nTrain} training rows`);
  if (inputLength + horizon > nTrain || horizon > nVal || horizon > nTest) {
    throw new LipkitError('options.horizon', `${horizon} (with inputLength ${inputLength}) is too long for the series: ${n} rows split ${nTrain}/${nVal}/${nTest}; needs inputLength + horizon <= ${nTrain} and horizon <= ${Math.min(nVal, nTest)}`);
  }

  // Selected columns: 'S' keeps only the target (Informer fits the scaler on it alone).
  const cols = features === 'S' ? [targetIndex] : series.columns.map((_, j) => j);
  const k = cols.length;
  const selected = new Float64Array(n * k);
  for (let t = 0; t < n; t++) for (let j = 0; j < k; j++) selected[t * k + j] = series.values[t * c + cols[j]];
  const scaler = fitStandardScaler(selected.subarray(0, nTrain * k), k);
  const scaled = scaler.transform(selected);
  const outCols = features === 'M' ? cols.map((_, j) => j) : [cols.indexOf(targetIndex)];
  const kOut = outCols.length;

  const windows = (begin: number, end: number): WindowSet => {
    const last = end - inputLength - horizon; // last window start
    const count = Math.floor((last - begin) / stride) + 1;
    const inputs = new Float32Array(count * inputLength * k);
    const targets = new Float32Array(count * horizon * kOut);
    const starts = new Int32Array(count);
    for (let w = 0; w < count; w++) {
      const s = begin + w * stride;
      starts[w] = s;
      inputs.set(scaled.subarray(s * k, (s + inputLength) * k), w * inputLength * k);
      for (let h = 0; h < horizon; h++) {
        for (let j = 0; j < kOut; j++) targets[(w * horizon + h) * kOut + j] = scaled[(s + inputLength + h) * k + outCols[j]];
      }
    }
    return { inputs, targets, inputShape: [count, inputLength, k], targetShape: [count, horizon, kOut], count, starts };
  };
  return {
    train: windows(0, nTrain),
    val: windows(nTrain - inputLength, nTrain + nVal),
    test: windows(n - nTest - inputLength, n),
    sizes: { train: nTrain, val: nVal, test: nTest },
    scaler,
    inputColumns: cols.map((j) => series.columns[j]),
    targetColumns: outCols.map((j) => series.columns[cols[j]]),
  };
}
