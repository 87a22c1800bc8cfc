import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../src/estimate/network/lipschitzLowerBound.js';
import { lipReg } from '../../src/regularize/lipReg.js';
import { LipRegEmbedding, lipRegEmbedding } from '../../src/regularize/LipRegEmbedding.js';
import { LipRegRegularizer, lipRegRegularizer } from '../../src/regularize/LipRegRegularizer.js';
import { ActivityRegularization, activityRegularization } from '../../src/regularize/ActivityRegularization.js';
import { LipkitError } from '../../src/util/errors.js';
import { lcg } from './helpers.js';

const T = 6;
const C = 2;
const N = 8;

function data(): { x: tf.Tensor3D; y: tf.Tensor2D } {
  return { x: tf.tensor3d(lcg(N * T * C, 31), [N, T, C]), y: tf.tensor2d(lcg(N, 32), [N, 1]) };
}

/** input [T, C] -> LipRegEmbedding(conv 3 filters) -> Flatten -> Dense(1). */
function embeddingModel(config: ConstructorParameters<typeof LipRegEmbedding>[0]): tfl.Sequential {
  const m = tfl.sequential();
  m.add(lipRegEmbedding({ inputShape: [T, C], ...config }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.randomNormal({ seed: 3 }) }));
  return m;
}

/** input [T, C] -> Dense(3, tanh) -> ActivityRegularization(LipReg) -> Flatten -> Dense(1). */
function activityModel(reg: LipRegRegularizer): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [T, C], units: 3, activation: 'tanh', kernelInitializer: tfl.initializers.randomNormal({ seed: 4 }) }));
  m.add(activityRegularization({ regularizer: reg }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.randomNormal({ seed: 5 }) }));
  return m;
}

/** The tensor the regularizer sees: the output of layer 0 (same as the input of the regularizing layer). */
function firstLayerOutput(m: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  return m.layers[0].apply(x) as tf.Tensor;
}

async function roundTrip(m: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

function regLoss(m: tfl.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => {
    m.apply(x, { training: true });
    const losses = m.calculateLosses();
    expect(losses.length).toBe(1);
    return losses[0].dataSync()[0];
  });
}

