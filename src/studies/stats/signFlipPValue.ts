import { LipkitError } from '../../util/errors.js';
import { mulberry32 } from '../../util/random.js';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import { checkSample } from './pairedDifferences.js';

/** The alternative hypothesis of a test on paired differences. */
export type Alternative = 'two-sided' | 'greater' | 'less';
const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'greater', 'less'];

/** Options of `signFlipPValue`. */
export interface SignFlipOptions {
  /** 'two-sided' (default): |sum| as extreme; 'greater': sum as large; 'less': sum as small. */
  alternative?: Alternative;
  /** Enumerate all 2^n sign flips when n <= exactUpTo (default 16, at most 24); else Monte Carlo. */
  exactUpTo?: number;
  /** Monte Carlo flips when n > exactUpTo. Default 100000. */
  samples?: number;
  /** Seed of the Monte Carlo flips (mulberry32). Default 0. */
  seed?: number;
}

/** The result of `signFlipPValue`. */
export interface SignFlipResult {
  p: number;
  /** True when all 2^n flips were enumerated (the p-value is exact). */
  exact: boolean;
  /** Flips evaluated (2^n, or the Monte Carlo samples). */
  flips: number;
}

/**
 * Sign-flip permutation test of paired differences d_1..d_n (Fisher's randomization test): under
 * the null hypothesis that each d_s is symmetric about 0 (the arms are exchangeable within a seed),
 * every sign pattern (±d_1, ..., ±d_n) is equally likely. With S = sum_s d_s and S* its value
 * under a flip pattern,
 *
 *   p = #{patterns: |S*| >= |S|} / 2^n            (two-sided; 'greater': S* >= S; 'less': S* <= S)
 *
 * over all 2^n patterns (exact; the observed pattern and its mirror image both count, so a
 * two-sided p is at least 2^(1-n), a one-sided one at least 2^-n: 8 seeds give p >= 1/128), or with
 * M random patterns p = (1 + #{extreme}) / (1 + M) (a valid Monte Carlo p).
 * Ties are counted as extreme (a relative tolerance of 1e-12 on S). Distribution-free: no
 * normality assumed. Throws a LipkitError naming `differences` or an `options.*` field.
 */
export function signFlipPValue(differences: readonly number[], options: SignFlipOptions = {}): SignFlipResult {
  const d = checkSample('differences', differences);
  checkOptions('options', options);
  const alternative = options.alternative ?? 'two-sided';
  if (!ALTERNATIVES.includes(alternative)) throw new LipkitError('options.alternative', `must be one of ${ALTERNATIVES.join(', ')}, got ${String(alternative)}`);
  const exactUpTo = checkNumber('options.exactUpTo', options.exactUpTo ?? 16, { min: 0, max: 24, integer: true });
  const samples = checkNumber('options.samples', options.samples ?? 100000, { min: 1, integer: true });
  const seed = checkNumber('options.seed', options.seed ?? 0, { integer: true });
  const n = d.length;
  const observed = d.reduce((s, v) => s + v, 0);
  const scale = d.reduce((s, v) => s + Math.abs(v), 0);
  const tol = 1e-12 * scale;
  const extreme = (s: number): boolean => (alternative === 'two-sided' ? Math.abs(s) >= Math.abs(observed) - tol
    : alternative === 'greater' ? s >= observed - tol : s <= observed + tol);
  if (n <= exactUpTo) {
    const total = 2 ** n;
    let count = 0;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (mask >>> i) & 1 ? -d[i] : d[i];
      if (extreme(s)) count++;
    }
    return { p: count / total, exact: true, flips: total };
  }
  const bits = mulberry32(seed);
  let count = 0;
  for (let m = 0; m < samples; m++) {
    let s = 0;
    let word = 0;
    for (let i = 0; i < n; i++) {
      if (i % 32 === 0) word = bits();
      s += (word >>> (i % 32)) & 1 ? -d[i] : d[i];
    }
    if (extreme(s)) count++;
  }
  return { p: (1 + count) / (1 + samples), exact: false, flips: samples };
}
