import type { StudyClaim } from '../study.js';
import { judgeClaim, judgeFamily, pairedEvidence } from './judgeClaim.js';
import { verdictClaim } from './verdictClaim.js';
import type { ClaimDirection } from './verdictTypes.js';

/** A claim before judging: the per-seed differences (treatment − control, or a within-run contrast) and its claimed sign. */
export interface PendingClaim {
  claim: string;
  /** What the effect is (units, which arms); the numbers are added by the report from the verdict. */
  evidence: string;
  /** One value per paired seed (non-finite values are left out). */
  diffs: readonly number[];
  direction: ClaimDirection;
  /** true: a pre-registered primary claim (p Holm-adjusted over the study's primaries); false: exploratory (p unadjusted). */
  primary: boolean;
}

/**
 * Judges a study's claims with lipkit's verdict rule: every primary claim with >= 2 seeds is
 * judged in one Holm family (`judgeFamily`), each exploratory claim alone (`judgeClaim`);
 * a claim with fewer than 2 finite values is 'inconclusive' without statistics. Returns the
 * `StudyClaim`s in the given order (`verdictClaim`).
 */
export function judgeStudyClaims(pending: readonly PendingClaim[]): StudyClaim[] {
  const clean = pending.map((x) => ({ ...x, diffs: x.diffs.filter((d) => Number.isFinite(d)) }));
  const primaries = clean.filter((x) => x.primary && x.diffs.length >= 2);
  const verdicts = primaries.length === 0 ? [] : judgeFamily(primaries.map((x) => pairedEvidence(x.diffs, { direction: x.direction })));
  return clean.map((x) => {
    if (x.diffs.length < 2) return { claim: x.claim, held: null, evidence: `${x.evidence} Fewer than 2 seeds: no test.`, verdict: 'inconclusive', n: x.diffs.length, primary: x.primary };
    const j = primaries.indexOf(x);
    const v = j >= 0 ? verdicts[j] : judgeClaim(pairedEvidence(x.diffs, { direction: x.direction }));
    return verdictClaim(x.claim, x.primary ? `${x.evidence} Holm over ${primaries.length} primary claim(s).` : `${x.evidence} Exploratory: p not adjusted.`, v, x.primary);
  });
}

/**
 * Per seed present in both arms (in the control's order): value(treatment) − value(control),
 * skipping seeds where either value is null or not finite. `records` carry `arm` and `seed`.
 */
export function seedDifferences<R extends { arm: string; seed: number }>(records: readonly R[], treatment: string, control: string, value: (r: R) => number | null): number[] {
  const out: number[] = [];
  for (const c of records.filter((r) => r.arm === control)) {
    const t = records.find((r) => r.arm === treatment && r.seed === c.seed);
    if (t === undefined) continue;
    const a = value(t);
    const b = value(c);
    if (a !== null && b !== null && Number.isFinite(a) && Number.isFinite(b)) out.push(a - b);
  }
  return out;
}
