import { describe, expect, it } from 'vitest';
import { fixedPointErrorBound } from '../../../src/studies/invertible/banachBound.js';
import { expectError } from '../../expectLipkitError.js';

describe('fixedPointErrorBound', () => {
  it('one block: q^n / (1 - q) times the first step', () => {
    expect(fixedPointErrorBound([{ contraction: 0.5, firstStep: 2 }], 3)).toBeCloseTo((0.125 * 2) / 0.5, 14);
    expect(fixedPointErrorBound([{ contraction: 0.9, firstStep: 1 }], 0)).toBeCloseTo(10, 12);
  });

  it('composes: the next block adds its own term and amplifies the incoming error by 1 / (1 - q)', () => {
    const e1 = (0.5 ** 4 * 1) / 0.5;
    const e2 = (0.8 ** 4 * 3 + e1) / 0.2;
    expect(fixedPointErrorBound([{ contraction: 0.5, firstStep: 1 }, { contraction: 0.8, firstStep: 3 }], 4)).toBeCloseTo(e2, 12);
    expect(fixedPointErrorBound([{ contraction: 0.5, firstStep: 1, stepError: 0.01 }], 2, 0.1)).toBeCloseTo((0.25 + 0.02 + 0.1) / 0.5, 14);
  });

  it('holds for an actual contraction: x <- z - q sin(x) on the reals', () => {
    const q = 0.9;
    const z = 1.3;
    // Fixed point by many iterations.
    let star = z;
    for (let i = 0; i < 2000; i++) star = z - q * Math.sin(star);
    let x = z;
    const first = Math.abs(q * Math.sin(z));
    for (let n = 1; n <= 60; n++) {
      x = z - q * Math.sin(x);
      const bound = fixedPointErrorBound([{ contraction: q, firstStep: first }], n);
      expect(Math.abs(x - star)).toBeLessThanOrEqual(bound + 1e-15);
    }
  });

  it('rejects bad input', () => {
    expectError(() => fixedPointErrorBound([], 1), 'stages');
    expectError(() => fixedPointErrorBound([{ contraction: 1, firstStep: 1 }], 1), 'stages[0].contraction');
    expectError(() => fixedPointErrorBound([{ contraction: 0.5, firstStep: -1 }], 1), 'stages[0].firstStep');
    expectError(() => fixedPointErrorBound([{ contraction: 0.5, firstStep: 1, stepError: Number.NaN }], 1), 'stages[0].stepError');
    expectError(() => fixedPointErrorBound([{ contraction: 0.5, firstStep: 1 }], 1.5), 'iterations');
    expectError(() => fixedPointErrorBound([{ contraction: 0.5, firstStep: 1 }], 1, -1), 'inputError');
  });
});
