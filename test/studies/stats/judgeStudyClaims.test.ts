import { describe, expect, it } from 'vitest';
import { judgeStudyClaims, seedDifferences } from '../../../src/studies/stats/judgeStudyClaims.js';
import { holmAdjust } from '../../../src/studies/stats/holmAdjust.js';

describe('judgeStudyClaims', () => {
  it('Holm over the primaries only; exploratory judged alone; < 2 values inconclusive without p', () => {
    const up = [1, 2, 3, 4, 5, 6, 7, 8]; // all positive: exact sign-flip p = 2 / 256
    const mixed = [1, -1, 2, -2, 0.5, -0.4, 0.3, 0.1];
    const out = judgeStudyClaims([
      { claim: 'a', evidence: 'ea', diffs: up, direction: 'greater', primary: true },
      { claim: 'b', evidence: 'eb', diffs: mixed, direction: 'greater', primary: true },
      { claim: 'c', evidence: 'ec', diffs: up.map((v) => -v), direction: 'greater', primary: false },
      { claim: 'd', evidence: 'ed', diffs: [1, Number.NaN], direction: 'less', primary: true },
    ]);
    const adjusted = holmAdjust([out[0].p as number, out[1].p as number]);
    expect(out[0]).toMatchObject({ verdict: 'held', primary: true, n: 8 });
    expect(out[0].p).toBeCloseTo(2 / 256, 12);
    expect(out[0].pAdjusted).toBeCloseTo(adjusted[0], 12);
    expect(out[1].pAdjusted).toBeCloseTo(adjusted[1], 12);
    expect(out[1].verdict).toBe('inconclusive');
    expect(out[2]).toMatchObject({ verdict: 'contradicted', primary: false, held: false }); // all negative, claimed greater
    expect(out[2].pAdjusted).toBe(out[2].p);
    expect(out[3]).toMatchObject({ verdict: 'inconclusive', n: 1, held: null }); // NaN dropped, one value left
    expect(out[3].p).toBeUndefined();
    expect(out[0].evidence).toContain('Holm over 2');
  });

  it('seedDifferences pairs by seed and skips missing or non-finite values', () => {
    const rs = [
      { arm: 'A', seed: 1, v: 3 }, { arm: 'A', seed: 2, v: 5 }, { arm: 'A', seed: 3, v: null },
      { arm: 'B', seed: 2, v: 1 }, { arm: 'B', seed: 1, v: 2 }, { arm: 'B', seed: 3, v: 1 }, { arm: 'B', seed: 4, v: 1 },
    ];
    expect(seedDifferences(rs, 'A', 'B', (r) => r.v)).toEqual([4, 1]);
  });
});
