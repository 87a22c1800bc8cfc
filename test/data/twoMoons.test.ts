import { describe, expect, it } from 'vitest';
import { twoMoons } from '../../src/data/twoMoons.js';
import { expectError } from '../expectLipkitError.js';

describe('twoMoons', () => {
  it('puts noiseless points on the two half circles, balanced, deterministic in the seed', () => {
    const d = twoMoons({ count: 101, noise: 0, seed: 3 });
    expect(d.points.length).toBe(202);
    let zeros = 0;
    for (let i = 0; i < d.count; i++) {
      const x = d.points[2 * i];
      const y = d.points[2 * i + 1];
      if (d.labels[i] === 0) { zeros++; expect(Math.hypot(x, y)).toBeCloseTo(1, 5); expect(y).toBeGreaterThanOrEqual(-1e-6); }
      else { expect(Math.hypot(1 - x, 0.5 - y)).toBeCloseTo(1, 5); expect(y).toBeLessThanOrEqual(0.5 + 1e-6); }
    }
    expect(zeros).toBe(51);
    expect(twoMoons({ count: 101, noise: 0, seed: 3 })).toEqual(d);
    expect(twoMoons({ count: 101, noise: 0, seed: 4 }).points).not.toEqual(d.points);
  });

  it('adds Gaussian noise of the given sd and scales every coordinate', () => {
    const clean = twoMoons({ count: 4000, noise: 0, seed: 1 });
    const noisy = twoMoons({ count: 4000, noise: 0.2, seed: 1 });
    // Residual from the nearest point of the right circle (noise is small against the radius).
    let ss = 0;
    for (let i = 0; i < noisy.count; i++) {
      const x = noisy.points[2 * i];
      const y = noisy.points[2 * i + 1];
      const [cx, cy] = noisy.labels[i] === 0 ? [0, 0] : [1, 0.5];
      ss += (Math.hypot(x - cx, y - cy) - 1) ** 2;
    }
    expect(Math.sqrt(ss / noisy.count)).toBeGreaterThan(0.17);
    expect(Math.sqrt(ss / noisy.count)).toBeLessThan(0.23);
    const scaled = twoMoons({ count: 4000, noise: 0, seed: 1, scale: 10 });
    for (let i = 0; i < 50; i++) expect(scaled.points[i]).toBeCloseTo(10 * clean.points[i], 4);
  });

  it('names bad options', () => {
    expectError(() => twoMoons({ count: 1 }), 'options.count');
    expectError(() => twoMoons({ noise: -1 }), 'options.noise');
    expectError(() => twoMoons({ scale: 0 }), 'options.scale');
    expectError(() => twoMoons({ seed: 1.5 }), 'options.seed');
    expectError(() => twoMoons(null as never), 'options');
  });
});
