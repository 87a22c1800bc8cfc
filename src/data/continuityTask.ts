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
  /** `'high'`: slowly varying inputs (max step about 0.11); `'low'`: fast ones (about 0.53). Required. */
  continuity: Continuity;
  /** Steps per sequence (>= 2). Default 200 (the paper's "about 200"). */
  length?: number;
  /** Input variates V (each mapped by the same function). Default 1; Appendix A.2 uses 10. */
  variates?: number;
  /** Seed of the map h AND of the inputs (h is drawn first, so it is the same for both continuities). Default 0. */
  seed?: number;
  /**
   * Input frequencies are drawn from U(F/4, F) cycles per 200 steps (so a shorter sequence keeps
   * the same steps, and length 100 stays below Nyquist); default F = 14 (high) and 76 (low).
   */
  maxFrequency?: number;
  /** Inputs are scaled to max |x| = maxValue per sequence and variate. Default 0.4. */
  maxValue?: number;
}

/** A sequence-to-sequence data set `[count, length, variates]` and the map that made its targets. */
export interface ContinuityTaskData {
  inputs: Float32Array;
  targets: Float32Array;
  shape: [number, number, number];
  /** The 20 frequencies k_i and phases phi_i of h, and the normalizer c (h(x) = sum sin(2 pi k_i x + phi_i) / c). */
  map: { frequencies: Float64Array; phases: Float64Array; scale: number };
}

/** Terms of the random map (Appendix A.1). */
export const SINE_MAP_TERMS = 20;

/**
 * The pointwise map of Appendix A.1: h(x) = (1 / c) sum_{i=1}^{20} sin(2 pi k_i x + phi_i), with
 * k_i ~ N(0, 3) (read as standard deviation 3, numpy's `normal(0, 3)`) and phi_i ~ N(0, 1) drawn
 * from `seed`; c = max |sum ...| over 2001 evenly spaced x in [-maxValue, maxValue] (lipkit's
 * choice: the paper gives no output scale; with it the targets lie within [-1, 1]).
 */
export function sineSumMap(seed = 0, maxValue = 0.4): ContinuityTaskData['map'] {
  const rng = createRng(seed);
  const frequencies = Float64Array.from({ length: SINE_MAP_TERMS }, () => 3 * rng.normal());
  const phases = Float64Array.from({ length: SINE_MAP_TERMS }, () => rng.normal());
  let scale = 0;
  for (let j = 0; j <= 2000; j++) {
    const x = -maxValue + (2 * maxValue * j) / 2000;
    let h = 0;
    for (let i = 0; i < SINE_MAP_TERMS; i++) h += Math.sin(2 * Math.PI * frequencies[i] * x + phases[i]);
    scale = Math.max(scale, Math.abs(h));
  }
  return { frequencies, phases, scale };
}

/**
 * The Figure 1 task of "Data Continuity Matters" (Qu et al., ICLR 2023), Appendix A.1 (A.2 with
 * `variates: 10`): every input value is mapped pointwise by one fixed random function,
 *
 *   y_{t,v} = h(x_{t,v}),   h(x) = (1/c) sum_{i=1}^{20} sin(2 pi k_i x + phi_i)   (`sineSumMap`),
 *
 * so the task itself is the same for both continuities; only the order of the input values
 * differs. Inputs (per sequence and variate): x_t = maxValue * s_t / max_t |s_t| with
 * s_t = sum_{j<4} a_j sin(2 pi f_j t / 200 + psi_j), a_j ~ N(0, 1), f_j ~ U(F/4, F) cycles per
 * 200 steps, psi_j ~ U(0, 2 pi). With the default F, the largest step
 * max_t |x_{t+1} - x_t| averages about 0.11 (high, F = 14; the paper: 0.1137) and about 0.53
 * (low, F = 76; the paper: 0.5263), values within ±0.4 (measured in test/data/continuityTask.test.ts).
 * lipkit's reading: the paper does not give its sequence generator, only these constants.
 *
 * Deterministic for a seed; h depends on `seed` only (the same for 'high' and 'low'). Errors
 * (LipkitError): `options`, `options.count`, `options.continuity`, `options.length` (< 2),
 * `options.variates`, `options.seed`, `options.maxFrequency`, `options.maxValue`.
 */
export function continuityTask(options: ContinuityTaskOptions): ContinuityTaskData {
  checkOptions('options', options);
  if (options === undefined) throw new LipkitError('options', "is required ({ count, continuity: 'high' | 'low' })");
  const count = checkNumber('options.count', options.count, { min: 1, integer: true });
  const continuity = checkChoice('options.continuity', options.continuity, ['high', 'low'] as const);
  const length = checkNumber('options.length', options.length ?? 200, { min: 2, integer: true });
  const variates = checkNumber('options.variates', options.variates ?? 1, { min: 1, integer: true, max: 4096 });
  const seed = checkNumber('options.seed', options.seed ?? 0, { integer: true });
  const F = checkNumber('options.maxFrequency', options.maxFrequency ?? (continuity === 'high' ? 14 : 76), { min: 0, exclusiveMin: true });
  const maxValue = checkNumber('options.maxValue', options.maxValue ?? 0.4, { min: 0, exclusiveMin: true });
  const map = sineSumMap(seed, maxValue);
  // The inputs' own stream: distinct per continuity, same map.
  const rng = createRng((seed * 2 + (continuity === 'high' ? 0 : 1)) | 0, 'options.seed');
  const inputs = new Float32Array(count * length * variates);
  const targets = new Float32Array(count * length * variates);
  const s = new Float64Array(length);
  for (let i = 0; i < count; i++) {
    for (let v = 0; v < variates; v++) {
      s.fill(0);
      for (let j = 0; j < 4; j++) {
        const a = rng.normal();
        const f = F / 4 + (3 * F / 4) * rng.uniform(); // cycles per 200 steps
        const psi = 2 * Math.PI * rng.uniform();
        for (let t = 0; t < length; t++) s[t] += a * Math.sin((2 * Math.PI * f * t) / 200 + psi);
      }
      let peak = 0;
      for (let t = 0; t < length; t++) peak = Math.max(peak, Math.abs(s[t]));
      for (let t = 0; t < length; t++) {
        const x = peak > 0 ? (maxValue * s[t]) / peak : 0;
        let h = 0;
        for (let k = 0; k < SINE_MAP_TERMS; k++) h += Math.sin(2 * Math.PI * map.frequencies[k] * x + map.phases[k]);
        const at = (i * length + t) * variates + v;
        inputs[at] = x;
        targets[at] = h / map.scale;
      }
    }
  }
  return { inputs, targets, shape: [count, length, variates], map };
}
