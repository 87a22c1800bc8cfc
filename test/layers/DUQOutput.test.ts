import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { DUQOutput, duqOutput, DUQ_INITIAL_COUNT } from '../../src/layers/DUQOutput.js';
import { DUQCentroidCallback, duqGradientPenalty, duqLoss, duqUpdateCentroids } from '../../src/layers/duqTraining.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { LipkitError } from '../../src/util/errors.js';
import { f64, maxAbsDiff, roundTrip } from './helpers.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

const [IN, C, N, SIGMA] = [3, 2, 4, 0.6];

function weight(layer: tfl.layers.Layer, name: string): Float64Array {
  const i = layer.weights.findIndex((w) => w.originalName.endsWith(`/${name}`));
  return f64(layer.getWeights()[i]);
}

function head(config: object = {}): { model: tfl.Sequential; duq: DUQOutput } {
  const duq = duqOutput({ units: C, embeddingSize: N, lengthScale: SIGMA, kernelStddev: 0.5, seed: 1, inputShape: [IN], ...config });
  return { model: tfl.sequential({ layers: [duq] }), duq };
}

/** float64 oracle: z_c = h W_c, K_c = exp(-mean_j (z_cj - e_cj)^2 / (2 sigma^2)), and the input gradient of sum_c K_c. */
function oracle(duq: DUQOutput, h: number[]): { k: number[]; z: number[][]; grad: number[] } {
  const w = weight(duq, 'kernel');
  const m = weight(duq, 'centroid_sums');
  const cnt = weight(duq, 'centroid_counts');
  const k: number[] = [];
  const z: number[][] = [];
  const grad = new Array<number>(IN).fill(0);
  for (let c = 0; c < C; c++) {
    const zc = Array.from({ length: N }, (_, j) => h.reduce((a, v, i) => a + v * w[i * C * N + c * N + j], 0));
    const diff = zc.map((v, j) => v - m[c * N + j] / cnt[c]);
    const kc = Math.exp(-diff.reduce((a, d) => a + d * d, 0) / N / (2 * SIGMA ** 2));
    for (let i = 0; i < IN; i++) for (let j = 0; j < N; j++) grad[i] += -kc * diff[j] * w[i * C * N + c * N + j] / (N * SIGMA ** 2);
    k.push(kc);
    z.push(zc);
  }
  return { k, z, grad };
}

