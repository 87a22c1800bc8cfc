import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { createRng } from './rng.js';

/** Input continuity of the Figure 1 task. */
export type Continuity = 'high' | 'low';

/** Options of `continuityTask`. */
export interface ContinuityTaskOptions {
  /** Number of sequences (>= 1), required. */
  count: number;
  /** `'high'`: smooth sums of sines; `'low'`: random discrete tokens. Required. */
  continuity: Continuity;
  /** Steps per sequence (>= 2). Default 128. */
  length?: number;
  /** Seed. Default 0. */
  seed?: number;
  /** high: number of sine components J. Default 3. */
  components?: number;
  /** high: frequencies f_j ~ U(0.5, maxFrequency) cycles per sequence. Default 3. */
  maxFrequency?: number;
  /** low: alphabet size M of the token levels. Default 4. */
  levels?: number;
  /** low: steps per token (1: a new token every step). Default 1. */
  segment?: number;
  /** Taps K of the target filter. Default 16. */
  filterLength?: number;
  /** Decay time tau (steps) of the target filter. Default 4. */
  decay?: number;
}

/** A sequence-to-sequence data set `[count, length, 1]` with the filter that made its targets. */
export interface ContinuityTaskData {
  inputs: Float32Array;
  targets: Float32Array;
  shape: [number, number, 1];
  /** The causal filter taps h_0 .. h_{K-1} (sum |h_k| = 1). */
  filter: Float64Array;
}

/** The fixed target filter h_k = exp(-k / tau) cos(pi k / 8), k < K, scaled to sum |h_k| = 1. */
export function continuityFilter(filterLength = 16, decay = 4): Float64Array {
  checkNumber('options.filterLength', filterLength, { min: 1, integer: true });
  checkNumber('options.decay', decay, { min: 0, exclusiveMin: true });
  const h = Float64Array.from({ length: filterLength }, (_, k) => Math.exp(-k / decay) * Math.cos((Math.PI * k) / 8));
  const l1 = h.reduce((a, b) => a + Math.abs(b), 0);
  return h.map((v) => v / l1);
}

/**
 * The Figure 1 task of "Data Continuity Matters" (Qu et al., ICLR 2023), re-created (the paper
 * gives no formula): one fixed sequence-to-sequence map learned from inputs of high or of low
 * continuity, each with zero mean and unit variance per step in expectation.
 *
 * - high: x_t = sum_{j<J} a_j sin(2 pi f_j t / L + phi_j), a_j ~ N(0, 2/J), f_j ~ U(0.5, maxFrequency)
 *   cycles per sequence, phi_j ~ U(0, 2 pi): smooth, steps |x_{t+1} - x_t| of order 2 pi f / L.
 * - low: piecewise-constant tokens: every `segment` steps a fresh level drawn uniformly from M
 *   evenly spaced values in [-s, s], s = sqrt(3 (M - 1) / (M + 1)) (unit variance); with
 *   segment 1 it is discrete white noise, steps of order 1.
 * - target (both): y_t = tanh(sum_{k<K} h_k x_{t-k}) with `continuityFilter` taps (x_t = 0 for
 *   t < 0), a causal linear filter followed by a pointwise nonlinearity.
 *
 * Deterministic for a seed. Errors (LipkitError): `options.count`, `options.continuity`,
 * `options.length` (< 2), `options.components`, `options.maxFrequency`, `options.levels`,
 * `options.segment`, `options.filterLength`, `options.decay`, `options.seed`.
 */
export function continuityTask(options: ContinuityTaskOptions): ContinuityTaskData {
  checkOptions('options', options);
  if (options === undefined) throw new LipkitError('options', "is required ({ count, continuity: 'high' | 'low' })");
  const count = checkNumber('options.count', options.count, { min: 1, integer: true });
  const continuity = checkChoice('options.continuity', options.continuity, ['high', 'low'] as const);
  const length = checkNumber('options.length', options.length ?? 128, { min: 2, integer: true });
  const J = checkNumber('options.components', options.components ?? 3, { min: 1, integer: true });
  const maxFrequency = checkNumber('options.maxFrequency', options.maxFrequency ?? 3, { min: 0.5 });
  const M = checkNumber('options.levels', options.levels ?? 4, { min: 2, integer: true });
  const segment = checkNumber('options.segment', options.segment ?? 1, { min: 1, integer: true });
  const h = continuityFilter(options.filterLength ?? 16, options.decay ?? 4);
  const rng = createRng(options.seed ?? 0);
  const inputs = new Float32Array(count * length);
  const targets = new Float32Array(count * length);
  const x = new Float64Array(length);
  const s = Math.sqrt((3 * (M - 1)) / (M + 1));
  for (let i = 0; i < count; i++) {
    if (continuity === 'high') {
      x.fill(0);
      for (let j = 0; j < J; j++) {
        const a = rng.normal() * Math.sqrt(2 / J);
        const f = 0.5 + (maxFrequency - 0.5) * rng.uniform();
        const phi = 2 * Math.PI * rng.uniform();
        for (let t = 0; t < length; t++) x[t] += a * Math.sin((2 * Math.PI * f * t) / length + phi);
      }
    } else {
      let level = 0;
      for (let t = 0; t < length; t++) {
        if (t % segment === 0) level = s * ((2 * rng.int(0, M - 1) - (M - 1)) / (M - 1));
        x[t] = level;
      }
    }
    for (let t = 0; t < length; t++) {
      let z = 0;
      for (let k = 0; k < h.length && k <= t; k++) z += h[k] * x[t - k];
      inputs[i * length + t] = x[t];
      targets[i * length + t] = Math.tanh(z);
    }
  }
  return { inputs, targets, shape: [count, length, 1], filter: h };
}
