import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { studentTCdf, studentTQuantile, studentTTwoSided } from '../../../src/studies/stats/studentT.js';
import { logGamma, regularizedIncompleteBeta } from '../../../src/studies/stats/incompleteBeta.js';

const fx = JSON.parse(readFileSync('test/fixtures/stats.json', 'utf8')) as {
  cdf: { t: number; df: number; cdf: number; twoSided: number }[];
  quantiles: { p: number; df: number; q: number }[];
};

describe('Student t (against scipy.stats.t, scripts/fixtures/stats_fixture.py)', () => {
  it('cdf and two-sided tail', () => {
    expect(fx.cdf.length).toBeGreaterThan(50);
    for (const c of fx.cdf) {
      expect(Math.abs(studentTCdf(c.t, c.df) - c.cdf), `cdf t=${c.t} df=${c.df}`).toBeLessThan(1e-12);
      expect(Math.abs(studentTTwoSided(c.t, c.df) - c.twoSided) / Math.max(c.twoSided, 1e-300), `2s t=${c.t} df=${c.df}`).toBeLessThan(1e-10);
    }
  });

  it('quantiles', () => {
    for (const q of fx.quantiles) {
      // scipy 1.10's ppf itself is only good to a few 1e-9 relative (df = 1, p = 0.9995: 636.61924943 vs the exact
      // 636.61924877; df = 3, p = 0.9: 1.6377443572 vs 1.6377443537 from the closed-form CDF): the closed forms below are tighter oracles
      expect(Math.abs(studentTQuantile(q.p, q.df) - q.q), `p=${q.p} df=${q.df}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(q.q)));
    }
    // closed forms: df = 1 is Cauchy, t = tan(pi (p - 1/2)) = -1 / tan(pi p); df = 2: t = (2p - 1) / sqrt(2 p (1 - p))
    for (const p of [0.6, 0.975, 0.9995, 1e-6]) {
      expect(studentTQuantile(p, 1) / (-1 / Math.tan(Math.PI * p))).toBeCloseTo(1, 12);
      expect(studentTQuantile(p, 2) / ((2 * p - 1) / Math.sqrt(2 * p * (1 - p)))).toBeCloseTo(1, 11);
      // df = 3: F(t) = 1/2 + (t / (sqrt3 (1 + t^2/3)) + atan(t / sqrt3)) / pi
      const t = studentTQuantile(p, 3);
      expect(0.5 + (t / (Math.sqrt(3) * (1 + (t * t) / 3)) + Math.atan(t / Math.sqrt(3))) / Math.PI).toBeCloseTo(p, 13);
    }
    expect(studentTQuantile(0.975, 7)).toBeCloseTo(2.364624, 6);
  });

  it('helpers: logGamma and I_x against closed forms', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    // I_x(1, 1) = x, I_x(a, 1) = x^a
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 13);
    expect(regularizedIncompleteBeta(0.7, 3.5, 1)).toBeCloseTo(0.7 ** 3.5, 13);
  });

  it('errors name the bad argument', () => {
    expect(() => studentTCdf(NaN, 3)).toThrow(/\bt\b/);
    expect(() => studentTCdf(1, 0)).toThrow(/df/);
    expect(() => studentTQuantile(1, 3)).toThrow(/\bp\b/);
    expect(() => studentTQuantile(0, 3)).toThrow(/\bp\b/);
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/\bx\b/);
    expect(studentTCdf(Infinity, 2)).toBe(1);
    expect(studentTTwoSided(-Infinity, 2)).toBe(0);
  });
});
