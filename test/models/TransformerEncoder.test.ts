import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { LipkitError } from '../../src/util/errors.js';
import { seededNormal } from '../../src/util/random.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { layerNorm, TransformerEncoder, type TransformerEncoderConfig } from '../../src/models/TransformerEncoder.js';
import { PositionalEncoding, sinusoidalPositions } from '../../src/models/positionalEncoding.js';
import { roundTrip } from '../layers/helpers.js';
import {
  erf, maxAbs, randomSeq, refEncoder, refSinusoid, release, shortName, weightsByName, type RefEncoderConfig, type Seq,
} from './attentionReference.js';

/** A built encoder with all weights seeded random (LayerNorm gains around 1). */
function randomEncoder(d: number, config: TransformerEncoderConfig, seed: number, time = 6): TransformerEncoder {
  const layer = new TransformerEncoder(config);
  layer.build([null, time, d]);
  layer.setWeights(layer.weights.map((w, i) => tf.tidy(() => {
    const z = seededNormal(w.shape as number[], seed * 100 + i, 0.4);
    return shortName(w.name).endsWith('gamma') ? tf.add(1, z) : z;
  })));
  return layer;
}

function refConfig(layer: TransformerEncoder): RefEncoderConfig {
  return { depth: layer.depth, heads: layer.heads, norm: layer.norm, activation: layer.activation, positional: layer.positional, epsilon: layer.epsilon };
}

function run(layer: tfl.layers.Layer, x: Seq, mask?: number[][]): number[] {
  return tf.tidy(() => {
    const xt = tf.tensor3d(x);
    return Array.from((layer.apply(mask === undefined ? xt : [xt, tf.tensor2d(mask)]) as tf.Tensor).dataSync());
  });
}

function reference(layer: TransformerEncoder, x: Seq, mask?: number[][]): number[] {
  const w = weightsByName(layer);
  return x.flatMap((seq, b) => refEncoder(seq, w, refConfig(layer), mask?.[b].map((m) => m > 0.5)).flat());
}

const CONFIGS: TransformerEncoderConfig[] = [
  { depth: 2, heads: 2, ffUnits: 12 }, // defaults: post-LN, relu, sinusoidal
  { depth: 1, heads: 4, norm: 'pre', activation: 'gelu', positional: 'learned', maxLength: 8 },
  { depth: 2, heads: 1, norm: 'pre', positional: 'none', useBias: false, keyDim: 3 },
];

