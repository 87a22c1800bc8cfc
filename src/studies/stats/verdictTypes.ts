/** The verdict on a claim judged with paired seeds (see `judgeClaim`). */
export type Verdict = 'held' | 'contradicted' | 'inconclusive';

/** The verdicts, in display order. */
export const VERDICTS: readonly Verdict[] = ['held', 'contradicted', 'inconclusive'];

/**
 * The claimed sign of the effect (mean of treatment - control): 'greater' claims it is > 0,
 * 'less' claims it is < 0.
 */
export type ClaimDirection = 'greater' | 'less';

/** Which test gives `p`: exact sign-flip, Monte Carlo sign-flip, or the paired t-test. */
export type PairedTest = 'sign-flip' | 'sign-flip-mc' | 't';

/** The statistics of one claim from paired differences, before any multiplicity adjustment. */
export interface PairedEvidence {
  /** Mean paired difference (treatment - control), in the units of the compared quantity. */
  effect: number;
  /** Two-sided 95 % Student-t interval of the mean difference (level as requested). */
  interval: [number, number];
  /** Two-sided p-value of "no effect" (the test named by `test`). */
  p: number;
  /** Number of paired seeds. */
  n: number;
  /** The direction the claim asserts. */
  direction: ClaimDirection;
  /** The test behind `p`. */
  test: PairedTest;
  /** Standard deviation of the paired differences. */
  sd: number;
}

/** A judged claim: the evidence, the adjusted p-value and the verdict. */
export interface PairedVerdict extends PairedEvidence {
  verdict: Verdict;
  /** `p` adjusted over the claim's family (Holm); equal to `p` for a claim judged alone. */
  pAdjusted: number;
}
