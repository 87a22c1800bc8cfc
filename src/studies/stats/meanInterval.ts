import { checkNumber } from '../../util/validate.js';
import { checkSample } from './pairedDifferences.js';
import { studentTQuantile } from './studentT.js';

/** A sample mean with its Student-t confidence interval. */
export interface MeanInterval {
  /** Sample mean. */
  mean: number;
  /** Sample standard deviation (n - 1 denominator). */
  sd: number;
  /** Standard error sd / sqrt(n). */
  se: number;
  /** Number of values. */
  n: number;
  /** Degrees of freedom n - 1. */
  df: number;
  /** The interval [mean - t* se, mean + t* se], t* = t_{(1+level)/2, n-1}. */
  interval: [number, number];
  /** Confidence level. */
  level: number;
}

/**
 * Mean with a two-sided Student-t confidence interval (default 95 %):
 *
 *   mean ± t_{(1+level)/2, n-1} * sd / sqrt(n),
 *
 * valid for (approximately) normal values; applied to paired differences over seeds it is the
 * paired t interval. Needs n >= 2. If all values are equal the interval collapses to the mean.
 * Throws a LipkitError naming `values` (fewer than 2, non-finite) or `level` (outside (0, 1)).
 */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const x = checkSample('values', values, 2);
  checkNumber('level', level, { min: 0, max: 1, exclusiveMin: true });
  if (level >= 1) checkNumber('level', level, { max: 1 - Number.EPSILON });
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const ss = x.reduce((s, v) => s + (v - mean) ** 2, 0);
  const sd = Math.sqrt(ss / (n - 1));
  const se = sd / Math.sqrt(n);
  const half = studentTQuantile((1 + level) / 2, n - 1) * se;
  return { mean, sd, se, n, df: n - 1, interval: [mean - half, mean + half], level };
}
