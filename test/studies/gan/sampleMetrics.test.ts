import { describe, expect, it } from 'vitest';
import { modeQuality, slicedWasserstein, wasserstein1d } from '../../../src/studies/gan/sampleMetrics.js';
import { mixture, sampleMixture } from '../../../src/studies/gan/mixtures.js';
import { LipkitError } from '../../../src/util/errors.js';

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('GAN sample metrics', () => {
  it('1-D W2 by sorting equals the best assignment over all permutations', () => {
    const a = Float64Array.from([0.3, -1.2, 2.5, 0.9, -0.1, 1.7]);
    const b = Float64Array.from([1.1, 0.2, -2.0, 0.4, 3.3, -0.6]);
    let best = Infinity;
    for (const p of permutations(6)) best = Math.min(best, p.reduce((s, j, i) => s + (a[i] - b[j]) ** 2, 0) / 6);
    expect(wasserstein1d(a, b)).toBeCloseTo(Math.sqrt(best), 12);
  });

  it('sliced W2: zero for identical samples, the shift for a translated sample (E over directions of <t, theta>^2 = |t|^2 / 2)', () => {
    const a = sampleMixture(mixture('ring'), 500, 3);
    expect(slicedWasserstein(a, a)).toBe(0);
    const b = a.map((v, i) => v + (i % 2 === 0 ? 0.6 : 0.8));
    // |t| = 1: SW2^2 = mean_theta <t, theta>^2 -> 1/2 as projections grow.
    expect(slicedWasserstein(a, b, { projections: 4000 })).toBeCloseTo(Math.sqrt(0.5), 1);
    expect(() => slicedWasserstein(a, b.slice(2))).toThrow(LipkitError);
  });

  it('mode quality counts samples within 3 sd and modes with a fair share', () => {
    const m = mixture('ring');
    const atModes = Array.from({ length: 80 }, (_, i) => [m.modes[2 * (i % 8)], m.modes[2 * (i % 8) + 1]]).flat();
    expect(modeQuality(atModes, m)).toEqual({ modesCovered: 8, modes: 8, highQuality: 1 });
    const twoModes = Array.from({ length: 80 }, (_, i) => [m.modes[2 * (i % 2)] + 0.1, m.modes[2 * (i % 2) + 1]]).flat();
    expect(modeQuality(twoModes, m)).toEqual({ modesCovered: 2, modes: 8, highQuality: 1 });
    const off = Array.from({ length: 10 }, () => [m.modes[0] + 0.16, m.modes[1]]).flat();
    expect(modeQuality(off, m).highQuality).toBe(0);
    const samples = sampleMixture(m, 4000, 1);
    const q = modeQuality(samples, m);
    expect(q.modesCovered).toBe(8);
    expect(q.highQuality).toBeGreaterThan(0.98);
  });
});
