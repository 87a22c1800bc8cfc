import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';
import { mulberry32, UNIFORM_SALT } from '../util/random.js';

/** The frequencies of Rahaman et al. (2019) and of "Data Continuity Matters": 5, 10, ..., 50. */
export const SUM_OF_SINES_FREQUENCIES: readonly number[] = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50];
/** Their amplitudes, paired in order with the frequencies: 0.1, 0.2, ..., 1.0. */
export const SUM_OF_SINES_AMPLITUDES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/** Options of `sumOfSines`. */
export interface SumOfSinesOptions {
  /** Number of points N on [0, 1) (x_n = n / N). Must exceed twice the largest frequency (Nyquist). Default 200. */
  count?: number;
  /** Integer frequencies k_i (cycles on [0, 1)), each > 0. Default `SUM_OF_SINES_FREQUENCIES` (5, 10, ..., 50). */
  frequencies?: readonly number[];
  /** Amplitudes A_i, one per frequency, each >= 0. Default `SUM_OF_SINES_AMPLITUDES` (0.1, ..., 1.0) with the default frequencies, all 1 with custom ones. */
  amplitudes?: readonly number[];
  /** Explicit phases phi_i in radians, one per frequency; when absent they are drawn from `seed`. */
  phases?: readonly number[];
  /** Seed of the phases phi_i ~ U[0, 2 pi). Default 0. */
  seed?: number;
}

/** Inputs, targets and the components that made them. */
export interface SumOfSinesData {
  /** x_n = n / N, n = 0 .. N-1 (linearly increasing on [0, 1)). */
  x: Float32Array;
  /** h(x_n) (computed in float64, stored as float32). */
  y: Float32Array;
  count: number;
  frequencies: number[];
  amplitudes: number[];
  phases: number[];
}

function checkList(name: string, values: unknown, length: number | null, check: (n: string, v: unknown) => number): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new LipkitError(name, 'must be a non-empty array of numbers');
  if (length !== null && values.length !== length) throw new LipkitError(name, `must have one entry per frequency (${length}), got ${values.length}`);
  return values.map((v, i) => check(`${name}[${i}]`, v));
}

/**
 * The spectral-bias regression task of Rahaman et al. (2019, "On the Spectral Bias of Neural
 * Networks") used by "Data Continuity Matters" (Qu et al., ICLR 2023):
 *
 *   h(x) = sum_i A_i sin(2 pi k_i x + phi_i),   x_n = n / N,  n = 0 .. N-1,
 *
 * with K = {5, 10, ..., 50}, A = {0.1, ..., 1.0} (paired in order) and phases
 * phi_i ~ U[0, 2 pi) drawn from `seed` (mulberry32). Each component falls exactly on DFT bin
 * k_i of the N samples (integer frequencies below N / 2), so the DFT of h has modulus
 * A_i N / 2 at k_i and 0 at every other bin 1 .. N/2 - 1. Deterministic; browser-safe.
 * Errors: LipkitError naming `options`, `options.count` (integer > 2 max k, <= 1e7),
 * `options.frequencies[i]` (integer >= 1), `options.amplitudes` / `options.amplitudes[i]`
 * (>= 0, one per frequency), `options.phases` / `options.phases[i]` (finite), `options.seed`.
 */
export function sumOfSines(options: SumOfSinesOptions = {}): SumOfSinesData {
  checkOptions('options', options);
  const frequencies = checkList('options.frequencies', options.frequencies ?? SUM_OF_SINES_FREQUENCIES, null,
    (n, v) => checkNumber(n, v, { min: 1, max: 5e6, integer: true }));
  const m = frequencies.length;
  const amplitudes = checkList('options.amplitudes', options.amplitudes ?? (options.frequencies === undefined ? SUM_OF_SINES_AMPLITUDES : new Array<number>(m).fill(1)), m,
    (n, v) => checkNumber(n, v, { min: 0 }));
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const count = checkNumber('options.count', options.count ?? 200, { min: 2, max: 1e7, integer: true });
  const kMax = Math.max(...frequencies);
  if (count <= 2 * kMax) throw new LipkitError('options.count', `must exceed twice the largest frequency (${kMax}) so that it is resolved (Nyquist), got ${count}`);
  let phases: number[];
  if (options.phases !== undefined) {
    phases = checkList('options.phases', options.phases, m, (n, v) => checkNumber(n, v));
  } else {
    const bits = mulberry32(seed, UNIFORM_SALT ^ 0x51e5);
    phases = frequencies.map(() => (2 * Math.PI * bits()) / 4294967296);
  }
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    const t = n / count;
    let h = 0;
    for (let i = 0; i < m; i++) h += amplitudes[i] * Math.sin(2 * Math.PI * frequencies[i] * t + phases[i]);
    x[n] = t;
    y[n] = h;
  }
  return { x, y, count, frequencies, amplitudes, phases };
}
