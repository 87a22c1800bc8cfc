import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { OrthogonalDense, orthogonalDense } from '../../src/layers/OrthogonalDense.js';
import { bjorck } from '../../src/layers/bjorck.js';
import { orthogonalMatrix } from '../../src/layers/orthogonalInit.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { LipkitError } from '../../src/util/errors.js';
import { maxAbsDiff, operatorMatrix, roundTrip } from './helpers.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

function singularValues(w: tf.Tensor): Float64Array {
  return exactSingularValues(w.arraySync() as number[][]);
}

/** float64 product a^T b of row-major [r, ca] and [r, cb]. */
function atb(a: number[][], b: number[][]): number[][] {
  const ca = a[0].length, cb = b[0].length;
  const out = Array.from({ length: ca }, () => new Array<number>(cb).fill(0));
  for (let r = 0; r < a.length; r++) for (let i = 0; i < ca; i++) for (let j = 0; j < cb; j++) out[i][j] += a[r][i] * b[r][j];
  return out;
}

describe.each(['cpu', 'wasm'] as const)('OrthogonalDense on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('bjorck returns the polar factor: Q^T Q = I and Q^T W symmetric positive (float64 checks)', () => {
    for (const [rows, cols] of [[8, 5], [5, 8], [6, 6]]) {
      const w = tf.randomNormal([rows, cols], 0, 1, 'float32', rows * 10 + cols);
      const s = singularValues(w);
      const q = tf.tidy(() => bjorck(tf.div(w, s[0]) as tf.Tensor2D, 25, 0.5));
      const sq = singularValues(q);
      sq.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-4));
      // Polar factor of W: Q^T W = (W^T W)^{1/2} (tall) is symmetric; for wide W use W Q^T.
      const qa = q.arraySync() as number[][];
      const wa = w.arraySync() as number[][];
      const p = rows >= cols ? atb(qa, wa) : atb(transpose(wa), transpose(qa));
      for (let i = 0; i < p.length; i++) {
        expect(p[i][i]).toBeGreaterThan(0);
        for (let j = 0; j < i; j++) expect(Math.abs(p[i][j] - p[j][i])).toBeLessThan(1e-4 * s[0]);
      }
      tf.dispose([w, q]);
    }
  });

  it('orthogonalMatrix: seeded, orthonormal columns (tall) or rows (wide) to float32 rounding', () => {
    for (const [r, c] of [[7, 3], [3, 7], [5, 5]]) {
      const q = orthogonalMatrix(r, c, 11);
      singularValues(q).forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-6));
      const again = orthogonalMatrix(r, c, 11);
      expect(maxAbsDiff(q, again)).toBe(0);
      const other = orthogonalMatrix(r, c, 12);
      expect(maxAbsDiff(q, other)).toBeGreaterThan(0.01);
      tf.dispose([q, again, other]);
    }
  });

  it('the effective kernel has all singular values within 1e-2 of 1 (square, tall, wide), after build and after training', async () => {
    for (const [inDim, units] of [[6, 6], [9, 4], [4, 9]]) {
      const od = orthogonalDense({ units, inputShape: [inDim], activation: 'relu', seed: inDim });
      const model = tfl.sequential({ layers: [od, tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) })] });
      const check = () => {
        const w = od.effectiveKernel();
        const s = singularValues(w);
        expect(s.length).toBe(Math.min(inDim, units));
        s.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-2));
        w.dispose();
      };
      check();
      const x = tf.randomNormal([32, inDim], 0, 1, 'float32', 5);
      const y = tf.randomNormal([32, 1], 0, 1, 'float32', 6);
      model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
      const h = await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0 });
      expect((h.history.loss[9] as number)).toBeLessThan(h.history.loss[0] as number); // it trains
      check();
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  it('the layer map is x W + b with that kernel; lipschitzBound certifies ~1 for the linear layer', () => {
    const od = orthogonalDense({ units: 5, inputShape: [5], useBias: false });
    const model = tfl.sequential({ layers: [od] });
    const w = od.effectiveKernel();
    const m = operatorMatrix((x) => model.predict(x) as tf.Tensor, [5]);
    expect(maxAbsDiff(tf.tensor2d(m), w)).toBeLessThan(1e-6);
    const r = lipschitzBound(model);
    const exact = exactSingularValues(m)[0];
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.upperBound).toBeLessThanOrEqual(exact * 1.002);
    expect(Math.abs(r.upperBound - 1)).toBeLessThan(1e-2);
    w.dispose();
    model.dispose();
  });

  it('save/load identical outputs; no leaks in fit and a 100-step custom loop', async () => {
    const model = tfl.sequential({ layers: [
      orthogonalDense({ units: 6, inputShape: [3], activation: 'tanh', iterations: 12, beta: 0.5 }),
      orthogonalDense({ units: 2 }),
    ] });
    const x = tf.randomNormal([8, 3], 0, 1, 'float32', 7);
    const y = tf.randomNormal([8, 2], 0, 1, 'float32', 8);
    await expectNoTrainingLeaks(model, x, y, 3, tf.train.adam(0.01));
    const loaded = await roundTrip(model);
    const l0 = loaded.layers[0] as OrthogonalDense;
    expect([l0.units, l0.activation, l0.iterations]).toEqual([6, 'tanh', 12]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('bad input: LipkitError naming the option', () => {
    const err = (f: () => unknown, arg: string) => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); expect((e as LipkitError).argument).toBe(arg); return; }
      throw new Error('no error');
    };
    err(() => orthogonalDense({ units: 0 }), 'config.units');
    err(() => orthogonalDense({ units: 2, activation: 'nope' }), 'config.activation');
    err(() => orthogonalDense({ units: 2, beta: 0 }), 'config.beta');
    err(() => orthogonalDense({ units: 2, iterations: -1 }), 'config.iterations');
    err(() => new OrthogonalDense({ units: 2 }).effectiveKernel(), 'layer');
  });
});

function transpose(a: number[][]): number[][] {
  return a[0].map((_, j) => a.map((r) => r[j]));
}
