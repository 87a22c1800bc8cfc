import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { setBackend } from '../../src/backend/setBackend.js';
import { certifiedAccuracy, certifiedRadius } from '../../src/estimate/certifiedRadius.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { randn, rng } from './denseLinalg.js';
import { expectError } from '../expectLipkitError.js';

describe('certifiedRadius / certifiedAccuracy', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  const logits = [[3, 1, 0], [0, 0.5, 2.5], [1, 1, -1], [-2, -1, -4]];
  // margins 2, 2, 0 (tie), 1; with L = 2: radius = margin / (2 sqrt 2)
  const L = 2;

  it('hand computation: margin / (sqrt(2) L), ties give 0; tensors equal arrays; no leaks', () => {
    const r = certifiedRadius(logits, L);
    const expected = [2, 2, 0, 1].map((m) => m / (2 * Math.SQRT2));
    for (let i = 0; i < 4; i++) expect(r[i]).toBeCloseTo(expected[i], 6);
    const t = tf.tensor2d(logits);
    const lab = tf.tensor1d([0, 2, 0, 1], 'int32');
    const before = tf.memory().numTensors;
    expect(Array.from(certifiedRadius(t, L))).toEqual(Array.from(r));
    expect(certifiedAccuracy(t, lab, L, 0.1)).toBe(0.75);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([t, lab]);
  });

  it('accuracy counts correct predictions with radius > epsilon (strictly)', () => {
    const labels = [0, 2, 0, 1]; // all predicted correctly; radii 0.707, 0.707, 0 (tie), 0.354
    expect(certifiedAccuracy(logits, labels, L, 0)).toBe(0.75); // tie example has radius 0, not > 0
    expect(certifiedAccuracy(logits, labels, L, 0.5)).toBe(0.5); // radii 0.707, 0.707, 0, 0.354
    expect(certifiedAccuracy(logits, labels, L, 2 / (2 * Math.SQRT2))).toBe(0); // not strictly greater
    expect(certifiedAccuracy(logits, [1, 2, 0, 1], L, 0)).toBe(0.5);
    expect(certifiedAccuracy(logits, Int32Array.of(0, 2, 0, 1), L, 0.5)).toBe(0.5);
  });

  it('property: for f(x) = W x with L = sigma_max(W), no sampled point within the radius changes class', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (classes, dim, seed) => {
      const w = randn(classes, dim, seed);
      const lip = exactSingularValues(w)[0];
      const x = randn(1, dim, seed + 1)[0];
      const f = (p: number[]): number[] => w.map((row) => row.reduce((s, a, j) => s + a * p[j], 0));
      const argmax = (v: number[]): number => v.indexOf(Math.max(...v));
      const fx = f(x);
      const cls = argmax(fx);
      const radius = certifiedRadius([fx], lip)[0] * (1 - 1e-6); // float32 output rounding
      const r = rng(seed + 2);
      const directions: number[][] = [];
      // The worst direction for each rival j: -(w_cls - w_j) normalized.
      for (let j = 0; j < classes; j++) if (j !== cls) directions.push(w[j].map((a, k) => a - w[cls][k]));
      for (let s = 0; s < 20; s++) directions.push(Array.from({ length: dim }, () => r() - 0.5));
      for (const d of directions) {
        const n = Math.hypot(...d);
        if (n === 0) continue;
        for (const scale of [0.5, 0.999, 1]) {
          const p = x.map((a, k) => a + (scale * radius * d[k]) / n);
          expect(argmax(f(p))).toBe(cls);
        }
      }
    }), { numRuns: 60, seed: 3 });
  });

  it('the radius is tight up to sqrt(2) L vs ||w_i - w_j||: with two classes and W rows (a, -a), a point at 1.01 r flips', () => {
    const w = [[1, 2], [-1, -2]]; // sigma = sqrt(10), ||w0 - w1|| = 2 sqrt(5) = sqrt(2) sigma: tight
    const lip = exactSingularValues(w)[0];
    const x = [0.3, 0.1];
    const fx = w.map((row) => row[0] * x[0] + row[1] * x[1]);
    const radius = certifiedRadius([fx], lip)[0];
    const d = [-2, -4].map((v) => v / Math.hypot(2, 4));
    const p = x.map((a, k) => a + 1.01 * radius * d[k]);
    const fp = w.map((row) => row[0] * p[0] + row[1] * p[1]);
    expect(fp[1]).toBeGreaterThan(fp[0]);
  });

  it('rejects bad input naming the argument', () => {
    for (const lip of [0, -1, NaN, Infinity]) expectError(() => certifiedRadius(logits, lip), 'lipschitz');
    expectError(() => certifiedRadius([[1], [2]], 1), 'logits');
    expectError(() => certifiedRadius([], 1), 'logits');
    expectError(() => certifiedRadius([[1, NaN]], 1), 'logits');
    expectError(() => certifiedRadius([[1, 2], [3]], 1), 'logits');
    const t3 = tf.zeros([1, 2, 2]);
    expectError(() => certifiedRadius(t3 as tf.Tensor2D, 1), 'logits');
    t3.dispose();
    expectError(() => certifiedAccuracy(logits, [0, 1], 1, 0), 'labels');
    expectError(() => certifiedAccuracy(logits, [0, 1, 2, 3], 1, 0), 'labels');
    expectError(() => certifiedAccuracy(logits, [0, 1, 0.5, 1], 1, 0), 'labels');
    expectError(() => certifiedAccuracy(logits, [0, 1, NaN, 1], 1, 0), 'labels');
    expectError(() => certifiedAccuracy(logits, [0, 1, 2, 1], 1, -0.1), 'epsilon');
    expectError(() => certifiedAccuracy(logits, [0, 1, 2, 1], 0, 0.1), 'lipschitz');
    const l2 = tf.zeros([4, 1]);
    expectError(() => certifiedAccuracy(logits, l2 as tf.Tensor1D, 1, 0), 'labels');
    l2.dispose();
  });
});
