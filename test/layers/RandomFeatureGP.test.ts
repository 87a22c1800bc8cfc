import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { RandomFeatureGP, randomFeatureGP } from '../../src/layers/RandomFeatureGP.js';
import { sngpCovarianceCallback } from '../../src/layers/sngpCovarianceCallback.js';
import { sngpPredict } from '../../src/layers/sngpPredict.js';
import { layerInputFeatures } from '../../src/layers/layerInputFeatures.js';
import { invertSpd } from '../../src/layers/gpCovariance.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { LipkitError } from '../../src/util/errors.js';
import { exactSigma, f64, maxAbsDiff, roundTrip } from './helpers.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

/** float64 phi = sqrt(2/D) cos(h W + b), rows of h. */
function phi64(h: Float64Array, n: number, w: Float64Array, inDim: number, b: Float64Array): Float64Array[] {
  const d = b.length;
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = b[j];
      for (let k = 0; k < inDim; k++) s += h[i * inDim + k] * w[k * d + j];
      r[j] = Math.sqrt(2 / d) * Math.cos(s);
    }
    out.push(r);
  }
  return out;
}

/** Solves A x = y by Gaussian elimination with partial pivoting (float64, independent of Cholesky). */
function solve(a: number[][], y: Float64Array): Float64Array {
  const n = y.length;
  const m = a.map((r, i) => [...r, y[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** The float64 oracle: precision P = m0 * s I + w * sum phi phi^T, and var(q) = phi_q^T P^{-1} phi_q. */
function oracleVariance(train: Float64Array[], query: Float64Array[], s: number, weight: number, priorScale = 1): number[] {
  const d = query[0].length;
  const p = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? priorScale * s : 0)));
  for (const f of train) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) p[i][j] += weight * f[i] * f[j];
  return query.map((q) => { const x = solve(p, q); return q.reduce((a, v, i) => a + v * x[i], 0); });
}

/** float64 values of the layer weight named `name` (weights are ordered trainable first). */
function weight(layer: tfl.layers.Layer, name: string): Float64Array {
  const i = layer.weights.findIndex((w) => w.originalName.endsWith(`/${name}`));
  if (i < 0) throw new Error(`no weight ${name}`);
  return f64(layer.getWeights()[i]);
}

function headModel(inDim: number, config: Partial<ConstructorParameters<typeof RandomFeatureGP>[0]> = {}): { model: tfl.Sequential; gp: RandomFeatureGP } {
  const gp = randomFeatureGP({ units: 2, numFeatures: 24, lengthScale: 0.7, ridge: 0.5, seed: 3, inputShape: [inDim], ...config });
  const model = tfl.sequential({ layers: [gp] });
  return { model, gp };
}

