import { describe, expect, it } from 'vitest';
import { sumOfSines, SUM_OF_SINES_AMPLITUDES, SUM_OF_SINES_FREQUENCIES } from '../../src/data/sumOfSines.js';
import { expectError } from '../expectLipkitError.js';

/** Direct DFT modulus at bin k (independent of the study's dftCoefficient). */
function dftModulus(v: ArrayLike<number>, k: number): number {
  let re = 0;
  let im = 0;
  for (let n = 0; n < v.length; n++) {
    re += v[n] * Math.cos((2 * Math.PI * k * n) / v.length);
    im -= v[n] * Math.sin((2 * Math.PI * k * n) / v.length);
  }
  return Math.hypot(re, im);
}

describe('sumOfSines', () => {
  it('defaults: 200 points x_n = n / N, K = 5..50, A = 0.1..1.0, y = the sum in float64 (to float32 rounding)', () => {
    const d = sumOfSines();
    expect(d.count).toBe(200);
    expect(d.frequencies).toEqual([...SUM_OF_SINES_FREQUENCIES]);
    expect(d.frequencies).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(d.amplitudes).toEqual([...SUM_OF_SINES_AMPLITUDES]);
    expect(d.phases.length).toBe(10);
    for (const p of d.phases) { expect(p).toBeGreaterThanOrEqual(0); expect(p).toBeLessThan(2 * Math.PI); }
    expect(new Set(d.phases).size).toBe(10);
    for (const n of [0, 1, 57, 199]) {
      expect(d.x[n]).toBeCloseTo(n / 200, 7);
      let h = 0;
      for (let i = 0; i < 10; i++) h += (0.1 * (i + 1)) * Math.sin(2 * Math.PI * 5 * (i + 1) * (n / 200) + d.phases[i]);
      expect(Math.abs(d.y[n] - h)).toBeLessThan(1e-6 * Math.max(1, Math.abs(h)));
    }
  });

  it('each component sits on its DFT bin with modulus A N / 2, nothing on other bins', () => {
    const d = sumOfSines({ count: 128, seed: 5 });
    for (let k = 1; k < 64; k++) {
      const i = d.frequencies.indexOf(k);
      const expected = i >= 0 ? (d.amplitudes[i] * 128) / 2 : 0;
      expect(Math.abs(dftModulus(d.y, k) - expected)).toBeLessThan(1e-4);
    }
  });

  it('is deterministic in the seed; explicit phases override it; custom frequencies default to unit amplitudes', () => {
    expect(sumOfSines({ seed: 3 })).toEqual(sumOfSines({ seed: 3 }));
    expect(sumOfSines({ seed: 3 }).phases).not.toEqual(sumOfSines({ seed: 4 }).phases);
    const z = sumOfSines({ count: 16, frequencies: [2], phases: [Math.PI / 2], seed: 9 });
    expect(z.amplitudes).toEqual([1]);
    for (let n = 0; n < 16; n++) expect(z.y[n]).toBeCloseTo(Math.cos((2 * Math.PI * 2 * n) / 16), 6);
  });

  it('rejects bad options, naming the field', () => {
    expectError(() => sumOfSines(null as never), 'options');
    expectError(() => sumOfSines({ count: 100 }), 'options.count'); // 100 <= 2 * 50: not resolved
    expectError(() => sumOfSines({ count: 1.5 }), 'options.count');
    expectError(() => sumOfSines({ frequencies: [] }), 'options.frequencies');
    expectError(() => sumOfSines({ frequencies: [2.5] }), 'options.frequencies[0]');
    expectError(() => sumOfSines({ frequencies: [0] }), 'options.frequencies[0]');
    expectError(() => sumOfSines({ frequencies: [1, 2], amplitudes: [1] }), 'options.amplitudes');
    expectError(() => sumOfSines({ frequencies: [1, 2], amplitudes: [1, -1] }), 'options.amplitudes[1]');
    expectError(() => sumOfSines({ frequencies: [1], phases: [Number.NaN] }), 'options.phases[0]');
    expectError(() => sumOfSines({ frequencies: [1], phases: [0, 1] }), 'options.phases');
    expectError(() => sumOfSines({ seed: -1 }), 'options.seed');
  });
});
