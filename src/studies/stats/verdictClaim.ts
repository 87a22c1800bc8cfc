import type { StudyClaim } from '../study.js';
import type { PairedVerdict } from './verdictTypes.js';

/**
 * A `StudyClaim` from a judged claim: `verdict`, `effect`, `interval`, `p`, `pAdjusted`, `n` and
 * `primary` copied from the verdict, and `held` mapped for compatibility (held -> true,
 * contradicted -> false, inconclusive -> null). `evidence` is the study's own sentence (what was
 * compared, in which units); the numbers are rendered by the report from the fields.
 */
export function verdictClaim(claim: string, evidence: string, v: PairedVerdict, primary: boolean): StudyClaim {
  return {
    claim,
    held: v.verdict === 'held' ? true : v.verdict === 'contradicted' ? false : null,
    evidence,
    verdict: v.verdict,
    effect: v.effect,
    interval: [v.interval[0], v.interval[1]],
    p: v.p,
    pAdjusted: v.pAdjusted,
    n: v.n,
    primary,
  };
}