describe.each(['cpu', 'wasm'] as const)('RandomFeatureGP on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('features, logits and the Laplace variance match a float64 oracle (exact and momentum precision)', () => {
    const { model, gp } = headModel(3);
    const h = tf.randomNormal([30, 3], 0, 1, 'float32', 1);
    const q = tf.concat([tf.randomNormal([4, 3], 0, 1, 'float32', 2), tf.fill([2, 3], 6)]); // near and far queries
    const k = gp.weights.findIndex((v) => v.originalName.endsWith('/kernel'));
    gp.setWeights(gp.getWeights().map((w, i) => (i === k ? tf.randomNormal(w.shape, 0, 1, 'float32', 12) : w))); // beta starts at 0
    const [w, b, beta, bias] = ['rff_kernel', 'rff_bias', 'kernel', 'bias'].map((n) => weight(gp, n));
    const train = phi64(f64(h), 30, w, 3, b);
    const query = phi64(f64(q), 6, w, 3, b);
    gp.fitCovariance(h);
    const p = gp.meanAndVariance(q);
    const v = Array.from(p.variance.dataSync());
    oracleVariance(train, query, 0.5, 1).forEach((o, i) => expect(Math.abs(v[i] - o)).toBeLessThan(2e-4 * Math.max(1, o)));
    // Far from the data the variance approaches the prior ||phi||^2 / s; near it, it is smaller.
    expect(Math.min(v[4], v[5])).toBeGreaterThan(Math.max(...v.slice(0, 4)));
    const logits = p.logits.arraySync();
    query.forEach((f, i) => [0, 1].forEach((c) => {
      const o = f.reduce((a, x, j) => a + x * beta[j * 2 + c], bias[c]);
      expect(Math.abs(logits[i][c] - o)).toBeLessThan(1e-5);
    }));
    // Mean-field logits.
    const mf = gp.meanFieldLogits(p).arraySync();
    mf.forEach((r, i) => r.forEach((x, c) => expect(x).toBeCloseTo(logits[i][c] / Math.sqrt(1 + (Math.PI / 8) * v[i]), 5)));
    tf.dispose([p.logits, p.variance]);
    // Momentum 0.9: P = 0.9 s I + 0.1 Phi^T Phi / batch after one update from the reset.
    const m = headModel(3, { momentum: 0.9 });
    m.gp.setWeights(gp.getWeights());
    m.gp.resetPrecision();
    m.gp.accumulatePrecision(h);
    m.gp.updateCovariance();
    const pm = m.gp.meanAndVariance(q);
    const vm = Array.from(pm.variance.dataSync());
    oracleVariance(train, query, 0.5, 0.1 / 30, 0.9).forEach((o, i) => expect(Math.abs(vm[i] - o)).toBeLessThan(2e-4 * Math.max(1, o)));
    tf.dispose([h, q, pm.logits, pm.variance]);
    model.dispose();
    m.model.dispose();
  });

  it('invertSpd inverts a symmetric positive definite matrix and names a singular one', () => {
    const a = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2];
    const inv = invertSpd('p', a, 3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[i * 3 + k] * inv[k * 3 + j];
      expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
    }
    expect(() => invertSpd('precision', [1, 2, 2, 1], 2)).toThrow(/precision/);
  });

  it('model.fit with sngpCovarianceCallback leaves the exact precision of the last epoch and its inverse', async () => {
    const { model, gp } = headModel(3);
    const x = tf.randomNormal([20, 3], 0, 1, 'float32', 4);
    const y = tf.cast(tf.oneHot(tf.tensor1d([...Array(20).keys()].map((i) => i % 2), 'int32'), 2), 'float32');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 3, batchSize: 10, verbose: 0, callbacks: [sngpCovarianceCallback()] });
    const [w, b] = ['rff_kernel', 'rff_bias'].map((n) => weight(gp, n));
    const train = phi64(f64(x), 20, w, 3, b);
    const pm = gp.precisionMatrix().arraySync();
    pm.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - ((i === j ? 0.5 : 0) + train.reduce((a, f) => a + f[i] * f[j], 0)))).toBeLessThan(1e-4)));
    expect(gp.covarianceStale).toBe(false);
    // Without the callback the three epochs pile up (3 Phi^T Phi): the reset is what the callback adds.
    await model.fit(x, y, { epochs: 2, batchSize: 20, verbose: 0 });
    expect(gp.precisionMatrix().arraySync()[0][0]).toBeCloseTo(pm[0][0] + 2 * (pm[0][0] - 0.5), 3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('sngpPredict uses the features entering the head, and a saved model reloads with its covariance', async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 5, activation: 'relu', inputShape: [2], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      randomFeatureGP({ units: 3, numFeatures: 16, seed: 2 }),
    ] });
    const gp = model.layers[1] as RandomFeatureGP;
    const x = tf.randomNormal([12, 2], 0, 1, 'float32', 5);
    const h = layerInputFeatures(model, gp, x);
    const hd = model.layers[0].apply(x) as tf.Tensor;
    expect(maxAbsDiff(h, hd)).toBe(0);
    gp.fitCovariance(h);
    const before = tf.memory().numTensors;
    const p = sngpPredict(model, x);
    expect(tf.memory().numTensors).toBe(before + 3);
    const v = p.variance.dataSync();
    const probs = p.probabilities.arraySync();
    p.logits.arraySync().forEach((r, i) => {
      const z = r.map((l) => l / Math.sqrt(1 + (Math.PI / 8) * v[i]));
      const e = z.map((t) => Math.exp(t - Math.max(...z)));
      e.forEach((t, c) => expect(probs[i][c]).toBeCloseTo(t / e.reduce((a, u) => a + u, 0), 5));
    });
    const loaded = await roundTrip(model);
    const q = sngpPredict(loaded, x);
    expect(maxAbsDiff(q.variance, p.variance)).toBe(0);
    expect(maxAbsDiff(q.logits, p.logits)).toBe(0);
    expect(loaded.layers[1]).toBeInstanceOf(RandomFeatureGP);
    tf.dispose([x, h, hd, p.logits, p.variance, p.probabilities, q.logits, q.variance, q.probabilities]);
    model.dispose();
    loaded.dispose();
  });

  it('lipschitzBound certifies ||W|| sqrt(2/D) ||beta|| (exact SVDs) and is never below realized quotients', () => {
    const { model, gp } = headModel(3, { lengthScale: 0.5, numFeatures: 32 });
    const k = gp.weights.findIndex((v) => v.originalName.endsWith('/kernel'));
    gp.setWeights(gp.getWeights().map((w, i) => (i === k ? tf.randomNormal(w.shape, 0, 1, 'float32', 11) : w)));
    const byName = (n: string): tf.Tensor => gp.weights.find((v) => v.originalName.endsWith(`/${n}`))!.read();
    const exact = exactSigma(byName('rff_kernel')) * Math.sqrt(2 / 32) * exactSigma(byName('kernel'));
    const r = lipschitzBound(model);
    expect(r.certified).toBe(true);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
    expect(r.upperBound).toBeLessThanOrEqual(exact * 1.01);
    const a = tf.randomNormal([200, 3], 0, 1, 'float32', 7);
    const d = tf.mul(tf.randomNormal([200, 3], 0, 1, 'float32', 8), 0.05);
    const ya = model.predict(a) as tf.Tensor;
    const yb = model.predict(tf.add(a, d)) as tf.Tensor;
    const q = tf.div(tf.norm(tf.sub(yb, ya), 'euclidean', 1), tf.norm(d, 'euclidean', 1)).dataSync();
    expect(Math.max(...q)).toBeLessThanOrEqual(r.upperBound);
    expect(Math.max(...q)).toBeGreaterThan(0.05 * r.upperBound); // the test can fail: quotients are not trivially small
    tf.dispose([a, d, ya, yb]);
    model.dispose();
  });

  it('trains without leaking tensors (fit and a custom loop) and names bad arguments', async () => {
    const { model, gp } = headModel(3);
    const x = tf.randomNormal([8, 3], 0, 1, 'float32', 9);
    const y = tf.randomNormal([8, 2], 0, 1, 'float32', 10);
    await expectNoTrainingLeaks(model, x, y);
    const bad = (config: object, field: RegExp): void => {
      expect(() => randomFeatureGP(config as never)).toThrow(LipkitError);
      expect(() => randomFeatureGP(config as never)).toThrow(field);
    };
    bad({}, /config\.units/);
    bad({ units: 2, numFeatures: 0 }, /config\.numFeatures/);
    bad({ units: 2, ridge: 0 }, /config\.ridge/);
    bad({ units: 2, lengthScale: -1 }, /config\.lengthScale/);
    bad({ units: 2, momentum: 1 }, /config\.momentum/);
    bad({ units: 2, updateOnTraining: 'yes' }, /config\.updateOnTraining/);
    expect(() => randomFeatureGP({ units: 2 }).resetPrecision()).toThrow(/not built/);
    expect(() => gp.features(tf.zeros([2, 4]))).toThrow(/h/);
    expect(() => sngpPredict(tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1] })] }), x)).toThrow(/RandomFeatureGP/);
    tf.dispose([x, y]);
    model.dispose();
  });
});
