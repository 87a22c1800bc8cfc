import { expect } from 'vitest';
import { LipkitError } from '../src/util/errors.js';

/** Asserts that `fn` throws a LipkitError whose `argument` is exactly `argument`. */
export function expectError(fn: () => unknown, argument: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LipkitError);
    expect((e as LipkitError).argument).toBe(argument);
    return;
  }
  expect.unreachable(`no error for ${argument}`);
}
