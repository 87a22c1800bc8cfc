import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { convEmbedding, tokenEmbedding } from '../../src/models/ConvEmbedding.js';
import { seededGaussian } from '../../src/util/random.js';
import { LipkitError } from '../../src/util/errors.js';
import { roundTrip, maxAbsDiff } from '../layers/helpers.js';

const B = 2;
const T = 9;
const C = 3;

describe('embeddings', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  for (const kernelSize of [3, 4]) {
    it(`convEmbedding (kernel ${kernelSize}) equals a float64 'same' convolution, keeps the length, trains on wasm, save/load`, async () => {
      const input = tfl.input({ shape: [T, C] });
      const emb = convEmbedding({ filters: 5, kernelSize, seed: 3, name: 'emb' });
      const model = tfl.model({ inputs: input, outputs: emb.apply(input) as tfl.SymbolicTensor });
      const xData = seededGaussian(B * T * C, 4);
      const x = tf.tensor3d(xData, [B, T, C]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([B, T, 5]);
      const [W, bias] = emb.getWeights().map((w) => w.dataSync());
      const left = Math.floor((kernelSize - 1) / 2); // TF 'same': the extra zero goes to the right
      const got = y.dataSync();
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let o = 0; o < 5; o++) {
        let s = bias[o];
        for (let j = 0; j < kernelSize; j++) {
          const tt = t + j - left;
          if (tt < 0 || tt >= T) continue;
          for (let c = 0; c < C; c++) s += W[(j * C + c) * 5 + o] * xData[(b * T + tt) * C + c];
        }
        expect(Math.abs(got[(b * T + t) * 5 + o] - s)).toBeLessThan(1e-5);
      }
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const target = tf.zerosLike(y);
      await model.fit(x, target, { epochs: 1, verbose: 0 });
      const before = tf.memory().numTensors;
      const h = await model.fit(x, target, { epochs: 5, verbose: 0 });
      expect(tf.memory().numTensors).toBe(before);
      const losses = h.history.loss as number[];
      expect(losses[4]).toBeLessThan(losses[0]);
      const loaded = await roundTrip(model);
      const a = model.predict(x) as tf.Tensor;
      const c = loaded.predict(x) as tf.Tensor;
      expect(maxAbsDiff(a, c)).toBe(0);
      tf.dispose([x, y, target, a, c]);
      model.dispose(); loaded.dispose();
    });
  }

  it('tokenEmbedding looks up rows of E, initialized N(0, std^2), trains on wasm (gather gradient)', async () => {
    const input = tfl.input({ shape: [T] });
    const emb = tokenEmbedding({ vocabulary: 256, width: 16, seed: 5, name: 'tok' });
    const out = tfl.layers.dense({ units: 1 }).apply(tfl.layers.globalAveragePooling1d().apply(emb.apply(input))) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const ids = [0, 1, 255, 7, 7, 3, 100, 200, 9, 5, 4, 3, 2, 1, 0, 250, 128, 64];
    const x = tf.tensor2d(ids, [B, T]);
    const E = emb.getWeights()[0].dataSync();
    const all = Array.from(E);
    const mean = all.reduce((s, v) => s + v, 0) / all.length;
    const sd = Math.sqrt(all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    const looked = tf.tidy(() => (emb.apply(x) as tf.Tensor).dataSync());
    for (let i = 0; i < ids.length; i++) for (let d = 0; d < 16; d++) expect(looked[i * 16 + d]).toBe(E[ids[i] * 16 + d]);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const target = tf.tensor2d([[1], [-1]]);
    await model.fit(x, target, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, target, { epochs: 3, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const E2 = emb.getWeights()[0].dataSync();
    expect(E2[1 * 16]).not.toBe(E[1 * 16]); // a used row moved
    expect(E2[10 * 16]).toBe(E[10 * 16]); // an unused row did not
    tf.dispose([x, target]);
    model.dispose();
  });

  it('rejects bad options with LipkitErrors naming the field', () => {
    const bad: Array<[() => unknown, string]> = [
      [() => convEmbedding({ filters: 0 }), 'options.filters'],
      [() => convEmbedding({ filters: 4, kernelSize: 0 }), 'options.kernelSize'],
      [() => convEmbedding({ filters: 4, useBias: 'yes' as unknown as boolean }), 'options.useBias'],
      [() => tokenEmbedding({ vocabulary: 0, width: 4 }), 'options.vocabulary'],
      [() => tokenEmbedding({ vocabulary: 10, width: 2.5 }), 'options.width'],
      [() => tokenEmbedding({ vocabulary: 10, width: 4, std: 0 }), 'options.std'],
    ];
    for (const [f, field] of bad) {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(err, field).toBeInstanceOf(LipkitError);
      expect((err as LipkitError).argument).toBe(field);
    }
  });
});
