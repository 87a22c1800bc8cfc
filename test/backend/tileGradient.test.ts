import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { installTileGradient, uninstallTileGradient } from '../../src/backend/tileGradient.js';
import { randomValues } from './backendCompare.js';

/** Float64 oracle: dL/dx[i] = sum of w over every tile position that copies x[i], for L = sum(w * tile(x, reps)). */
function oracle(shape: number[], reps: number[], w: ArrayLike<number>): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const outShape = shape.map((n, i) => n * reps[i]);
  const out = new Float64Array(size);
  const total = outShape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rem = flat;
    let src = 0;
    let stride = 1;
    const idx: number[] = [];
    for (let d = outShape.length - 1; d >= 0; d--) { idx[d] = rem % outShape[d]; rem = Math.floor(rem / outShape[d]); }
    for (let d = shape.length - 1; d >= 0; d--) { src += (idx[d] % shape[d]) * stride; stride *= shape[d]; }
    out[src] += w[flat];
  }
  return out;
}

describe('Tile gradient (one reshape and one sum)', () => {
  const cases: [number[], number[]][] = [[[3], [4]], [[2, 3], [3, 1]], [[1, 1, 5], [4, 6, 1]], [[2, 1, 3], [2, 5, 2]], [[2, 2, 1, 2], [1, 3, 2, 2]]];

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`equals a float64 oracle and TF.js's own gradient on ${backend}`, async () => {
      await setBackend(backend);
      installTileGradient();
      for (const [shape, reps] of cases) {
        const x = tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 1), shape);
        const wv = randomValues(shape.reduce((a, b, i) => a * b * reps[i], 1), 2);
        const w = tf.tensor(wv, shape.map((n, i) => n * reps[i]));
        const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.tile(t, reps), w));
        const before = tf.memory().numTensors;
        const g = tf.grad(f)(x);
        expect(tf.memory().numTensors).toBe(before + 1);
        const want = oracle(shape, reps, wv);
        const got = g.dataSync();
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
        uninstallTileGradient();
        const stock = tf.grad(f)(x).dataSync();
        installTileGradient();
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(stock[i], 4);
        tf.dispose([x, w, g]);
      }
    });
  }

  it('is differentiable again (second order through tile matches the analytic value)', async () => {
    await setBackend('cpu');
    installTileGradient();
    // L(x) = sum(tile(x, [3])^3) -> dL/dx = 9 x^2 (three copies) -> d/dx sum(dL/dx) = 18 x.
    const x = tf.tensor1d([0.5, -1, 2]);
    const h = tf.grad((t: tf.Tensor) => tf.sum(tf.grad((s: tf.Tensor) => tf.sum(tf.pow(tf.tile(s, [3]), 3)))(t)))(x);
    expect(Array.from(h.dataSync())).toEqual([9, -18, 36].map((v) => expect.closeTo(v, 4)));
    tf.dispose([x, h]);
  });

  it('uses a constant number of kernels however many tiles (the stock gradient uses one slice and add per tile)', async () => {
    await setBackend('cpu');
    const x = tf.ones([1, 1, 4]);
    const count = async (): Promise<number> => (await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(tf.tile(t, [16, 20, 1])))(x))).kernels.length;
    installTileGradient();
    const ours = await count();
    uninstallTileGradient();
    const stock = await count();
    installTileGradient();
    expect(ours).toBeLessThan(10);
    expect(stock).toBeGreaterThan(320);
    x.dispose();
  });
});
