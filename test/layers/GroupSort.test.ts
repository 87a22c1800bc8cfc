import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { setBackend } from '../../src/backend/setBackend.js';
import { GroupSort, groupSort, groupSortLayer, maxMin } from '../../src/layers/GroupSort.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { LipkitError } from '../../src/util/errors.js';
import { maxAbsDiff, roundTrip } from './helpers.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

/** Hand sort: each group of `g` consecutive entries of each row, descending. */
function handSort(rows: number[][], g: number): number[][] {
  return noNegZero(rows).map((r) => {
    const out: number[] = [];
    for (let i = 0; i < r.length; i += g) out.push(...r.slice(i, i + g).sort((a, b) => b - a));
    return out;
  });
}

/** -0 -> 0 (the product with a one-hot permutation yields +0). */
const noNegZero = (rows: number[][]): number[][] => rows.map((r) => r.map((v) => v + 0));

describe.each(['cpu', 'wasm'] as const)('GroupSort on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('equals a hand sort of each group (descending), for several group sizes, ties included', () => {
    const x = tf.tidy(() => tf.round(tf.mul(tf.randomNormal([5, 12], 0, 1, 'float32', 1), 2))); // many ties
    const rows = x.arraySync() as number[][];
    for (const g of [1, 2, 3, 4, 6, 12]) {
      const y = groupSort(x, g);
      expect(noNegZero(y.arraySync() as number[][])).toEqual(handSort(rows, g));
      y.dispose();
    }
    // Rank 3 (sequence / image channels): groups along the last axis only.
    const x3 = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 2);
    const y3 = maxMin().apply(x3) as tf.Tensor;
    expect(noNegZero(tf.reshape(y3, [6, 4]).arraySync() as number[][])).toEqual(handSort(tf.reshape(x3, [6, 4]).arraySync() as number[][], 2));
    tf.dispose([x, x3, y3]);
  });

  it('preserves gradient norms exactly (Jacobian = permutation), also at ties', () => {
    for (const g of [2, 4]) {
      for (const seed of [3, 4]) {
        const base = tf.randomNormal([6, 8], 0, 1, 'float32', seed);
        const x = seed === 4 ? tf.round(base) : tf.clone(base); // integer values: ties
        const dy = tf.randomNormal([6, 8], 0, 1, 'float32', seed + 10);
        const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(groupSort(t, g), dy)))(x);
        const n1 = tf.norm(gx, 'euclidean', 1).arraySync() as number[];
        const n2 = tf.norm(dy, 'euclidean', 1).arraySync() as number[];
        n1.forEach((v, i) => expect(v).toBeCloseTo(n2[i], 5));
        // The gradient is dy permuted back: same multiset of values per group.
        const sorted = (a: number[]) => [...a].sort((p, q) => p - q);
        const ga = gx.arraySync() as number[][];
        const da = dy.arraySync() as number[][];
        for (let r = 0; r < 6; r++) for (let c = 0; c < 8; c += g) expect(sorted(ga[r].slice(c, c + g))).toEqual(sorted(da[r].slice(c, c + g)));
        tf.dispose([base, x, dy, gx]);
      }
    }
  });

  it('is 1-Lipschitz on random pairs (fast-check) and second derivatives exist (gradient penalties)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(2, 3, 6), (seed, g) => {
      const [q] = tf.tidy(() => {
        const x = tf.randomNormal([4, 6], 0, 1, 'float32', seed);
        const y = tf.add(x, tf.randomNormal([4, 6], 0, 0.3, 'float32', seed + 1));
        const num = tf.norm(tf.sub(groupSort(x, g), groupSort(y, g)), 'euclidean', 1);
        return [tf.max(tf.div(num, tf.norm(tf.sub(x, y), 'euclidean', 1))).dataSync()[0]];
      });
      expect(q).toBeLessThanOrEqual(1 + 1e-6);
    }), { numRuns: 25 });
    // d/dx ||grad_x sum(w * f(x))||^2 = 0 (the gradient is a permuted constant): runs and is 0.
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 7);
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 8);
    const gp = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(groupSort(s, 2), w)))(t))))(x);
    expect(tf.max(tf.abs(gp)).dataSync()[0]).toBe(0);
    tf.dispose([x, w, gp]);
  });

  it('works in model.fit and custom loops without leaks; save/load identical; lipschitzBound rule = 1', async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 8, inputShape: [3], kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      groupSortLayer({ groupSize: 4 }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
    ] });
    const x = tf.randomNormal([16, 3], 0, 1, 'float32', 3);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 4);
    await expectNoTrainingLeaks(model, x, y, 3);
    const loaded = await roundTrip(model);
    expect((loaded.layers[1] as GroupSort).groupSize).toBe(4);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    const r = lipschitzBound(model);
    expect(r.layers[1].lipschitz).toBe(1);
    expect(r.certified).toBe(true);
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('bad input: LipkitError naming the option', () => {
    const err = (f: () => unknown, arg: string) => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); expect((e as LipkitError).argument).toBe(arg); return; }
      throw new Error('no error');
    };
    err(() => groupSortLayer({ groupSize: 0 }), 'config.groupSize');
    err(() => groupSortLayer({ groupSize: 2.5 }), 'config.groupSize');
    err(() => groupSortLayer({ groupSize: 3 }).apply(tfl.input({ shape: [4] })), 'config.groupSize');
    const x = tf.zeros([2, 5]);
    err(() => groupSort(x, 2), 'groupSize');
    x.dispose();
  });
});
