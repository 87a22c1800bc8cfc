import { expect } from 'vitest';
import { LipkitError } from '../../src/util/errors.js';

/** Asserts that `promise` rejects with a LipkitError whose `argument` is exactly `argument`; returns the error. */
export async function expectAsyncError(promise: Promise<unknown>, argument: string): Promise<LipkitError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(LipkitError);
    expect((e as LipkitError).argument).toBe(argument);
    return e as LipkitError;
  }
  return expect.unreachable(`no error for ${argument}`);
}
