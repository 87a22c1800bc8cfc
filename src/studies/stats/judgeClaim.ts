import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import { holmAdjust } from './holmAdjust.js';
import { meanInterval } from './meanInterval.js';
import { checkSample, pairedDifferences } from './pairedDifferences.js';
import { pairedTTest } from './pairedTTest.js';
import { signFlipPValue } from './signFlipPValue.js';
import type { ClaimDirection, PairedEvidence, PairedTest, PairedVerdict, Verdict } from './verdictTypes.js';

/** Options of `pairedEvidence` and `pairedVerdict`. */
export interface PairedEvidenceOptions {
  /** The claimed sign of mean(treatment - control). Required. */
  direction: ClaimDirection;
  /** 'sign-flip' (default): exact sign-flip permutation p (Monte Carlo above `exactUpTo` seeds); 't': paired t-test. */
  test?: 'sign-flip' | 't';
  /** Confidence level of `interval`. Default 0.95. */
  level?: number;
  /** Sign-flip: enumerate all 2^n flips up to this n. Default 16. */
  exactUpTo?: number;
  /** Sign-flip Monte Carlo: flips. Default 100000. */
  samples?: number;
  /** Sign-flip Monte Carlo: seed. Default 0. */
  seed?: number;
}

function checkDirection(value: unknown, name: string): ClaimDirection {
  if (value !== 'greater' && value !== 'less') throw new LipkitError(name, `must be 'greater' or 'less', got ${String(value)}`);
  return value;
}

/**
 * The statistics of a claim from paired differences d_s (treatment - control, one per seed,
 * n >= 2): effect = mean(d), its two-sided Student-t interval (95 % by default), and a two-sided
 * p-value of "no effect": the exact sign-flip permutation p (default; distribution-free) or the
 * paired t-test's. Not yet adjusted for multiplicity: pass a family to `judgeFamily`.
 * Throws a LipkitError naming `differences` or an `options.*` field.
 */
export function pairedEvidence(differences: readonly number[], options: PairedEvidenceOptions): PairedEvidence {
  checkOptions('options', options);
  if (options === undefined) throw new LipkitError('options', "is required ({ direction: 'greater' | 'less' })");
  const direction = checkDirection(options.direction, 'options.direction');
  const test = options.test ?? 'sign-flip';
  if (test !== 'sign-flip' && test !== 't') throw new LipkitError('options.test', `must be 'sign-flip' or 't', got ${String(test)}`);
  const d = checkSample('differences', differences, 2);
  const m = meanInterval(d, options.level ?? 0.95);
  let p: number;
  let used: PairedTest = 't';
  if (test === 't') {
    p = pairedTTest(d).p;
  } else {
    const r = signFlipPValue(d, { exactUpTo: options.exactUpTo, samples: options.samples, seed: options.seed });
    p = r.p;
    used = r.exact ? 'sign-flip' : 'sign-flip-mc';
  }
  return { effect: m.mean, interval: m.interval, p, n: m.n, direction, test: used, sd: m.sd };
}

/**
 * The verdict rule of lipkit's pre-registered claims, given the evidence and the p-value adjusted
 * over the claim's family (default: the unadjusted p, a family of one):
 *
 * - 'held': the interval excludes 0 on the claimed side (lo > 0 for 'greater', hi < 0 for 'less')
 *   AND pAdjusted <= alpha;
 * - 'contradicted': the interval excludes 0 on the opposite side AND pAdjusted <= alpha;
 * - 'inconclusive': otherwise (including an interval that touches 0).
 *
 * `alpha` defaults to 0.05. Throws a LipkitError naming `pAdjusted` or `alpha`.
 */
export function judgeClaim(evidence: PairedEvidence, pAdjusted: number = evidence.p, alpha = 0.05): PairedVerdict {
  checkNumber('pAdjusted', pAdjusted, { min: 0, max: 1 });
  checkNumber('alpha', alpha, { min: 0, max: 1, exclusiveMin: true });
  checkDirection(evidence.direction, 'evidence.direction');
  const [lo, hi] = evidence.interval;
  const above = lo > 0;
  const below = hi < 0;
  const significant = pAdjusted <= alpha;
  const claimed = evidence.direction === 'greater' ? above : below;
  const opposite = evidence.direction === 'greater' ? below : above;
  const verdict: Verdict = significant && claimed ? 'held' : significant && opposite ? 'contradicted' : 'inconclusive';
  return { ...evidence, interval: [lo, hi], verdict, pAdjusted };
}

/**
 * Judges a family of claims together: Holm-adjusts their p-values over the family
 * (`holmAdjust`) and applies `judgeClaim` to each with its adjusted p. Use it for the
 * pre-registered primary claims of a study; judge exploratory claims alone or as their own family.
 * Throws a LipkitError naming `family` when it is empty.
 */
export function judgeFamily(family: readonly PairedEvidence[], alpha = 0.05): PairedVerdict[] {
  if (!Array.isArray(family) || family.length === 0) throw new LipkitError('family', 'must be a non-empty array of PairedEvidence');
  const adjusted = holmAdjust(family.map((e) => e.p));
  return family.map((e, i) => judgeClaim(e, adjusted[i], alpha));
}

/**
 * One claim judged alone from per-seed values of two arms: `pairedEvidence` of
 * `pairedDifferences(treatment, control)` then `judgeClaim` (pAdjusted = p). For a claim in a
 * family, build the evidence with `pairedEvidence` and judge with `judgeFamily`.
 *
 * Example: `pairedVerdict(logMseLip, logMseBase, { direction: 'less' })` judges "the regularizer
 * lowers log MSE" over seeds; the result is `{ verdict, effect, interval, p, pAdjusted, n, direction, test, sd }`.
 */
export function pairedVerdict(treatment: readonly number[], control: readonly number[], options: PairedEvidenceOptions): PairedVerdict {
  return judgeClaim(pairedEvidence(pairedDifferences(treatment, control), options));
}
