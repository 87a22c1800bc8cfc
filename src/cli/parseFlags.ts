import { LipkitError } from '../util/errors.js';

/**
 * Parses an integer command-line flag value (decimal digits, optional minus sign) within
 * [min, max]; throws a `LipkitError` naming the flag otherwise.
 */
export function parseIntegerFlag(flag: string, text: string, { min = -Infinity, max = Infinity } = {}): number {
  if (!/^-?\d+$/.test(text.trim())) throw new LipkitError(flag, `must be an integer, got "${text}"`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value)) throw new LipkitError(flag, `is out of range, got "${text}"`);
  if (value < min) throw new LipkitError(flag, `must be >= ${min}, got ${value}`);
  if (value > max) throw new LipkitError(flag, `must be <= ${max}, got ${value}`);
  return value;
}

/** Largest size accepted for one axis of `--input-shape`. */
const MAX_AXIS = 1 << 20;
/** Largest element count of one example accepted from `--input-shape`. */
const MAX_ELEMENTS = 1 << 26;

/**
 * Parses a shape flag such as `28,28,1` (batch axis excluded) into positive integers;
 * throws a `LipkitError` naming the flag for empty, non-integer, zero or absurd sizes.
 */
export function parseShapeFlag(flag: string, text: string): number[] {
  const parts = text.split(/[,x]/).map((s) => s.trim());
  if (text.trim() === '' || parts.some((s) => s === '')) {
    throw new LipkitError(flag, `must be comma-separated positive integers like 28,28,1, got "${text}"`);
  }
  const shape = parts.map((s) => parseIntegerFlag(flag, s, { min: 1, max: MAX_AXIS }));
  const elements = shape.reduce((a, b) => a * b, 1);
  if (elements > MAX_ELEMENTS) throw new LipkitError(flag, `describes ${elements} elements per example, more than ${MAX_ELEMENTS}`);
  return shape;
}
