import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { meanInterval } from '../../../src/studies/stats/meanInterval.js';
import { pairedDifferences } from '../../../src/studies/stats/pairedDifferences.js';
import { pairedTTest } from '../../../src/studies/stats/pairedTTest.js';
import { signFlipPValue, type Alternative } from '../../../src/studies/stats/signFlipPValue.js';
import { holmAdjust } from '../../../src/studies/stats/holmAdjust.js';

const fx = JSON.parse(readFileSync('test/fixtures/stats.json', 'utf8')) as {
  samples: { d: number[]; mean: number; sd: number; lo: number; hi: number; t: number; pT: number; pSignFlip: Record<Alternative, number> }[];
  holm: { p: number[]; adjusted: number[] }[];
};

describe('paired statistics (against scipy, scripts/fixtures/stats_fixture.py)', () => {
  it('meanInterval: mean, sd and the 95 % t interval', () => {
    for (const s of fx.samples) {
      const m = meanInterval(s.d);
      expect(m.mean).toBeCloseTo(s.mean, 12);
      expect(m.sd).toBeCloseTo(s.sd, 12);
      expect(m.interval[0]).toBeCloseTo(s.lo, 9);
      expect(m.interval[1]).toBeCloseTo(s.hi, 9);
      expect(m.n).toBe(s.d.length);
    }
  });

  it('pairedTTest matches scipy.stats.ttest_1samp', () => {
    for (const s of fx.samples) {
      const r = pairedTTest(s.d);
      expect(r.t).toBeCloseTo(s.t, 9);
      expect(Math.abs(r.p - s.pT)).toBeLessThan(1e-10);
    }
    expect(pairedTTest([1, 1, 1]).p).toBe(0);
    expect(pairedTTest([0, 0]).p).toBe(1);
  });

  it('signFlipPValue (exact) matches scipy.stats.permutation_test with all sign flips', () => {
    for (const s of fx.samples) {
      for (const alt of ['two-sided', 'greater', 'less'] as const) {
        const r = signFlipPValue(s.d, { alternative: alt });
        expect(r.exact).toBe(true);
        expect(r.p, `n=${s.d.length} ${alt}`).toBeCloseTo(s.pSignFlip[alt], 12);
      }
    }
    // all 8 of one sign: p = 2/256 two-sided, 1/256 one-sided
    expect(signFlipPValue([1, 2, 3, 4, 5, 6, 7, 8]).p).toBe(2 / 256);
    expect(signFlipPValue([1, 2, 3, 4, 5, 6, 7, 8], { alternative: 'greater' }).p).toBe(1 / 256);
  });

  it('signFlipPValue (Monte Carlo) is close to the exact value and seeded', () => {
    const d = fx.samples.find((s) => s.d.length === 12)!.d;
    const exact = signFlipPValue(d).p;
    const mc = signFlipPValue(d, { exactUpTo: 4, samples: 40000, seed: 3 });
    expect(mc.exact).toBe(false);
    expect(Math.abs(mc.p - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 40000) + 1e-4);
    expect(signFlipPValue(d, { exactUpTo: 4, samples: 1000, seed: 3 }).p).toBe(signFlipPValue(d, { exactUpTo: 4, samples: 1000, seed: 3 }).p);
  });

  it('holmAdjust matches its definition (step-down, monotone, capped at 1)', () => {
    for (const h of fx.holm) {
      const a = holmAdjust(h.p);
      a.forEach((v, i) => expect(v).toBeCloseTo(h.adjusted[i], 14));
    }
  });

  it('pairedDifferences pairs by seed; errors name the argument', () => {
    expect(pairedDifferences([3, 5], [1, 1])).toEqual([2, 4]);
    expect(() => pairedDifferences([1, 2], [1])).toThrow(/control/);
    expect(() => pairedDifferences([1, NaN], [1, 2])).toThrow(/treatment\[1\]/);
    expect(() => meanInterval([1])).toThrow(/values/);
    expect(() => holmAdjust([0.5, 1.2])).toThrow(/pValues\[1\]/);
    expect(() => signFlipPValue([1, 2], { alternative: 'up' as Alternative })).toThrow(/options.alternative/);
  });
});
