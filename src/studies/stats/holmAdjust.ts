import { checkSample } from './pairedDifferences.js';
import { LipkitError } from '../../util/errors.js';

/**
 * Holm's step-down adjustment of a family of m p-values (Holm 1979), controlling the
 * family-wise error rate: with p_(1) <= ... <= p_(m) sorted,
 *
 *   p~_(j) = max_{i <= j} min(1, (m - i + 1) p_(i)),
 *
 * returned in the input order. Reject hypothesis j at level alpha iff p~_j <= alpha. Matches
 * statsmodels' multipletests(method='holm'). Ties keep their input order. Throws a LipkitError
 * naming `pValues` (empty, non-finite) or `pValues[i]` (outside [0, 1]).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const p = checkSample('pValues', pValues);
  p.forEach((v, i) => {
    if (v < 0 || v > 1) throw new LipkitError(`pValues[${i}]`, `must be within [0, 1], got ${v}`);
  });
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p[idx]));
    out[idx] = running;
  });
  return out;
}
