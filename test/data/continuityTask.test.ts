import { describe, expect, it } from 'vitest';
import { continuityTask, sineSumMap } from '../../src/data/continuityTask.js';
import { createRng } from '../../src/data/rng.js';
import { LipkitError } from '../../src/util/errors.js';

function argumentOf(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof LipkitError) return e.argument; throw e; }
  throw new Error('did not throw');
}

/** Mean over sequences (and variates) of max_t |x_{t+1} - x_t|, and max |x|. */
function steps(d: { inputs: Float32Array; shape: [number, number, number] }): { meanMaxStep: number; maxAbs: number } {
  const [n, L, V] = d.shape;
  let sum = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) for (let v = 0; v < V; v++) {
    let m = 0;
    for (let t = 0; t < L; t++) {
      const x = d.inputs[(i * L + t) * V + v];
      maxAbs = Math.max(maxAbs, Math.abs(x));
      if (t + 1 < L) m = Math.max(m, Math.abs(d.inputs[(i * L + t + 1) * V + v] - x));
    }
    sum += m;
  }
  return { meanMaxStep: sum / (n * V), maxAbs };
}

describe('continuityTask (Figure 1, Appendix A.1 / A.2)', () => {
  const high = continuityTask({ count: 100, continuity: 'high', seed: 1 });
  const low = continuityTask({ count: 100, continuity: 'low', seed: 1 });

  it('inputs: length 200, within ±0.4, max step about 0.11 (high) and 0.53 (low) as in the paper', () => {
    expect(high.shape).toEqual([100, 200, 1]);
    const h = steps(high);
    const l = steps(low);
    expect(h.maxAbs).toBeCloseTo(0.4, 6);
    expect(l.maxAbs).toBeCloseTo(0.4, 6);
    expect(h.meanMaxStep).toBeGreaterThan(0.09);
    expect(h.meanMaxStep).toBeLessThan(0.13);
    expect(l.meanMaxStep).toBeGreaterThan(0.45);
    expect(l.meanMaxStep).toBeLessThan(0.61);
  });

  it('targets are h(x) = sum of 20 sines / c, recomputed in float64 from the seed (k ~ N(0, 3), phi ~ N(0, 1))', () => {
    const rng = createRng(1);
    const k = Array.from({ length: 20 }, () => 3 * rng.normal());
    const phi = Array.from({ length: 20 }, () => rng.normal());
    const raw = (x: number): number => k.reduce((s, ki, i) => s + Math.sin(2 * Math.PI * ki * x + phi[i]), 0);
    let c = 0;
    for (let j = 0; j <= 2000; j++) c = Math.max(c, Math.abs(raw(-0.4 + (0.8 * j) / 2000)));
    expect(high.map.scale).toBeCloseTo(c, 10);
    for (const d of [high, low]) {
      for (const at of [0, 1234, 19999]) expect(d.targets[at]).toBeCloseTo(raw(d.inputs[at]) / c, 5);
      expect(Math.max(...Array.from(d.targets, Math.abs))).toBeLessThanOrEqual(1 + 1e-6);
    }
    // the same map for both continuities (drawn from the seed first)
    expect(Array.from(low.map.frequencies)).toEqual(Array.from(high.map.frequencies));
    expect(Array.from(sineSumMap(1).phases)).toEqual(phi);
  });

  it('deterministic per seed; a different seed changes map and inputs', () => {
    expect(Array.from(continuityTask({ count: 100, continuity: 'high', seed: 1 }).inputs)).toEqual(Array.from(high.inputs));
    const other = continuityTask({ count: 100, continuity: 'high', seed: 2 });
    expect(Array.from(other.inputs)).not.toEqual(Array.from(high.inputs));
    expect(other.map.frequencies[0]).not.toBe(high.map.frequencies[0]);
  });

  it('a shorter sequence keeps the step sizes (frequencies are per 200 steps)', () => {
    const h = steps(continuityTask({ count: 100, continuity: 'high', length: 100, seed: 3 }));
    const l = steps(continuityTask({ count: 100, continuity: 'low', length: 100, seed: 3 }));
    expect(h.meanMaxStep).toBeGreaterThan(0.08);
    expect(h.meanMaxStep).toBeLessThan(0.13);
    expect(l.meanMaxStep).toBeGreaterThan(0.4);
    expect(l.meanMaxStep).toBeLessThan(0.61);
  });

  it('A.2: 10 variates, each mapped by the same h', () => {
    const mv = continuityTask({ count: 3, continuity: 'low', variates: 10, length: 50, seed: 4 });
    expect(mv.shape).toEqual([3, 50, 10]);
    const { frequencies: k, phases: phi, scale } = mv.map;
    for (const at of [0, 7, 499, 1499]) {
      const x = mv.inputs[at];
      let h = 0;
      for (let i = 0; i < 20; i++) h += Math.sin(2 * Math.PI * k[i] * x + phi[i]);
      expect(mv.targets[at]).toBeCloseTo(h / scale, 5);
    }
    expect(mv.inputs[0]).not.toBe(mv.inputs[1]);
  });

  it('errors name the option', () => {
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'high', length: 1 }))).toBe('options.length');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'medium' as never }))).toBe('options.continuity');
    expect(argumentOf(() => continuityTask({ count: 0, continuity: 'low' }))).toBe('options.count');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', variates: 0 }))).toBe('options.variates');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', seed: -0.5 }))).toBe('options.seed');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', maxFrequency: 0 }))).toBe('options.maxFrequency');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', maxValue: -1 }))).toBe('options.maxValue');
    expect(argumentOf(() => continuityTask(null as never))).toBe('options');
  });
});
