import { continuityTask } from '../../data/continuityTask.js';
import { listOps } from '../../data/listOps.js';
import { tokenizeListOps, LISTOPS_VOCABULARY } from '../../data/tokenizeListOps.js';
import { loadPixelSequences } from '../../data/loadImageDataset.js';
import type { ContinuousPixelSequences } from '../../data/pixelSequences.js';
import { loadTimeSeries, type TimeSeriesName } from '../../data/loadTimeSeries.js';
import type { TimeSeries } from '../../data/timeSeries.js';
import { informerSplit, type InformerSplit, type WindowSet } from '../../data/informerSplit.js';
import { mulberry32 } from '../../util/random.js';
import { LipkitError } from '../../util/errors.js';
import type { RunSpec, RunSizes } from './spec.js';
import { parseStudyTask, pixelDownsample, type TaskInfo } from './tasks.js';

/** One split: inputs, targets (regression [count, targetLength, 1] or class ids), optional padding mask. */
export interface StudySplit {
  count: number;
  /** 'continuous': [count, length, 1] floats; 'tokens': [count, length] ids. */
  inputs: Float32Array | Int32Array;
  /** Regression targets [count, targetLength, 1] or class labels [count]. */
  targets: Float32Array | Int32Array;
  /** [count, length] 1 = token, 0 = padding (token tasks only). */
  mask?: Float32Array;
}

/** The data of one run and what the model must predict. */
export interface StudyData {
  kind: 'regression' | 'classification';
  input: 'continuous' | 'tokens';
  length: number;
  /** Steps of a regression target: `length` (sequence to sequence) or the forecast horizon. */
  targetLength: number;
  /** Channels per step of continuous inputs and of regression targets (1, or 10 for Appendix A.2). */
  features: number;
  /** Vocabulary size (tokens) or number of classes (classification). */
  vocabulary?: number;
  classes?: number;
  /** Name of the validation metric and whether larger is better. */
  metric: 'mse' | 'accuracy';
  higherIsBetter: boolean;
  train: StudySplit;
  validation: StudySplit;
  /** Held-out test split: lambda is chosen on validation and scored here (forecasting: every test window of the Informer split). */
  test: StudySplit;
}

function rows<T extends Float32Array | Int32Array>(a: T, rowSize: number, from: number, to: number): T {
  return a.slice(from * rowSize, to * rowSize) as T;
}

/** Rows `idx` of a row-major array with rows of `rowSize`. */
function pick<T extends Float32Array | Int32Array>(a: T, rowSize: number, idx: readonly number[]): T {
  const out = new (a.constructor as new (n: number) => T)(idx.length * rowSize);
  idx.forEach((j, r) => out.set(a.subarray(j * rowSize, (j + 1) * rowSize), r * rowSize));
  return out;
}

