import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice } from './checks.js';

/** Direction of a Lipschitz-regularizer term: `'smooth'` adds it (+), `'sharpen'` subtracts it (-). */
export type LipRegSign = 'smooth' | 'sharpen';

export const LIPREG_SIGNS: readonly LipRegSign[] = ['smooth', 'sharpen'];

/**
 * The signed weight `sign * lambda` of a Lipschitz-regularizer term. With a sign mode,
 * `lambda` must be >= 0 (the sign says the direction); without one, `lambda` is used as given
 * (a negative value sharpens).
 */
export function signedLambda(lambda: unknown, sign: unknown, prefix = 'options'): number {
  const l = checkNumber(`${prefix}.lambda`, lambda);
  if (sign === undefined || sign === null) return l;
  const s = checkChoice(`${prefix}.sign`, sign, LIPREG_SIGNS);
  if (l < 0) throw new LipkitError(`${prefix}.lambda`, `must be >= 0 with sign '${s}' (the sign gives the direction), got ${l}`);
  return s === 'sharpen' ? -l : l;
}
