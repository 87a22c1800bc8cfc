import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { classificationHead, forecastingHead, MaskedMeanPooling } from '../../src/models/heads.js';
import { seededGaussian } from '../../src/util/random.js';
import { LipkitError } from '../../src/util/errors.js';
import { roundTrip, maxAbsDiff } from '../layers/helpers.js';

const B = 3;
const T = 6;
const F = 4;
const xData = seededGaussian(B * T * F, 1);
const maskData = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // row 0 full, row 1 two kept, row 2 all padding

function maskedMean64(x: ArrayLike<number>, mask: number[] | null): Float64Array {
  const out = new Float64Array(B * F);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < T; t++) {
      const m = mask === null ? 1 : mask[b * T + t];
      count += m;
      for (let f = 0; f < F; f++) out[b * F + f] += m * x[(b * T + t) * F + f];
    }
    for (let f = 0; f < F; f++) out[b * F + f] /= Math.max(1, count);
  }
  return out;
}

function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tol);
}

describe('heads', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('MaskedMeanPooling: float64 masked mean, invariant to padded values, plain mean without mask, no leaks', () => {
    const pool = new MaskedMeanPooling();
    const x = tf.tensor3d(xData, [B, T, F]);
    const mask = tf.tensor2d(maskData, [B, T]);
    const before = tf.memory().numTensors;
    const y = pool.apply([x, mask]) as tf.Tensor;
    closeTo(y.dataSync(), maskedMean64(xData, maskData));
    const noisy = Float32Array.from(xData);
    for (let i = 0; i < noisy.length; i++) if (maskData[Math.floor(i / F)] === 0) noisy[i] = 1e3 * (i % 7) - 5;
    const xn = tf.tensor3d(noisy, [B, T, F]);
    const yn = pool.apply([xn, mask]) as tf.Tensor;
    expect(maxAbsDiff(y, yn)).toBe(0);
    const plain = pool.apply(x) as tf.Tensor;
    closeTo(plain.dataSync(), maskedMean64(xData, null));
    tf.dispose([y, xn, yn, plain]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => pool.apply([x, tf.ones([B, T + 1])])).toThrow(LipkitError);
    tf.dispose([x, mask]);
  });

  it('classificationHead = Dense(masked mean); trains with a mask on wasm; save/load identical', async () => {
    await setBackend('wasm');
    const xIn = tfl.input({ shape: [T, F] });
    const mIn = tfl.input({ shape: [T] });
    const out = classificationHead(xIn, { classes: 5, mask: mIn, name: 'cls' });
    expect(out.shape).toEqual([null, 5]);
    const model = tfl.model({ inputs: [xIn, mIn], outputs: out });
    const x = tf.tensor3d(xData, [B, T, F]);
    const mask = tf.tensor2d(maskData, [B, T]);
    const logits = model.predict([x, mask]) as tf.Tensor;
    const [W, b] = model.getLayer('cls_dense').getWeights().map((w) => w.dataSync());
    const pooled = maskedMean64(xData, maskData);
    const want = new Float64Array(B * 5);
    for (let r = 0; r < B; r++) for (let c = 0; c < 5; c++) {
      let s = b[c];
      for (let f = 0; f < F; f++) s += pooled[r * F + f] * W[f * 5 + c];
      want[r * 5 + c] = s;
    }
    closeTo(logits.dataSync(), want);
    model.compile({ optimizer: 'adam', loss: tf.losses.softmaxCrossEntropy });
    const labels = tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 5);
    await model.fit([x, mask], labels, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await model.fit([x, mask], labels, { epochs: 5, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
    const loaded = await roundTrip(model);
    const a = model.predict([x, mask]) as tf.Tensor;
    const c = loaded.predict([x, mask]) as tf.Tensor;
    expect(maxAbsDiff(a, c)).toBe(0);
    tf.dispose([x, mask, logits, labels, a, c]);
    model.dispose(); loaded.dispose();
    await setBackend('cpu');
  });

  for (const mode of ['flatten', 'last'] as const) {
    it(`forecastingHead '${mode}' = Dense on ${mode === 'flatten' ? 'the flattened window' : 'the last step'}, [batch, horizon, features]; save/load`, async () => {
      const xIn = tfl.input({ shape: [T, F] });
      const out = forecastingHead(xIn, { horizon: 3, features: 2, mode, name: 'fc' });
      expect(out.shape).toEqual([null, 3, 2]);
      const model = tfl.model({ inputs: xIn, outputs: out });
      const x = tf.tensor3d(xData, [B, T, F]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([B, 3, 2]);
      const [W, b] = model.getLayer('fc_dense').getWeights().map((w) => w.dataSync());
      const inDim = mode === 'flatten' ? T * F : F;
      const offset = mode === 'flatten' ? 0 : (T - 1) * F;
      const want = new Float64Array(B * 6);
      for (let r = 0; r < B; r++) for (let o = 0; o < 6; o++) {
        let s = b[o];
        for (let i = 0; i < inDim; i++) s += xData[r * T * F + offset + i] * W[i * 6 + o];
        want[r * 6 + o] = s;
      }
      closeTo(y.dataSync(), want);
      const loaded = await roundTrip(model);
      const z = loaded.predict(x) as tf.Tensor;
      expect(maxAbsDiff(y, z)).toBe(0);
      tf.dispose([x, y, z]);
      model.dispose(); loaded.dispose();
    });
  }

  it('rejects bad options with LipkitErrors naming the field', () => {
    const xIn = tfl.input({ shape: [T, F] });
    const bad: Array<[() => unknown, string]> = [
      [() => classificationHead(xIn, { classes: 0 }), 'options.classes'],
      [() => classificationHead(xIn, { classes: 2, activation: 'relu' as 'linear' }), 'options.activation'],
      [() => classificationHead(tfl.input({ shape: [F] }), { classes: 2 }), 'features'],
      [() => forecastingHead(xIn, { horizon: 0, features: 1 }), 'options.horizon'],
      [() => forecastingHead(xIn, { horizon: 2, features: 1.5 }), 'options.features'],
      [() => forecastingHead(xIn, { horizon: 2, features: 1, mode: 'mean' as 'last' }), 'options.mode'],
      [() => forecastingHead(tfl.input({ shape: [null, F] }), { horizon: 2, features: 1 }), 'encoded'],
    ];
    for (const [f, field] of bad) {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(err, field).toBeInstanceOf(LipkitError);
      expect((err as LipkitError).argument).toBe(field);
    }
  });
});