describe('TransformerEncoder (cpu)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('equals the float64 reference for post/pre-LN, relu/gelu, all positional kinds, with and without masks', () => {
    const mask = [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]];
    CONFIGS.forEach((config, k) => {
      const layer = randomEncoder(8, config, k + 1);
      const x = randomSeq(2, 6, 8, 40 + k);
      expect(maxAbs(run(layer, x), reference(layer, x)), JSON.stringify(config)).toBeLessThan(1e-4);
      expect(maxAbs(run(layer, x, mask), reference(layer, x, mask)), `masked ${JSON.stringify(config)}`).toBeLessThan(1e-4);
      release(layer);
    });
  });

  it('layerNorm computes what tfjs-layers LayerNormalization computes', () => {
    const ln = tfl.layers.layerNormalization({ epsilon: 1e-5 });
    const x = tf.tensor3d(randomSeq(2, 3, 5, 3, 4));
    ln.build([null, 3, 5]);
    const gamma = seededNormal([5], 1);
    const beta = seededNormal([5], 2);
    ln.setWeights([gamma, beta]);
    const a = ln.apply(x) as tf.Tensor;
    const b = layerNorm(x, gamma, beta, 1e-5);
    expect(maxAbs(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, gamma, beta, a, b]);
    release(ln);
  });

  it('sinusoidal table and PositionalEncoding layer', () => {
    const p = sinusoidalPositions(7, 6);
    const v = p.dataSync();
    let err = 0;
    for (let t = 0; t < 7; t++) for (let j = 0; j < 6; j++) err = Math.max(err, Math.abs(v[t * 6 + j] - refSinusoid(t, j, 6)));
    expect(err).toBeLessThan(1e-6);
    expect(v[1 * 6 + 0]).toBeCloseTo(Math.sin(1), 6); // PE[1, 0] = sin(1)
    const layer = new PositionalEncoding({ positional: 'learned', maxLength: 5, seed: 2 });
    const x = tf.tensor3d(randomSeq(2, 4, 6, 5));
    const y = layer.apply(x) as tf.Tensor;
    const table = layer.weights[0].read();
    const expected = tf.add(x, tf.slice(table, [0, 0], [4, 6]));
    expect(maxAbs(y.dataSync(), expected.dataSync())).toBe(0);
    const sin = new PositionalEncoding().apply(x) as tf.Tensor;
    const sinExpected = tf.add(x, sinusoidalPositions(4, 6));
    expect(maxAbs(sin.dataSync(), sinExpected.dataSync())).toBe(0);
    expect(() => layer.apply(tf.zeros([1, 6, 6]))).toThrow(LipkitError);
    tf.dispose([p, x, y, expected, sin, sinExpected]);
    release(layer);
  });

  it('outputs at kept positions ignore the inputs at padded positions (depth 2, learned positions)', () => {
    const layer = randomEncoder(8, { depth: 2, heads: 2, positional: 'learned', maxLength: 6 }, 7);
    const mask = [[1, 1, 1, 0, 0, 0], [1, 0, 1, 1, 0, 1]];
    const x = randomSeq(2, 6, 8, 12);
    const wild = randomSeq(2, 6, 8, 13, 30);
    const x2 = x.map((seq, b) => seq.map((row, t) => (mask[b][t] ? row : wild[b][t])));
    const a = run(layer, x, mask);
    const c = run(layer, x2, mask);
    let checked = 0;
    for (let b = 0; b < 2; b++) for (let t = 0; t < 6; t++) {
      if (!mask[b][t]) continue;
      const i = (b * 6 + t) * 8;
      expect(maxAbs(a.slice(i, i + 8), c.slice(i, i + 8))).toBeLessThan(1e-5);
      checked++;
    }
    expect(checked).toBe(7);
    expect(maxAbs(run(layer, x), run(layer, x2))).toBeGreaterThan(1e-2); // unmasked: they do depend
    release(layer);
  });

  it('is permutation equivariant without positions, and not with sinusoidal positions', () => {
    const perm = [4, 2, 0, 5, 1, 3];
    for (const positional of ['none', 'sinusoidal'] as const) {
      const layer = randomEncoder(8, { depth: 2, heads: 2, positional }, 3);
      const x = randomSeq(2, 6, 8, 50);
      const y = run(layer, x);
      const yp = run(layer, x.map((seq) => perm.map((p) => seq[p])));
      const expected = [0, 1].flatMap((b) => perm.flatMap((p) => y.slice((b * 6 + p) * 8, (b * 6 + p + 1) * 8)));
      if (positional === 'none') expect(maxAbs(yp, expected)).toBeLessThan(1e-5);
      else expect(maxAbs(yp, expected)).toBeGreaterThan(1e-2);
      release(layer);
    }
  });

  it('gradients (input and every weight) match central differences of the float64 reference', () => {
    for (const config of [{ depth: 1, heads: 2, ffUnits: 3, activation: 'gelu' as const }, { depth: 1, heads: 2, ffUnits: 3, norm: 'pre' as const, positional: 'learned' as const, maxLength: 3 }]) {
      const layer = randomEncoder(4, config, 9, 3);
      const x = randomSeq(2, 3, 4, 61);
      const mask = [[1, 1, 0], [1, 1, 1]];
      const keep = mask.map((r) => r.map((m) => m > 0.5));
      const c = randomSeq(2, 3, 4, 62).flat(2);
      const rc = refConfig(layer);
      const lossRef = (xs: Seq, w: Map<string, number[] | number[][]>): number =>
        xs.flatMap((seq, b) => refEncoder(seq, w, rc, keep[b]).flat()).reduce((s, v, i) => s + v * c[i], 0);
      const before = tf.memory().numTensors;
      const [xt, mt, ct] = [tf.tensor3d(x), tf.tensor2d(mask), tf.tensor3d(c, [2, 3, 4])];
      const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(ct, layer.apply([xi, mt]) as tf.Tensor)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(() => f(xt), layer.trainableWeights.map((w) => w.read() as tf.Variable));
      const gxt = tf.grad(f)(xt);
      const gx = gxt.dataSync();
      const w0 = weightsByName(layer);
      const h = 1e-6;
      const tol = (fd: number): number => 5e-4 * Math.max(1, Math.abs(fd));
      const flatX = x.flat(2);
      const toSeq = (v: number[]): Seq => [0, 1].map((b) => [0, 1, 2].map((t) => v.slice((b * 3 + t) * 4, (b * 3 + t + 1) * 4)));
      for (let i = 0; i < flatX.length; i++) {
        const p = flatX.slice(); p[i] += h;
        const m = flatX.slice(); m[i] -= h;
        const fd = (lossRef(toSeq(p), w0) - lossRef(toSeq(m), w0)) / (2 * h);
        expect(Math.abs(gx[i] - fd), `x[${i}]`).toBeLessThan(tol(fd));
      }
      let compared = 0;
      for (const w of layer.trainableWeights) {
        const name = shortName(w.name);
        const g = grads[(w.read() as tf.Variable).name].dataSync();
        const base = w0.get(name) as number[] | number[][];
        const cols = Array.isArray(base[0]) ? (base[0] as number[]).length : 0;
        const flatW = (base as unknown[]).flat() as number[];
        const rebuild = (v: number[]): number[] | number[][] => (cols === 0 ? v : Array.from({ length: v.length / cols }, (_, r) => v.slice(r * cols, (r + 1) * cols)));
        for (let i = 0; i < flatW.length; i++) {
          const p = flatW.slice(); p[i] += h;
          const m = flatW.slice(); m[i] -= h;
          const fd = (lossRef(x, new Map(w0).set(name, rebuild(p))) - lossRef(x, new Map(w0).set(name, rebuild(m)))) / (2 * h);
          expect(Math.abs(g[i] - fd), `${name}[${i}]`).toBeLessThan(tol(fd));
          compared++;
        }
      }
      expect(compared).toBe(layer.countParams());
      tf.dispose([xt, mt, ct, value, gxt, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      release(layer);
    }
  });

  it('uses a mask propagated by Embedding({ maskZero: true }) exactly like an explicit mask', () => {
    const emb = tfl.layers.embedding({ inputDim: 6, outputDim: 8, maskZero: true, inputLength: 5, embeddingsInitializer: tfl.initializers.randomNormal({ seed: 5 }) });
    const enc = new TransformerEncoder({ heads: 2, seed: 6 });
    const model = tfl.sequential({ layers: [emb, enc] });
    const tokens = tf.tensor2d([[3, 1, 4, 0, 0], [5, 2, 0, 2, 1]], [2, 5], 'int32');
    const viaModel = model.predict(tokens) as tf.Tensor;
    const e = emb.apply(tokens) as tf.Tensor;
    const mask = tf.cast(tf.notEqual(tokens, 0), 'float32');
    const explicit = enc.apply([e, mask]) as tf.Tensor;
    const unmasked = enc.apply(e) as tf.Tensor;
    expect(maxAbs(viaModel.dataSync(), explicit.dataSync())).toBe(0);
    expect(maxAbs(viaModel.dataSync(), unmasked.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([tokens, viaModel, e, mask, explicit, unmasked]);
    model.dispose();
  });

  it('dropout acts only on training calls', () => {
    const layer = randomEncoder(8, { heads: 2, dropout: 0.3 }, 4);
    const plain = randomEncoder(8, { heads: 2 }, 4);
    const x = tf.tensor3d(randomSeq(2, 6, 8, 80));
    const [a, b, c] = [layer.call(x, {}) as tf.Tensor, plain.call(x, {}) as tf.Tensor, layer.call(x, { training: true }) as tf.Tensor];
    expect(maxAbs(a.dataSync(), b.dataSync())).toBe(0);
    expect(maxAbs(a.dataSync(), c.dataSync())).toBeGreaterThan(1e-2);
    tf.dispose([x, a, b, c]);
    release(layer);
    release(plain);
  });

  it('the float64 erf of the reference is right (oracle check)', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 13);
    expect(erf(-1.7)).toBeCloseTo(-0.9837904585907746, 13);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 13);
  });

  it('lipschitzBound rejects the encoder by name (no certified bound for attention/LayerNorm)', () => {
    const model = tfl.sequential({ layers: [new TransformerEncoder({ name: 'enc', heads: 2, inputShape: [4, 8] }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
    expect(() => lipschitzBound(model)).toThrow(/'enc' \(LipkitTransformerEncoder\) has no certified bound/);
    model.dispose();
  });

  it('rejects bad config fields by name', () => {
    const field = (f: () => unknown): string => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); return (e as LipkitError).argument; }
      throw new Error('did not throw');
    };
    expect(field(() => new TransformerEncoder({ depth: 0 }))).toBe('config.depth');
    expect(field(() => new TransformerEncoder({ norm: 'middle' as 'pre' }))).toBe('config.norm');
    expect(field(() => new TransformerEncoder({ activation: 'tanh' as 'relu' }))).toBe('config.activation');
    expect(field(() => new TransformerEncoder({ positional: 'rotary' as 'none' }))).toBe('config.positional');
    expect(field(() => new TransformerEncoder({ positional: 'learned' }))).toBe('config.maxLength');
    expect(field(() => new TransformerEncoder({ epsilon: 0 }))).toBe('config.epsilon');
    expect(field(() => new TransformerEncoder({ ffUnits: 2.5 }))).toBe('config.ffUnits');
    expect(field(() => new TransformerEncoder({ heads: 3 }).build([null, 4, 8]))).toBe('config.heads');
    expect(field(() => new TransformerEncoder({ positional: 'learned', maxLength: 3 }).build([null, 4, 8]))).toBe('config.maxLength');
    expect(field(() => new TransformerEncoder().build([null, 4]))).toBe('inputShape');
  });
});

