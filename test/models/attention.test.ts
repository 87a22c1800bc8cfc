import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { LipkitError } from '../../src/util/errors.js';
import { seededNormal } from '../../src/util/random.js';
import { MultiHeadAttention, multiHeadSelfAttention, readAttention } from '../../src/models/MultiHeadAttention.js';
import { attentionFrom, flat, maxAbs, randomSeq, refAttention, release, shortName, weightsByName, type Seq } from './attentionReference.js';

/** A built attention layer with every weight (biases included) set to seeded random values. */
function randomLayer(d: number, heads: number, seed: number, keyDim?: number, useBias = true): MultiHeadAttention {
  const layer = new MultiHeadAttention({ heads, keyDim, useBias });
  layer.build([null, null, d]);
  layer.setWeights(layer.weights.map((w, i) => seededNormal(w.shape as number[], seed * 100 + i, 0.5)));
  return layer;
}

function run(layer: MultiHeadAttention, x: Seq, mask?: number[][]): number[] {
  return tf.tidy(() => {
    const xt = tf.tensor3d(x);
    const out = layer.apply(mask === undefined ? xt : [xt, tf.tensor2d(mask)]) as tf.Tensor;
    return Array.from(out.dataSync());
  });
}

function reference(layer: MultiHeadAttention, x: Seq, mask?: number[][]): number[] {
  const w = attentionFrom(weightsByName(layer));
  return x.flatMap((seq, b) => refAttention(seq, w, layer.heads, mask?.[b].map((m) => m > 0.5)).flat());
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`MultiHeadAttention (${backend})`, () => {
    beforeAll(async () => {
      await setBackend(backend);
    });

    it('equals the float64 reference (heads 1, 2, 4; with and without biases; keyDim != dModel/heads)', () => {
      const cases: [number, number, number | undefined, boolean][] = [[4, 1, undefined, true], [8, 2, undefined, true], [8, 4, undefined, false], [6, 2, 5, true]];
      for (const [d, heads, keyDim, useBias] of cases) {
        const layer = randomLayer(d, heads, d + heads, keyDim, useBias);
        const x = randomSeq(3, 5, d, 7 + d);
        const err = maxAbs(run(layer, x), reference(layer, x));
        expect(err, `d ${d} heads ${heads}`).toBeLessThan(1e-4);
        release(layer);
      }
    });

    it('masked keys are excluded exactly as in the reference, and kept outputs ignore padded inputs', () => {
      const layer = randomLayer(8, 2, 3);
      const mask = [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 0, 1]];
      const x = randomSeq(3, 5, 8, 11);
      expect(maxAbs(run(layer, x, mask), reference(layer, x, mask))).toBeLessThan(1e-4);
      // Replace the padded positions' inputs by large arbitrary values.
      const wild = randomSeq(3, 5, 8, 99, 50);
      const x2 = x.map((seq, b) => seq.map((row, t) => (mask[b][t] ? row : wild[b][t])));
      const a = run(layer, x, mask);
      const b2 = run(layer, x2, mask);
      let checked = 0;
      for (let b = 0; b < 3; b++) {
        for (let t = 0; t < 5; t++) {
          if (!mask[b][t]) continue;
          const i = (b * 5 + t) * 8;
          expect(maxAbs(a.slice(i, i + 8), b2.slice(i, i + 8))).toBeLessThan(1e-5);
          checked++;
        }
      }
      expect(checked).toBe(11);
      // Without the mask the same change does move the kept outputs (the test can fail).
      expect(maxAbs(run(layer, x), run(layer, x2))).toBeGreaterThan(1e-2);
      release(layer);
    });

    it('is permutation equivariant (no positions)', () => {
      const layer = randomLayer(8, 2, 5);
      const x = randomSeq(2, 6, 8, 21);
      const perm = [3, 0, 5, 1, 4, 2];
      const y = run(layer, x);
      const yp = run(layer, x.map((seq) => perm.map((p) => seq[p])));
      const expected = [0, 1].flatMap((b) => perm.flatMap((p) => y.slice((b * 6 + p) * 8, (b * 6 + p + 1) * 8)));
      expect(maxAbs(yp, expected)).toBeLessThan(1e-5);
      release(layer);
    });

    it('gradients w.r.t. input and weights match central differences of the float64 reference', () => {
      const layer = randomLayer(4, 2, 8);
      const x = randomSeq(2, 3, 4, 31);
      const mask = [[1, 1, 0], [1, 1, 1]];
      const keep = mask.map((r) => r.map((m) => m > 0.5));
      const c = randomSeq(2, 3, 4, 32).flat(2); // loss = sum(c * y)
      const lossRef = (xs: Seq, w: Map<string, number[] | number[][]>): number => {
        const att = attentionFrom(w);
        return xs.flatMap((seq, b) => refAttention(seq, att, 2, keep[b]).flat()).reduce((s, v, i) => s + v * c[i], 0);
      };
      const before = tf.memory().numTensors;
      const xt = tf.tensor3d(x);
      const mt = tf.tensor2d(mask);
      const ct = tf.tensor3d(c, [2, 3, 4]);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(ct, layer.apply([xt, mt]) as tf.Tensor)) as tf.Scalar, vars);
      const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(ct, layer.apply([xi, mt]) as tf.Tensor)))(xt);
      const w0 = weightsByName(layer);
      expect(Math.abs(value.dataSync()[0] - lossRef(x, w0))).toBeLessThan(1e-4);
      const h = 1e-6;
      // Input gradient, padded position included (it still acts through its own query).
      const gxv = gx.dataSync();
      const flatX = x.flat(2);
      for (let i = 0; i < flatX.length; i++) {
        const bump = (s: number): Seq => {
          const f = flatX.slice();
          f[i] += s;
          return [0, 1].map((b) => [0, 1, 2].map((t) => f.slice((b * 3 + t) * 4, (b * 3 + t + 1) * 4)));
        };
        const fd = (lossRef(bump(h), w0) - lossRef(bump(-h), w0)) / (2 * h);
        expect(Math.abs(gxv[i] - fd), `x[${i}]`).toBeLessThan(2e-4 * Math.max(1, Math.abs(fd)));
      }
      // Weight gradients.
      let compared = 0;
      for (const w of layer.trainableWeights) {
        const short = shortName(w.name);
        const g = grads[(w.read() as tf.Variable).name].dataSync();
        const base = w0.get(short) as number[] | number[][];
        const flatW = (base as unknown[]).flat() as number[];
        const cols = Array.isArray(base[0]) ? (base[0] as number[]).length : 0;
        for (let i = 0; i < flatW.length; i++) {
          const bump = (s: number): Map<string, number[] | number[][]> => {
            const f = flatW.slice();
            f[i] += s;
            const m = new Map(w0);
            m.set(short, cols === 0 ? f : Array.from({ length: f.length / cols }, (_, r) => f.slice(r * cols, (r + 1) * cols)));
            return m;
          };
          const fd = (lossRef(x, bump(h)) - lossRef(x, bump(-h))) / (2 * h);
          expect(Math.abs(g[i] - fd), `${short}[${i}]`).toBeLessThan(2e-4 * Math.max(1, Math.abs(fd)));
          compared++;
        }
      }
      expect(compared).toBe(4 * 4 * 4 + 4 * 4);
      tf.dispose([xt, mt, ct, value, gx, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      release(layer);
    });

    it('leaks no tensors in apply, with or without mask', () => {
      const layer = randomLayer(8, 2, 9);
      const x = tf.tensor3d(randomSeq(2, 4, 8, 1));
      const m = tf.tensor2d([[1, 1, 0, 0], [1, 1, 1, 1]]);
      layer.apply(x); // first call may allocate nothing more; weights exist already
      const before = tf.memory().numTensors;
      const y1 = layer.apply(x) as tf.Tensor;
      const y2 = layer.apply([x, m]) as tf.Tensor;
      const y3 = multiHeadSelfAttention(x, readAttention((layer as unknown as { vars: Parameters<typeof readAttention>[0] }).vars), { heads: 2, mask: m });
      expect(tf.memory().numTensors).toBe(before + 3);
      expect(Array.from(y3.dataSync())).toEqual(Array.from(y2.dataSync()));
      tf.dispose([y1, y2, y3, x, m]);
      release(layer);
    });
  });
}

