import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { buildSequenceModel, type SequenceModelOptions } from '../../src/models/buildSequenceModel.js';
import { seededGaussian } from '../../src/util/random.js';
import { LipkitError } from '../../src/util/errors.js';
import { roundTrip, maxAbsDiff } from '../layers/helpers.js';

const L = 16;

describe('buildSequenceModel (s4d) on wasm', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('continuous + conv Emb + Lip (smooth) + mask: trains, the added loss is lambda * L_Lip of the embedding output, save/load', async () => {
    const model = buildSequenceModel({
      model: 's4d', input: 'continuous', length: L, channels: 2, width: 8, depth: 2, embedding: 'conv',
      lipReg: { lambda: 2, sign: 'smooth' }, s4d: { stateSize: 8 }, task: { kind: 'classification', classes: 3 }, mask: true, seed: 1,
    });
    expect(model.outputs[0].shape).toEqual([null, 3]);
    const x = tf.tensor3d(seededGaussian(8 * L * 2, 2), [8, L, 2]);
    const mask = tf.tidy(() => tf.cast(tf.less(tf.tile(tf.reshape(tf.range(0, L), [1, L]), [8, 1]), tf.reshape(tf.tensor1d([16, 12, 8, 16, 10, 16, 4, 16]), [8, 1])), 'float32'));
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    // the regularizer: apply in training mode, compare with float64 L_Lip of the embedding output
    const emb = tfl.model({ inputs: model.inputs[0], outputs: model.getLayer('embedding').output as tfl.SymbolicTensor });
    const e = emb.predict(x) as tf.Tensor;
    const ed = e.dataSync();
    const [, T, W] = e.shape as number[];
    let s = 0;
    for (let b = 0; b < 8; b++) for (let t = 0; t + 1 < T; t++) for (let w = 0; w < W; w++) s += (ed[(b * T + t + 1) * W + w] - ed[(b * T + t) * W + w]) ** 2;
    const want = 2 * s / (8 * (T - 1) * W);
    const got = tf.tidy(() => {
      model.apply([x, mask], { training: true });
      return tf.addN(model.calculateLosses()).dataSync()[0];
    });
    expect(want).toBeGreaterThan(0.01);
    expect(Math.abs(got - want)).toBeLessThan(1e-4 * want);
    model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy });
    await model.fit([x, mask], labels, { epochs: 1, batchSize: 8, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await model.fit([x, mask], labels, { epochs: 4, batchSize: 8, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
    const loaded = await roundTrip(model);
    const a = model.predict([x, mask]) as tf.Tensor;
    const c = loaded.predict([x, mask]) as tf.Tensor;
    expect(maxAbsDiff(a, c)).toBe(0);
    tf.dispose([x, mask, labels, e, a, c]);
    model.dispose(); loaded.dispose();
  });

  it('tokens classification and continuous forecasting build with the right shapes and train', async () => {
    const tok = buildSequenceModel({ model: 's4d', input: 'tokens', vocabulary: 20, length: L, width: 8, depth: 1, s4d: { stateSize: 4, init: 'inv' }, task: { kind: 'classification', classes: 10 } });
    expect(tok.outputs[0].shape).toEqual([null, 10]);
    const ids = tf.tensor2d(Array.from({ length: 4 * L }, (_, i) => (i * 7) % 20), [4, L]);
    tok.compile({ optimizer: 'adam', loss: tf.losses.softmaxCrossEntropy });
    const h1 = await tok.fit(ids, tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10), { epochs: 2, verbose: 0 });
    expect((h1.history.loss as number[]).every(Number.isFinite)).toBe(true);
    const fc = buildSequenceModel({ model: 's4d', input: 'continuous', channels: 3, length: L, width: 8, depth: 1, s4d: { stateSize: 4, bidirectional: true }, task: { kind: 'forecast', horizon: 5, features: 3, mode: 'last' }, lipReg: { lambda: 1, sign: 'sharpen' } });
    expect(fc.outputs[0].shape).toEqual([null, 5, 3]);
    fc.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.tensor3d(seededGaussian(4 * L * 3, 9), [4, L, 3]);
    const h2 = await fc.fit(x, tf.zeros([4, 5, 3]), { epochs: 2, verbose: 0 });
    expect((h2.history.loss as number[]).every(Number.isFinite)).toBe(true);
    tf.dispose([ids, x]);
    tok.dispose(); fc.dispose();
  });

  it('rejects bad options with LipkitErrors naming the field', () => {
    const ok: SequenceModelOptions = { model: 's4d', input: 'continuous', length: L, task: { kind: 'classification', classes: 2 } };
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ model: 'transformer' }, 'options.model'], [{ input: 'images' }, 'options.input'], [{ length: 1 }, 'options.length'],
      [{ width: 0 }, 'options.width'], [{ depth: 1.5 }, 'options.depth'], [{ embedding: 'fft' }, 'options.embedding'],
      [{ task: { kind: 'regression' } }, 'options.task'], [{ input: 'tokens' }, 'options.vocabulary'],
      [{ lipReg: { lambda: -1, sign: 'smooth' } }, 'options.lipReg.lambda'],
      [{ task: { kind: 'forecast', horizon: 2, features: 1 }, mask: true }, 'options.mask'],
    ];
    for (const [patch, field] of bad) {
      let err: unknown;
      try { buildSequenceModel({ ...ok, ...patch } as SequenceModelOptions); } catch (e) { err = e; }
      expect(err, field).toBeInstanceOf(LipkitError);
      expect((err as LipkitError).argument).toBe(field);
    }
  });
});
