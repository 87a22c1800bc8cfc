import { LipkitError } from '../../util/errors.js';

/**
 * The area under the ROC curve of a score that should be higher for the positives: the
 * Mann-Whitney probability P(s_pos > s_neg) + P(s_pos = s_neg) / 2 over all pairs, computed from
 * mid-ranks in O(n log n). 1: every positive scores above every negative; 0.5: chance. Used with
 * positives = out-of-distribution points and score = uncertainty. Throws a LipkitError naming
 * `positives` or `negatives` when empty or not finite (+-Infinity is allowed: a saturated score).
 */
export function auroc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  for (const [name, a] of [['positives', positives], ['negatives', negatives]] as const) {
    if (a.length === 0) throw new LipkitError(name, 'must not be empty');
    for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) throw new LipkitError(name, `contains NaN at index ${i}`);
  }
  const all = [...Array.from(positives, (v) => ({ v, pos: true })), ...Array.from(negatives, (v) => ({ v, pos: false }))];
  all.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].pos) rankSum += mid;
    i = j + 1;
  }
  const np = positives.length;
  const nn = negatives.length;
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}
