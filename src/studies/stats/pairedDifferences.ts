import { LipkitError } from '../../util/errors.js';

/** Checks that `values` is a non-empty array of finite numbers; `name` names it in errors. */
export function checkSample(name: string, values: unknown, minLength = 1): number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new LipkitError(name, `must be an array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  const arr = Array.from(values as ArrayLike<unknown>);
  if (arr.length < minLength) throw new LipkitError(name, `needs at least ${minLength} value(s), got ${arr.length}`);
  arr.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LipkitError(`${name}[${i}]`, `must be a finite number, got ${String(v)}`);
  });
  return arr as number[];
}

/**
 * Paired differences d_s = treatment_s - control_s over seeds s (the same seed gives the same data
 * and initialization in both arms, so d_s removes the seed's own variation). `treatment[s]` and
 * `control[s]` must belong to the same seed. Throws a LipkitError naming `treatment` or `control`
 * (not arrays of finite numbers, empty) or `control` (length differs from treatment's).
 */
export function pairedDifferences(treatment: readonly number[], control: readonly number[]): number[] {
  const a = checkSample('treatment', treatment);
  const b = checkSample('control', control);
  if (a.length !== b.length) throw new LipkitError('control', `must pair with treatment seed by seed: ${b.length} values vs ${a.length}`);
  return a.map((v, i) => v - b[i]);
}
