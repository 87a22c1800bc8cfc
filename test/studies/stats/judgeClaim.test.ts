import { describe, expect, it } from 'vitest';
import { judgeClaim, judgeFamily, pairedEvidence, pairedVerdict } from '../../../src/studies/stats/judgeClaim.js';
import { verdictClaim } from '../../../src/studies/stats/verdictClaim.js';
import type { PairedEvidence } from '../../../src/studies/stats/verdictTypes.js';

const ev = (interval: [number, number], p: number, direction: 'greater' | 'less' = 'greater'): PairedEvidence =>
  ({ effect: (interval[0] + interval[1]) / 2, interval, p, n: 8, direction, test: 'sign-flip', sd: 1 });

describe('judgeClaim / judgeFamily / pairedVerdict', () => {
  it('the verdict rule: interval side AND adjusted p', () => {
    expect(judgeClaim(ev([0.1, 0.5], 0.01)).verdict).toBe('held');
    expect(judgeClaim(ev([0.1, 0.5], 0.06)).verdict).toBe('inconclusive'); // p too large
    expect(judgeClaim(ev([-0.1, 0.5], 0.01)).verdict).toBe('inconclusive'); // interval covers 0
    expect(judgeClaim(ev([-0.5, -0.1], 0.01)).verdict).toBe('contradicted');
    expect(judgeClaim(ev([-0.5, -0.1], 0.01, 'less')).verdict).toBe('held');
    expect(judgeClaim(ev([0.1, 0.5], 0.01, 'less')).verdict).toBe('contradicted');
    expect(judgeClaim(ev([0.1, 0.5], 0.01), 0.2).verdict).toBe('inconclusive');
    expect(judgeClaim(ev([0.1, 0.5], 0.01), 0.2).pAdjusted).toBe(0.2);
  });

  it('judgeFamily Holm-adjusts over the family', () => {
    const v = judgeFamily([ev([0.1, 1], 0.0078125), ev([0.1, 1], 0.02), ev([0.1, 1], 0.0234375), ev([-1, 1], 0.5)]);
    expect(v.map((x) => x.pAdjusted)).toEqual([0.03125, 0.06, 0.06, 0.5]);
    expect(v.map((x) => x.verdict)).toEqual(['held', 'inconclusive', 'inconclusive', 'inconclusive']);
  });

  it('pairedEvidence / pairedVerdict on seeds: consistent 8-seed effect held, noise inconclusive', () => {
    const base = [1.0, 0.8, 1.2, 0.9, 1.1, 1.3, 0.7, 1.0];
    const better = base.map((b, i) => b - 0.2 - 0.01 * i);
    const v = pairedVerdict(better, base, { direction: 'less' });
    expect(v.verdict).toBe('held');
    expect(v.n).toBe(8);
    expect(v.p).toBe(2 / 256);
    expect(v.effect).toBeCloseTo(-0.235, 12);
    expect(v.interval[1]).toBeLessThan(0);
    const noise = base.map((b, i) => b + (i % 2 === 0 ? 0.1 : -0.1));
    expect(pairedVerdict(noise, base, { direction: 'less' }).verdict).toBe('inconclusive');
    expect(pairedVerdict(base.map((b) => b + 0.3), base, { direction: 'less' }).verdict).toBe('contradicted');
    const t = pairedEvidence(better.map((b, i) => b - base[i]), { direction: 'less', test: 't' });
    expect(t.test).toBe('t');
    expect(t.p).toBeLessThan(1e-6);
  });

  it('verdictClaim maps to StudyClaim fields (held kept for compatibility)', () => {
    const c = verdictClaim('X beats Y', 'log MSE', judgeClaim(ev([-0.5, -0.1], 0.01)), true);
    expect(c).toMatchObject({ held: false, verdict: 'contradicted', primary: true, n: 8, p: 0.01, pAdjusted: 0.01 });
    expect(c.interval).toEqual([-0.5, -0.1]);
    expect(verdictClaim('a', 'b', judgeClaim(ev([-1, 1], 0.5)), false).held).toBeNull();
  });

  it('errors name the bad field', () => {
    expect(() => pairedEvidence([1], { direction: 'less' })).toThrow(/differences/);
    expect(() => pairedEvidence([1, 2], { direction: 'down' as 'less' })).toThrow(/options.direction/);
    expect(() => pairedEvidence([1, 2], { direction: 'less', test: 'z' as 't' })).toThrow(/options.test/);
    expect(() => judgeClaim(ev([0, 1], 0.5), 2)).toThrow(/pAdjusted/);
    expect(() => judgeFamily([])).toThrow(/family/);
  });
});