describe.each(['cpu', 'wasm'] as const)('LipRegEmbedding and the activity regularizer on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each([
    ['smooth', 2, 2], ['sharpen', 2, -2], [undefined, -0.5, -0.5],
  ] as const)('model.fit adds sign * lambda * lipReg(embedding) to the loss (sign %s, lambda %s)', async (sign, lambda, factor) => {
    const { x, y } = data();
    const m = embeddingModel({ filters: 3, kernelSize: 3, lambda, sign });
    m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const expected = tf.tidy(() => {
      const mse = tf.mean(tf.square(tf.sub(m.predict(x) as tf.Tensor, y)));
      const emb = firstLayerOutput(m, x);
      expect(emb.shape).toEqual([N, T, 3]);
      const reg = lipReg(emb);
      // the scale of the two terms (their sum may be near 0 for sign 'sharpen')
      return [tf.add(mse, tf.mul(factor, reg)).dataSync()[0], tf.add(mse, tf.mul(Math.abs(factor), reg)).dataSync()[0]];
    });
    const h = await m.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    expect(Math.abs((h.history.loss[0] as number) - expected[0]) / expected[1]).toBeLessThan(1e-5);
    // a second fit leaks nothing
    const before = tf.memory().numTensors;
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    tf.dispose([x, y]);
  });

  it('the activity regularizer adds its term in model.fit (no kernel: identity embedding too)', async () => {
    const { x, y } = data();
    const m = activityModel(lipRegRegularizer({ lambda: 1.5, sign: 'sharpen', axis: 'features', normalize: 'minmax' }));
    m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const expected = tf.tidy(() => {
      const mse = tf.mean(tf.square(tf.sub(m.predict(x) as tf.Tensor, y)));
      return tf.sub(mse, tf.mul(1.5, lipReg(firstLayerOutput(m, x), { axis: 'features', normalize: 'minmax' }))).dataSync()[0];
    });
    const h = await m.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    expect(Math.abs((h.history.loss[0] as number) - expected) / Math.abs(expected)).toBeLessThan(1e-5);
    m.dispose();
    const id = embeddingModel({ lambda: 3, sign: 'smooth' }); // identity embedding on the raw input
    expect(regLoss(id, x)).toBeCloseTo(3 * lipReg(x).dataSync()[0], 5);
    expect(tf.tidy(() => (id.predict(x) as tf.Tensor).shape)).toEqual([N, 1]);
    id.dispose();
    tf.dispose([x, y]);
  });

  it('inference calls add nothing; a custom loop with optimizer.minimize runs 100 steps without leaks, and the smoothing term smooths', () => {
    const { x, y } = data();
    const makers = [
      (lambda: number) => embeddingModel({ filters: 3, lambda, sign: 'smooth' }),
      (lambda: number) => activityModel(lipRegRegularizer({ lambda, sign: 'smooth' })),
    ];
    for (const make of makers) {
      const trained: number[] = [];
      let init: tf.Tensor[] | null = null;
      for (const lambda of [0, 5]) {
        const m = make(lambda);
        if (init === null) init = m.getWeights().map((w) => tf.clone(w));
        else m.setWeights(init);
        tf.tidy(() => { m.predict(x); expect(m.calculateLosses()[0].dataSync()[0]).toBe(0); });
        const opt = tf.train.sgd(0.05);
        const step = (): void => {
          tf.dispose(opt.minimize(() => {
            const out = m.apply(x, { training: true }) as tf.Tensor;
            return tf.addN([tf.mean(tf.square(tf.sub(out, y))), ...m.calculateLosses()]) as tf.Scalar;
          }, true) ?? []);
        };
        step();
        const before = tf.memory().numTensors;
        for (let i = 0; i < 100; i++) step();
        expect(tf.memory().numTensors).toBe(before);
        if (lambda > 0) expect(regLoss(m, x)).toBeCloseTo(lambda * tf.tidy(() => lipReg(firstLayerOutput(m, x)).dataSync()[0]), 5);
        trained.push(tf.tidy(() => lipReg(firstLayerOutput(m, x)).dataSync()[0]));
        opt.dispose();
        m.dispose();
      }
      expect(trained[1]).toBeLessThan(trained[0] * 0.8); // the regularized run ends smoother
      tf.dispose(init!);
    }
    tf.dispose([x, y]);
  });

  it('save/load round trips give identical outputs and identical regularization losses', async () => {
    const { x, y } = data();
    const models = [
      embeddingModel({ filters: 3, lambda: 2, sign: 'sharpen', normalize: 'minmax' }),
      activityModel(lipRegRegularizer({ lambda: 0.7, sign: 'smooth', axis: 'features' })),
    ];
    for (const m of models) {
      m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 }); // move away from the initializers
      const loaded = await roundTrip(m);
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
      const a = tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));
      const b = tf.tidy(() => Array.from((loaded.predict(x) as tf.Tensor).dataSync()));
      expect(b).toEqual(a);
      expect(regLoss(loaded, x)).toBe(regLoss(m, x));
      expect(loaded.layers[1].getConfig()).toEqual(m.layers[1].getConfig());
      loaded.dispose();
      m.dispose();
    }
    const reg = lipRegRegularizer({ lambda: 2, sign: 'sharpen' });
    const back = tf.serialization.SerializationMap.getMap().classNameMap.LipRegRegularizer[1](LipRegRegularizer, reg.getConfig()) as LipRegRegularizer;
    expect(back.factor).toBe(-2);
    tf.dispose([x, y]);
  });

  it('lipschitzBound knows the layers: identity = 1, the conv embedding by its certified norm (>= the empirical lower bound)', () => {
    const { x } = data();
    const id = embeddingModel({ lambda: 1 });
    const rowsId = lipschitzBound(id).layers;
    expect(rowsId[0].className).toBe('LipRegEmbedding');
    expect(rowsId[0].certified).toBe(true);
    const conv = embeddingModel({ filters: 3 });
    const bound = lipschitzBound(conv);
    expect(bound.certified).toBe(true);
    const lower = lipschitzLowerBound(conv, x);
    expect(lower.lowerBound).toBeLessThanOrEqual(bound.upperBound * (1 + 1e-5));
    const act = activityModel(lipRegRegularizer());
    expect(lipschitzBound(act).certified).toBe(true);
    id.dispose(); conv.dispose(); act.dispose();
    x.dispose();
  });

  it('rejects bad configs with errors naming the field', () => {
    const bad = (fn: () => unknown, argument: string): void => {
      try { fn(); expect.unreachable(`expected an error naming ${argument}`); } catch (e) {
        expect(e, String(e)).toBeInstanceOf(LipkitError);
        expect((e as LipkitError).argument).toBe(argument);
      }
    };
    bad(() => lipRegEmbedding({ lambda: -1, sign: 'smooth' }), 'config.lambda');
    bad(() => lipRegEmbedding({ lambda: 1, sign: 'up' as 'smooth' }), 'config.sign');
    bad(() => lipRegEmbedding({ lambda: NaN }), 'config.lambda');
    bad(() => lipRegEmbedding({ filters: 0 }), 'config.filters');
    bad(() => lipRegEmbedding({ kernelSize: 2.5 }), 'config.kernelSize');
    bad(() => lipRegEmbedding({ axis: 'batch' as 'time' }), 'config.axis');
    bad(() => lipRegRegularizer({ lambda: -0.1, sign: 'sharpen' }), 'config.lambda');
    bad(() => lipRegRegularizer({ normalize: 'z' as 'minmax' }), 'config.normalize');
    bad(() => activityRegularization({} as ConstructorParameters<typeof ActivityRegularization>[0]), 'config.regularizer');
    bad(() => activityRegularization({ regularizer: { className: 'Nope', config: {} } }), 'config.regularizer');
    bad(() => tfl.sequential({ layers: [lipRegEmbedding({ inputShape: [4], filters: 2 })] }), 'inputShape');
  });
});