/** `k` distinct indices of 0..n-1 drawn with `seed` (a partial Fisher-Yates shuffle), in draw order. */
function sample(n: number, k: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const next = mulberry32(seed, 0x51a7);
  for (let i = 0; i < Math.min(k, n - 1); i++) {
    const j = i + Math.floor((next() / 4294967296) * (n - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, k);
}

/** `k` evenly spaced indices of 0..n-1 (all of them when k >= n). */
function evenly(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor((i * (n - 1)) / Math.max(1, k - 1)));
}

function listOpsData(sizes: RunSizes, seed: number): StudyData {
  const { train, validation, length, minLength } = sizes;
  const testCount = sizes.test ?? validation;
  const total = train + validation + testCount;
  const data = listOps({ count: total, minLength: Math.max(2, minLength), maxLength: length, seed });
  const tok = tokenizeListOps(data.expressions, { maxLength: length });
  const part = (from: number, to: number): StudySplit => ({
    count: to - from, inputs: rows(tok.ids, length, from, to), targets: rows(data.labels, 1, from, to), mask: rows(tok.mask, length, from, to),
  });
  return {
    kind: 'classification', input: 'tokens', length, targetLength: 1, features: 1, vocabulary: LISTOPS_VOCABULARY.length, classes: 10,
    metric: 'accuracy', higherIsBetter: true, train: part(0, train), validation: part(train, train + validation), test: part(train + validation, total),
  };
}

function fig1Data(sizes: RunSizes, seed: number, continuity: 'high' | 'low', variates: number): StudyData {
  const { train, validation, length } = sizes;
  const testCount = sizes.test ?? validation;
  const total = train + validation + testCount;
  const data = continuityTask({ count: total, continuity, length, seed, variates });
  const row = length * variates;
  const part = (from: number, to: number): StudySplit => ({
    count: to - from, inputs: rows(data.inputs, row, from, to), targets: rows(data.targets, row, from, to),
  });
  return {
    kind: 'regression', input: 'continuous', length, targetLength: length, features: variates, metric: 'mse', higherIsBetter: false,
    train: part(0, train), validation: part(train, train + validation), test: part(train + validation, total),
  };
}

/** Images drawn for training come from the first 10,000 training images; validation images are the first of the test split. */
const PIXEL_POOL = 10000;

function pixelData(sizes: RunSizes, seed: number, task: Extract<TaskInfo, { kind: 'pixel' }>): StudyData {
  const downsample = pixelDownsample(sizes.length);
  const encode = { downsample, encoding: 'continuous' as const };
  /** Pixel sequences of a split, with the "-c" contrast change (seeded by `contrastSeed`) or without it (null). */
  const load = (split: 'train' | 'test', limit: number, contrastSeed: number | null): ContinuousPixelSequences =>
    loadPixelSequences(task.dataset, { split, limit, ...encode, contrast: contrastSeed === null ? false : { seed: contrastSeed } }) as ContinuousPixelSequences;
  if (sizes.train > PIXEL_POOL) throw new LipkitError('spec.sizes.train', `pixel tasks draw from the first ${PIXEL_POOL} training images, got ${sizes.train}`);
  const testCount = sizes.test ?? sizes.validation;
  if (sizes.validation + testCount > 10000) throw new LipkitError('spec.sizes.validation', `pixel tasks validate and test on the 10,000 test images, got ${sizes.validation} + ${testCount}`);
  const pool = load('train', PIXEL_POOL, task.contrast ? seed : null);
  const held = load('test', sizes.validation + testCount, task.contrast ? seed + 1 : null);
  const L = pool.length;
  const idx = sample(PIXEL_POOL, sizes.train, seed);
  const train = pick(pool.values, L, idx);
  // Standardize with the pixel mean and sd of the same training images WITHOUT the contrast change
  // (a fixed per-dataset normalization, as MNIST pipelines use), so "-c" stays visible in scale.
  // Raw values in [0, 1] with mean ~0.13 are small next to the sinusoidal positions (amplitude 1).
  const plain = task.contrast ? pick(load('train', PIXEL_POOL, null).values, L, idx) : train;
  let mean = 0;
  for (const v of plain) mean += v;
  mean /= plain.length;
  let sq = 0;
  for (const v of plain) sq += (v - mean) ** 2;
  const sd = Math.sqrt(sq / plain.length) || 1;
  const standardize = (a: Float32Array): Float32Array => a.map((v) => (v - mean) / sd);
  const v = sizes.validation;
  const heldPart = (from: number, to: number): StudySplit => ({
    count: to - from, inputs: standardize(rows(held.values, L, from, to)), targets: rows(held.labels, 1, from, to),
  });
  return {
    kind: 'classification', input: 'continuous', length: L, targetLength: 1, features: 1, classes: 10, metric: 'accuracy', higherIsBetter: true,
    train: { count: idx.length, inputs: standardize(train), targets: pick(pool.labels, 1, idx) },
    validation: heldPart(0, v), test: heldPart(v, held.count),
  };
}

/** Loaded series, read once per thread (plans validate every forecasting task against its series). */
const seriesCache = new Map<TimeSeriesName, TimeSeries>();

/** The Informer split of a forecasting task (LipkitError naming `field` when the horizon does not fit the series). */
export function forecastSplit(task: Extract<TaskInfo, { kind: 'forecast' }>, inputLength: number, field = 'spec.task'): InformerSplit {
  try {
    let series = seriesCache.get(task.dataset);
    if (series === undefined) { series = loadTimeSeries(task.dataset); seriesCache.set(task.dataset, series); }
    return informerSplit(series, { inputLength, horizon: task.horizon, features: 'S', target: task.target });
  } catch (e) {
    if (e instanceof LipkitError && e.argument.startsWith('options.')) throw new LipkitError(field, `${task.name} (${task.dataset}): ${e.message}`);
    throw e;
  }
}

function forecastData(sizes: RunSizes, seed: number, task: Extract<TaskInfo, { kind: 'forecast' }>): StudyData {
  const split = forecastSplit(task, sizes.length);
  const { length } = sizes;
  const h = task.horizon;
  const part = (w: WindowSet, idx: number[]): StudySplit => ({ count: idx.length, inputs: pick(w.inputs, length, idx), targets: pick(w.targets, h, idx) });
  const all = (w: WindowSet): number[] => Array.from({ length: w.count }, (_, i) => i);
  return {
    kind: 'regression', input: 'continuous', length, targetLength: h, features: 1, metric: 'mse', higherIsBetter: false,
    train: part(split.train, sample(split.train.count, Math.min(sizes.train, split.train.count), seed)),
    validation: part(split.val, evenly(split.val.count, sizes.validation)),
    test: part(split.test, all(split.test)),
  };
}

/**
 * Builds the data of a run, deterministic in `spec.seed` (train and validation never overlap):
 * - 'fig1-high' / 'fig1-low' (and 'fig1mv-*' with 10 variates): `continuityTask`, Appendix A.1
 *   (sequence-to-sequence regression, metric MSE), train / validation / test sequences;
 * - 'listops': `listOps` with lengths in [sizes.minLength, sizes.length], tokenized and padded
 *   to sizes.length (10-class classification, metric accuracy);
 * - pixel tasks ('mnist', 'mnist-c', 'fashion-mnist', 'fashion-mnist-c'): `sizes.train` images
 *   drawn (seeded) from the first 10,000 training images, validation on the first
 *   `sizes.validation` test images, test on the next `sizes.test`; continuous pixel values downsampled to at most
 *   `sizes.length` steps, standardized with the mean and sd of the (plain) training pixels;
 *   "-c" raises contrast by a random 50-100 % per image (`highContrast`) before that;
 * - forecasting 'SERIES-HORIZON' (vega-datasets series, PROXIES for the paper's ETT / Weather): the Informer protocol (`informerSplit`, univariate, scaler fit
 *   on the training rows), input window `sizes.length`; `sizes.train` training windows drawn
 *   (seeded), `sizes.validation` evenly spaced validation windows, and every test window.
 */
export function buildStudyData(spec: RunSpec): StudyData {
  const task = parseStudyTask(spec.task);
  switch (task.kind) {
    case 'listops': return listOpsData(spec.sizes, spec.seed);
    case 'fig1': return fig1Data(spec.sizes, spec.seed, task.continuity, task.variates);
    case 'pixel': return pixelData(spec.sizes, spec.seed, task);
    case 'forecast': return forecastData(spec.sizes, spec.seed, task);
  }
}
