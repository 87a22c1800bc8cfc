import { float32Allowance } from './float32Allowance.js';
import type { LipschitzBoundResult } from '../network/lipschitzBound.js';
import type { LowerBoundResult } from './lowerBoundTypes.js';

/** How a certified upper bound compares with a realized lower bound. */
export type SoundnessVerdict = 'consistent' | 'within float32 rounding' | 'SOUNDNESS FAILURE';

/**
 * The certificate is for exact arithmetic; the lower bound is realized by TF.js's float32 forward
 * pass. A lower bound above the upper bound by no more than the float32 allowance (depth = layers
 * in the table, P / upper = unmergedBound / upperBound, the best pair's relative step) is rounding
 * and leaves the certificate standing; above it, the upper bound is wrong and is reported loudly.
 */
export function compareWithLower(
  bound: Pick<LipschitzBoundResult, 'upperBound' | 'unmergedBound' | 'layers'>, lower: Pick<LowerBoundResult, 'lowerBound' | 'best'>,
): { verdict: SoundnessVerdict; failed: boolean; note: string | null } {
  const allowance = float32Allowance({
    depth: bound.layers.length, productRatio: bound.unmergedBound / bound.upperBound, relativeStep: lower.best?.relativeStep, outputRatio: lower.best?.outputRatio,
  });
  const q = lower.lowerBound;
  const up = bound.upperBound;
  if (!(q > up)) return { verdict: 'consistent', failed: false, note: null };
  if (q <= up * (1 + allowance)) {
    return {
      verdict: 'within float32 rounding', failed: false,
      note: `lower bound ${q} is above the upper bound ${up} by ${((q / up - 1) * 100).toPrecision(3)} %, within the float32 rounding allowance of ${(allowance * 100).toPrecision(3)} %: the certificate (exact arithmetic) stands`,
    };
  }
  return {
    verdict: 'SOUNDNESS FAILURE', failed: true,
    note: `SOUNDNESS FAILURE: a realized difference quotient ${q} exceeds the upper bound ${up} by ${((q / up - 1) * 100).toPrecision(3)} %, beyond the float32 rounding allowance of ${(allowance * 100).toPrecision(3)} %: the upper bound is wrong, NOT certified (please report this model)`,
  };
}
