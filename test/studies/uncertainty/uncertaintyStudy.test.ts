import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { runUncertaintyStudy, uncertaintyStudy } from '../../../src/studies/uncertainty/uncertaintyStudy.js';
import { auroc } from '../../../src/studies/uncertainty/auroc.js';
import { minDistance, oodRing } from '../../../src/studies/uncertainty/oodRing.js';
import { uncertaintyClaims, PRIMARY_CLAIMS } from '../../../src/studies/uncertainty/claims.js';
import { UNCERTAINTY_ARMS, UNCERTAINTY_SIZES, OOD_RING } from '../../../src/studies/uncertainty/spec.js';
import type { UncertaintyRecord } from '../../../src/studies/uncertainty/record.js';
import { STUDIES } from '../../../src/studies/registry.js';
import { LipkitError } from '../../../src/util/errors.js';
import { expectWellFormedOutput } from '../mlp/studyOutputChecks.js';

/** O(n m) oracle: P(pos > neg) + P(pos = neg) / 2 over all pairs. */
function bruteAuroc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

function record(arm: (typeof UNCERTAINTY_ARMS)[number], seed: number, auc: number, accuracy = 0.9): UncertaintyRecord {
  return { arm, seed, accuracy, auroc: auc, aurocVariance: arm.startsWith('SNGP') ? auc : null, meanUncertaintyTest: 0.1, meanUncertaintyOod: 0.5, lipschitzUpper: 3, finalLoss: 0.1, diverged: false, seconds: 1 };
}

describe('uncertainty study', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('auroc equals the pairwise oracle, ties and infinities included', () => {
    const next = (() => { let s = 7; return () => ((s = (s * 48271) % 2147483647) / 2147483647); })();
    for (let t = 0; t < 20; t++) {
      const pos = Array.from({ length: 1 + (t % 7) }, () => Math.round(next() * 5) / 5);
      const neg = Array.from({ length: 1 + (t % 5) }, () => Math.round(next() * 5) / 5);
      expect(auroc(pos, neg)).toBeCloseTo(bruteAuroc(pos, neg), 12);
    }
    expect(auroc([Infinity, 2], [1, Infinity])).toBeCloseTo(bruteAuroc([Infinity, 2], [1, Infinity]), 12);
    expect(auroc([2, 3], [0, 1])).toBe(1);
    expect(auroc([0, 1], [2, 3])).toBe(0);
    expect(() => auroc([], [1])).toThrow(/positives/);
    expect(() => auroc([1], [NaN])).toThrow(/negatives/);
  });

  it('OOD points lie on the ring, far from the moons', () => {
    const p = oodRing(500, 3);
    for (let i = 0; i < p.length; i += 2) {
      const r = Math.hypot(p[i] - OOD_RING.centre[0], p[i + 1] - OOD_RING.centre[1]);
      expect(r).toBeGreaterThanOrEqual(OOD_RING.inner - 1e-5);
      expect(r).toBeLessThanOrEqual(OOD_RING.outer + 1e-5);
    }
    expect(oodRing(10, 3)).toEqual(oodRing(10, 3));
    expect(minDistance(new Float32Array([0, 0]), new Float32Array([3, 4, 1, 0]))).toBe(1);
    expect(() => oodRing(0, 1)).toThrow(LipkitError);
  });

  it('claims: held, contradicted and inconclusive follow the paired effects (Holm over the primaries)', () => {
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const recs = seeds.flatMap((s) => [
      record('softmax', s, 0.2 + 0.01 * s),
      record('softmax + GP', s, 0.1 + 0.01 * s), // below softmax: P3 contradicted
      record('SNGP', s, 0.9 + 0.005 * (s % 3)), // above: P1 held
      record('DUQ', s, s % 2 === 0 ? 0.3 : 0.15), // mixed: P2 inconclusive
      record('SNGP (residual)', s, 0.95),
    ]);
    const claims = uncertaintyClaims(recs);
    expect(claims.slice(0, 3).map((c) => c.verdict)).toEqual(['held', 'inconclusive', 'contradicted']);
    expect(claims.slice(0, 3).every((c) => c.primary === true)).toBe(true);
    expect(claims[0].pAdjusted).toBeGreaterThanOrEqual(claims[0].p ?? 0);
    expect(claims.length).toBe(PRIMARY_CLAIMS.length + 8);
    const one = uncertaintyClaims(recs.filter((r) => r.seed === 0));
    expect(one.every((c) => c.verdict === 'inconclusive' && c.held === null)).toBe(true);
  });

  it('smoke mode: registered, well-formed, leak-free; AUROC and accuracy in [0, 1]; certified bounds', async () => {
    expect(STUDIES).toContain(uncertaintyStudy);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const out = await uncertaintyStudy.run({ mode: 'smoke', seed: 2, onProgress: (p) => progress.push(p.done) });
    expect(tf.memory().numTensors).toBe(before);
    await expectWellFormedOutput(out, 'uncertainty', 'smoke', ['uncertainty-surfaces', 'auroc-by-arm', 'accuracy-by-arm']);
    const sizes = UNCERTAINTY_SIZES.smoke;
    expect(out.records.length).toBe(sizes.seeds * UNCERTAINTY_ARMS.length);
    expect(progress).toEqual(out.records.map((_, i) => i + 1));
    for (const raw of out.records) {
      const r = raw as UncertaintyRecord;
      for (const v of [r.accuracy, r.auroc, r.meanUncertaintyTest, r.meanUncertaintyOod]) {
        expect(v).not.toBeNull();
        expect(v as number).toBeGreaterThanOrEqual(0);
        expect(v as number).toBeLessThanOrEqual(1);
      }
      expect(r.aurocVariance === null).toBe(!r.arm.startsWith('SNGP'));
      expect(r.lipschitzUpper).toBeGreaterThan(0);
    }
    expect(out.claims.filter((c) => c.primary).length).toBe(3);
    await expect(runUncertaintyStudy({ mode: 'nope' as never })).rejects.toMatchObject({ argument: 'options.mode' });
  });
});
