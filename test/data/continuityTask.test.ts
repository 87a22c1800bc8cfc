import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { setBackend } from '../../src/backend/setBackend.js';
import { continuityTask, continuityFilter } from '../../src/data/continuityTask.js';
import { sequenceLipschitz } from '../../src/estimate/sequenceLipschitz.js';
import { lipReg } from '../../src/regularize/lipReg.js';
import { LipkitError } from '../../src/util/errors.js';

function argumentOf(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof LipkitError) return e.argument; throw e; }
  throw new Error('did not throw');
}

describe('continuityTask (Figure 1)', () => {
  const high = continuityTask({ count: 200, continuity: 'high', length: 128, seed: 1 });
  const low = continuityTask({ count: 200, continuity: 'low', length: 128, seed: 1 });

  it('shapes, determinism, and unit variance per step for both kinds', () => {
    for (const d of [high, low]) {
      expect(d.shape).toEqual([200, 128, 1]);
      expect(d.inputs.length).toBe(200 * 128);
      let ss = 0;
      for (const v of d.inputs) ss += v * v;
      expect(ss / d.inputs.length).toBeGreaterThan(0.8);
      expect(ss / d.inputs.length).toBeLessThan(1.2);
    }
    const again = continuityTask({ count: 200, continuity: 'high', length: 128, seed: 1 });
    expect(Array.from(again.inputs)).toEqual(Array.from(high.inputs));
    expect(Array.from(continuityTask({ count: 200, continuity: 'high', length: 128, seed: 2 }).inputs)).not.toEqual(Array.from(high.inputs));
    // low: values on the 4-level alphabet +-s/3, +-s with s = sqrt(9/5)
    const s = Math.sqrt(9 / 5);
    const levels = new Set(Array.from(low.inputs, (v) => Math.round((v / s) * 3)));
    expect([...levels].sort((a, b) => a - b)).toEqual([-3, -1, 1, 3]);
  });

  it('targets are tanh of the causal filter h_k = exp(-k/4) cos(pi k/8) / sum|h| (recomputed in float64)', () => {
    const h = Array.from({ length: 16 }, (_, k) => Math.exp(-k / 4) * Math.cos((Math.PI * k) / 8));
    const l1 = h.reduce((a, b) => a + Math.abs(b), 0);
    const filter = continuityFilter();
    h.forEach((v, k) => expect(filter[k]).toBeCloseTo(v / l1, 12));
    for (const d of [high, low]) {
      for (const i of [0, 57, 199]) {
        for (const t of [0, 3, 15, 16, 127]) {
          let z = 0;
          for (let k = 0; k <= Math.min(t, 15); k++) z += (h[k] / l1) * d.inputs[i * 128 + t - k];
          expect(d.targets[i * 128 + t]).toBeCloseTo(Math.tanh(z), 5);
        }
      }
    }
    // segment > 1 holds each token
    const seg = continuityTask({ count: 2, continuity: 'low', length: 12, segment: 4, seed: 3 });
    for (let t = 0; t < 12; t++) expect(seg.inputs[t]).toBe(seg.inputs[t - (t % 4)]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`high-continuity inputs have a much smaller L_f (sequenceLipschitz) and lipReg (${backend})`, async () => {
      await setBackend(backend);
      const before = tf.memory().numTensors;
      const xh = tf.tensor3d(high.inputs, high.shape);
      const xl = tf.tensor3d(low.inputs, low.shape);
      const lh = sequenceLipschitz(xh);
      const ll = sequenceLipschitz(xl);
      const rh = tf.tidy(() => lipReg(xh).dataSync()[0]);
      const rl = tf.tidy(() => lipReg(xl).dataSync()[0]);
      // float64 oracle of the max step
      let maxStep = 0;
      for (let i = 0; i < 200; i++) for (let t = 0; t < 127; t++) maxStep = Math.max(maxStep, Math.abs(high.inputs[i * 128 + t + 1] - high.inputs[i * 128 + t]));
      expect(lh.max).toBeCloseTo(maxStep, 5);
      const meanPer = (p: Float32Array): number => p.reduce((a, b) => a + b, 0) / p.length;
      // measured (seed 1, cpu): L_f max over the 200 sequences 0.47 (high) vs 2.68 (low), mean per
      // sequence 0.133 vs 2.68, lipReg 0.0076 vs 2.00; the max is a tail statistic, hence the looser bound
      expect(lh.max).toBeLessThan(0.25 * ll.max);
      expect(meanPer(lh.perSequence)).toBeLessThan(0.1 * meanPer(ll.perSequence));
      expect(rh).toBeLessThan(0.01 * rl);
      tf.dispose([xh, xl]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('bad options name the field', () => {
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'high', length: 1 }))).toBe('options.length');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'medium' as never }))).toBe('options.continuity');
    expect(argumentOf(() => continuityTask({ count: 0, continuity: 'low' }))).toBe('options.count');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', levels: 1 }))).toBe('options.levels');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', segment: 0 }))).toBe('options.segment');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', filterLength: 0 }))).toBe('options.filterLength');
    expect(argumentOf(() => continuityTask({ count: 2, continuity: 'low', seed: -0.5 }))).toBe('options.seed');
    expect(argumentOf(() => continuityTask(undefined as never))).toBe('options');
  });
});