describe('TransformerEncoder (wasm): training, save/load, leaks', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it('matches the float64 reference on wasm too', () => {
    const layer = randomEncoder(8, CONFIGS[1], 21);
    const x = randomSeq(2, 6, 8, 22);
    const mask = [[1, 1, 0, 0, 1, 1], [1, 1, 1, 1, 1, 1]];
    expect(maxAbs(run(layer, x, mask), reference(layer, x, mask))).toBeLessThan(1e-4);
    release(layer);
  });

  it('learns to copy the first token\'s class in model.fit (loss falls), without leaking tensors', async () => {
    const n = 256;
    const time = 6;
    const classes = 4;
    let s = 12345;
    const rand = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
    const tokens = Array.from({ length: n }, () => Array.from({ length: time }, () => Math.floor(rand() * classes)));
    const xs = tf.tensor2d(tokens, [n, time], 'int32');
    const ys = tf.oneHot(tf.tensor1d(tokens.map((r) => r[0]), 'int32'), classes);
    const model = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: classes, outputDim: 16, inputLength: time, embeddingsInitializer: tfl.initializers.randomNormal({ stddev: 0.5, seed: 3 }) }),
        new TransformerEncoder({ depth: 1, heads: 2, ffUnits: 32, seed: 1 }),
        tfl.layers.globalAveragePooling1d(),
        tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = tf.memory().numTensors;
    const history = await model.fit(xs, ys, { epochs: 12, batchSize: 32, shuffle: false, verbose: 0 });
    const loss = history.history.loss as number[];
    const acc = history.history.acc as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(0.25 * loss[0]); // chance level is ln 4 = 1.39
    expect(acc[acc.length - 1]).toBeGreaterThan(0.8); // chance 0.25 (mean pooling alone cannot tell which token is first)
    // fit keeps optimizer slots; a second fit must not add tensors beyond them.
    const afterFirst = tf.memory().numTensors;
    await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst).toBeGreaterThanOrEqual(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('save/load gives identical outputs (functional model with a mask input, learned positions, pre-LN)', async () => {
    const x = tfl.input({ shape: [5, 8] });
    const m = tfl.input({ shape: [5] });
    const enc = new TransformerEncoder({ depth: 2, heads: 2, norm: 'pre', activation: 'gelu', positional: 'learned', maxLength: 5, ffUnits: 16, seed: 2 });
    const model = tfl.model({ inputs: [x, m], outputs: enc.apply([x, m]) as tfl.SymbolicTensor });
    const xs = tf.tensor3d(randomSeq(2, 5, 8, 70));
    const ms = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
    const a = model.predict([xs, ms]) as tf.Tensor;
    const loaded = await roundTrip(model);
    const b = loaded.predict([xs, ms]) as tf.Tensor;
    const restored = loaded.layers[2] as TransformerEncoder;
    expect(restored).toBeInstanceOf(TransformerEncoder);
    expect([restored.norm, restored.activation, restored.positional, restored.maxLength, restored.depth]).toEqual(['pre', 'gelu', 'learned', 5, 2]);
    expect(maxAbs(a.dataSync(), b.dataSync())).toBe(0);
    const before = tf.memory().numTensors;
    tf.dispose(loaded.predict([xs, ms]) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ms, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