describe('MultiHeadAttention: configuration and bad input', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('rejects bad config fields by name', () => {
    const field = (f: () => unknown): string => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); return (e as LipkitError).argument; }
      throw new Error('did not throw');
    };
    expect(field(() => new MultiHeadAttention({ heads: 0 }))).toBe('config.heads');
    expect(field(() => new MultiHeadAttention({ heads: 1.5 }))).toBe('config.heads');
    expect(field(() => new MultiHeadAttention({ keyDim: -1 }))).toBe('config.keyDim');
    expect(field(() => new MultiHeadAttention({ dropout: 1 }))).toBe('config.dropout');
    expect(field(() => new MultiHeadAttention({ useBias: 'yes' as unknown as boolean }))).toBe('config.useBias');
    expect(field(() => new MultiHeadAttention({ heads: 3 }).build([null, 4, 8]))).toBe('config.heads');
    expect(field(() => new MultiHeadAttention().build([null, 8]))).toBe('inputShape');
  });

  it('rejects wrong input shapes and masks', () => {
    const layer = randomLayer(4, 2, 1);
    const field = (f: () => unknown): string => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); return (e as LipkitError).argument; }
      throw new Error('did not throw');
    };
    const x = tf.zeros([2, 3, 4]);
    expect(field(() => layer.apply([x, tf.ones([2, 4])]))).toBe('mask');
    expect(field(() => layer.apply([x, tf.ones([2, 3, 1])]))).toBe('mask');
    expect(field(() => layer.apply(tf.zeros([2, 3, 5])))).toBe('inputs');
    expect(field(() => layer.call(tf.zeros([2, 4]), {}))).toBe('inputs');
    tf.dispose(x);
    release(layer);
  });

  it('works in a functional model with a mask input and survives save/load', async () => {
    const x = tfl.input({ shape: [5, 8] });
    const m = tfl.input({ shape: [5] });
    const y = new MultiHeadAttention({ heads: 2, seed: 3 }).apply([x, m]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [x, m], outputs: y });
    const xs = tf.tensor3d(randomSeq(2, 5, 8, 4));
    const ms = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
    const a = model.predict([xs, ms]) as tf.Tensor;
    const { roundTrip } = await import('../layers/helpers.js');
    const loaded = await roundTrip(model);
    const b = loaded.predict([xs, ms]) as tf.Tensor;
    expect(loaded.layers[2].getClassName()).toBe('LipkitMultiHeadAttention');
    expect(maxAbs(a.dataSync(), b.dataSync())).toBe(0);
    expect(flat(a.arraySync() as Seq).length).toBe(80);
    tf.dispose([xs, ms, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