describe.each(['cpu', 'wasm'] as const)('DUQOutput on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('kernel values, the centroid EMA, the BCE loss and the gradient penalty match float64 oracles', () => {
    const { model, duq } = head({ gamma: 0.9 });
    const x = tf.randomNormal([6, IN], 0, 1, 'float32', 2);
    const rows = x.arraySync() as number[][];
    const k = model.predict(x) as tf.Tensor;
    const ka = k.arraySync() as number[][];
    const or = rows.map((r) => oracle(duq, r));
    or.forEach((o, i) => o.k.forEach((v, c) => expect(Math.abs(ka[i][c] - v)).toBeLessThan(1e-6)));
    // Loss: -mean_i sum_c [y log K + (1 - y) log(1 - K)].
    const labels = [0, 1, 1, 0, 1, 1];
    const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), C), 'float32');
    const bce = -or.reduce((a, o, i) => a + o.k.reduce((s, v, c) => s + (labels[i] === c ? Math.log(v) : Math.log(1 - v)), 0), 0) / 6;
    expect(duqLoss(y, k).dataSync()[0]).toBeCloseTo(bce, 4);
    // Gradient penalty: lambda mean_i (||grad sum_c K_c|| - 1)^2.
    const gp = or.reduce((a, o) => a + (Math.hypot(...o.grad) - 1) ** 2, 0) / 6;
    expect(duqGradientPenalty(model, x, { lambda: 2 }).dataSync()[0]).toBeCloseTo(2 * gp, 4);
    // Centroid EMA from the class sums of the embeddings.
    const m0 = weight(duq, 'centroid_sums');
    duqUpdateCentroids(model, x, y);
    const m1 = weight(duq, 'centroid_sums');
    const n1 = weight(duq, 'centroid_counts');
    for (let c = 0; c < C; c++) {
      const count = labels.filter((l) => l === c).length;
      expect(n1[c]).toBeCloseTo(0.9 * DUQ_INITIAL_COUNT + 0.1 * count, 5);
      for (let j = 0; j < N; j++) {
        const s = or.reduce((a, o, i) => a + (labels[i] === c ? o.z[c][j] : 0), 0);
        expect(m1[c * N + j]).toBeCloseTo(0.9 * m0[c * N + j] + 0.1 * s, 4);
      }
    }
    tf.dispose([x, k, y]);
    model.dispose();
  });

  it('lipschitzBound: ||W|| / (sigma sqrt(n e)) from exact SVDs, never below realized quotients, per class too', () => {
    const { model, duq } = head();
    // Centroids at the embeddings of the test region, so slopes are realized near their maximum.
    const w = weight(duq, 'kernel');
    const wm = Array.from({ length: IN }, (_, i) => Array.from(w.slice(i * C * N, (i + 1) * C * N)));
    const exact = exactSingularValues(wm)[0] / (SIGMA * Math.sqrt(N * Math.E));
    const r = lipschitzBound(model);
    expect(r.certified).toBe(true);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
    expect(r.upperBound).toBeLessThanOrEqual(exact * 1.01);
    const a = tf.randomNormal([400, IN], 0, 1.5, 'float32', 3);
    const d = tf.mul(tf.randomNormal([400, IN], 0, 1, 'float32', 4), 0.01);
    const ya = model.predict(a) as tf.Tensor;
    const yb = model.predict(tf.add(a, d)) as tf.Tensor;
    const dn = tf.norm(d, 'euclidean', 1);
    const q = tf.div(tf.norm(tf.sub(yb, ya), 'euclidean', 1), dn).dataSync();
    expect(Math.max(...q)).toBeLessThanOrEqual(r.upperBound);
    expect(Math.max(...q)).toBeGreaterThan(0.2 * r.upperBound);
    for (let c = 0; c < C; c++) {
      const wc = wm.map((row) => row.slice(c * N, (c + 1) * N));
      const bc = exactSingularValues(wc)[0] / (SIGMA * Math.sqrt(N * Math.E));
      const qc = tf.div(tf.reshape(tf.abs(tf.sub(tf.slice(yb, [0, c], [-1, 1]), tf.slice(ya, [0, c], [-1, 1]))), [-1]), dn).dataSync();
      expect(Math.max(...qc)).toBeLessThanOrEqual(bc);
    }
    tf.dispose([a, d, ya, yb, dn]);
    model.dispose();
  });

  it('round-trips through save/load with its centroids; fit with DUQCentroidCallback moves them; no leaks', async () => {
    const { model, duq } = head();
    const x = tf.randomNormal([10, IN], 0, 1, 'float32', 5);
    const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 'int32'), C), 'float32');
    const before = weight(duq, 'centroid_counts');
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, callbacks: [new DUQCentroidCallback(x, y)] });
    const after = weight(duq, 'centroid_counts');
    expect(after[0]).toBeCloseTo(0.999 ** 2 * before[0] + (1 - 0.999 ** 2) * 5, 4);
    const loaded = await roundTrip(model);
    expect(loaded.layers[0]).toBeInstanceOf(DUQOutput);
    const k1 = model.predict(x) as tf.Tensor;
    const k2 = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(k1, k2)).toBe(0);
    await expectNoTrainingLeaks(model, x, y);
    tf.dispose([x, y, k1, k2]);
    model.dispose();
    loaded.dispose();
  });

  it('names bad arguments', () => {
    const bad = (config: object, field: RegExp): void => {
      expect(() => duqOutput(config as never)).toThrow(LipkitError);
      expect(() => duqOutput(config as never)).toThrow(field);
    };
    bad({}, /config\.units/);
    bad({ units: 2, lengthScale: 0 }, /config\.lengthScale/);
    bad({ units: 2, gamma: 2 }, /config\.gamma/);
    bad({ units: 2, embeddingSize: 0.5 }, /config\.embeddingSize/);
    const { model, duq } = head();
    const x = tf.zeros([2, IN]);
    expect(() => duq.updateCentroids(x, tf.zeros([2, 3]))).toThrow(/y/);
    expect(() => duqLoss(tf.zeros([2, 3]), tf.zeros([2, 2]))).toThrow(/y/);
    expect(() => duqGradientPenalty(model, x, { lambda: -1 })).toThrow(/options\.lambda/);
    expect(() => duqUpdateCentroids(tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1] })] }), x, x)).toThrow(/DUQOutput/);
    x.dispose();
    model.dispose();
  });
});
