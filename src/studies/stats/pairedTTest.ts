import { meanInterval } from './meanInterval.js';
import { studentTTwoSided } from './studentT.js';

/** The result of `pairedTTest`. */
export interface PairedTTestResult {
  /** t = mean / (sd / sqrt(n)). */
  t: number;
  df: number;
  /** Two-sided p-value P(|T_{n-1}| >= |t|). */
  p: number;
}

/**
 * One-sample (paired) Student t-test of mean 0 on paired differences d_1..d_n (n >= 2):
 * t = mean(d) / (sd(d) / sqrt(n)), two-sided p = P(|T_{n-1}| >= |t|). Assumes approximately
 * normal differences. If sd = 0: p = 1 when the mean is 0, else 0 (t = ±Infinity).
 * Agrees with scipy.stats.ttest_1samp (committed fixtures). Throws a LipkitError naming `values`.
 */
export function pairedTTest(differences: readonly number[]): PairedTTestResult {
  const m = meanInterval(differences);
  if (m.se === 0) return { t: m.mean === 0 ? 0 : Math.sign(m.mean) * Infinity, df: m.df, p: m.mean === 0 ? 1 : 0 };
  const t = m.mean / m.se;
  return { t, df: m.df, p: studentTTwoSided(t, m.df) };
}
