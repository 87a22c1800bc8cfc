import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { Muon, muon } from '../../src/optim/Muon.js';
import { LipkitError } from '../../src/util/errors.js';

interface Case {
  config: { lr: number; momentum: number; nesterov: boolean; nsSteps: number; adamLearningRate: number; adamBeta1: number; adamBeta2: number; adamEpsilon: number; weightDecay: number };
  kernel0: number[][]; bias0: number[];
  grads: { kernel: number[][]; bias: number[] }[];
  states: { kernel: number[][]; bias: number[] }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/muon.json', import.meta.url), 'utf8')) as { muonSteps: Case[] };

function maxAbs(a: tf.Tensor, b: number[] | number[][]): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, tf.tensor(b)))).dataSync()[0] as number);
}

function regressionData(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([64, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.randomNormal([4, 2], 0, 1, 'float32', 2);
    return { x, y: tf.tanh(tf.matMul(x, w)) as tf.Tensor2D };
  });
}

function mlp(seed: number): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }));
  m.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }));
  return m;
}

describe.each(['cpu', 'wasm'] as const)('muon on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each([0, 1])('three steps match the float64 PyTorch reference (case %i: Nesterov on/off, Adam bias, weight decay)', (k) => {
    const c = fixture.muonSteps[k] as Case;
    const kernel = tf.variable(tf.tensor2d(c.kernel0));
    const bias = tf.variable(tf.tensor1d(c.bias0));
    const opt = muon({
      learningRate: c.config.lr, momentum: c.config.momentum, nesterov: c.config.nesterov, nsSteps: c.config.nsSteps,
      adamLearningRate: c.config.adamLearningRate, adamBeta1: c.config.adamBeta1, adamBeta2: c.config.adamBeta2,
      adamEpsilon: c.config.adamEpsilon, weightDecay: c.config.weightDecay,
    });
    c.grads.forEach((g, i) => {
      const gk = tf.tensor2d(g.kernel);
      const gb = tf.tensor1d(g.bias);
      opt.applyGradients({ [kernel.name]: gk, [bias.name]: gb });
      tf.dispose([gk, gb]);
      const s = c.states[i] as Case['states'][number];
      expect(maxAbs(kernel, s.kernel)).toBeLessThan(1e-5);
      expect(maxAbs(bias, s.bias)).toBeLessThan(1e-5);
    });
    expect(opt.iterations).toBe(3);
    opt.dispose();
    tf.dispose([kernel, bias]);
  });

  it('decreases a loss with optimizer.minimize, without leaking over 100 steps', () => {
    const { x, y } = regressionData();
    const w1 = tf.variable(tf.randomNormal([4, 16], 0, 0.5, 'float32', 3));
    const b1 = tf.variable(tf.zeros([16]));
    const w2 = tf.variable(tf.randomNormal([16, 2], 0, 0.5, 'float32', 4));
    const loss = (): tf.Scalar => tf.losses.meanSquaredError(y, tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar;
    const opt = muon({ learningRate: 0.02, adamLearningRate: 0.01 });
    const first = tf.tidy(() => loss().dataSync()[0] as number);
    opt.minimize(loss); // creates the optimizer state
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) opt.minimize(loss);
    expect(tf.memory().numTensors).toBe(before);
    const last = tf.tidy(() => loss().dataSync()[0] as number);
    expect(last).toBeLessThan(first * 0.5);
    opt.dispose();
    tf.dispose([x, y, w1, b1, w2]);
  });

  it('decreases a loss inside model.fit (compiled with the instance), state round-trips by getWeights/setWeights', async () => {
    const { x, y } = regressionData();
    const model = mlp(10);
    const opt = muon({ learningRate: 0.02, adamLearningRate: 0.01 });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const h = await model.fit(x, y, { epochs: 30, batchSize: 64, verbose: 0 });
    const losses = h.history['loss'] as number[];
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.5);
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const weights = await opt.getWeights();
    expect(weights.map((w) => w.name.split('/').pop())).toEqual(['iter', 'muon_momentum', 'adam_m', 'adam_v', 'muon_momentum', 'adam_m', 'adam_v']);
    const copy = muon(opt.getConfig() as unknown as Parameters<typeof muon>[0]);
    await copy.setWeights(weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    const again = await copy.getWeights();
    expect(again.length).toBe(weights.length);
    again.forEach((w, i) => expect(maxAbs(w.tensor, (weights[i] as { tensor: tf.Tensor }).tensor.arraySync() as number[])).toBe(0));
    expect(copy.iterations).toBe(opt.iterations);
    tf.dispose([x, y]);
    opt.dispose();
    copy.dispose();
    model.dispose();
  });
});

describe('muon on conv kernels', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  it('flattenConv: a 4-D kernel gets -lr * sqrt(max(1, cout/(k cin))) * NS(g as [k cin, cout]); without it, Adam', async () => {
    const { newtonSchulz } = await import('../../src/optim/oddPolynomial.js');
    const k0 = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 50);
    const g = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 51);
    for (const flattenConv of [true, false]) {
      const v = tf.variable(k0);
      const opt = muon({ learningRate: 0.1, momentum: 0.9, nesterov: false, flattenConv });
      opt.applyGradients({ [v.name]: g });
      const expected = tf.tidy(() => {
        if (!flattenConv) return tf.sub(k0, tf.mul(tf.sign(g), 1e-3)); // first Adam step: lr * m/(sqrt(v)+eps) = lr * sign(g)
        const o = newtonSchulz(tf.reshape(tf.mul(g, 0.1), [18, 4]) as tf.Tensor2D); // buf = (1 - mu) g
        return tf.sub(k0, tf.mul(tf.reshape(o, [3, 3, 2, 4]), 0.1));
      });
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(v, expected))).dataSync()[0] as number)).toBeLessThan(1e-5);
      tf.dispose([v, expected]); opt.dispose();
    }
    tf.dispose([k0, g]);
  });
});

describe('muon config and validation', () => {
  it('getConfig / fromConfig round trip through the serialization registry', () => {
    const opt = muon({ learningRate: 0.05, momentum: 0.9, nesterov: false, nsSteps: 3, adamLearningRate: 2e-3, weightDecay: 0.1, flattenConv: true });
    const cls = tf.serialization.SerializationMap.getMap().classNameMap['Muon'];
    expect(cls).toBeDefined();
    const [ctor, fromConfig] = cls as unknown as [tf.serialization.SerializableConstructor<Muon>, tf.serialization.FromConfigMethod<Muon>];
    const copy = fromConfig(ctor, opt.getConfig());
    expect(copy).toBeInstanceOf(Muon);
    expect(copy.getConfig()).toEqual(opt.getConfig());
    expect(copy.usesMuon([3, 3, 2, 4])).toBe(true);
    expect(muon({ learningRate: 1 }).usesMuon([3, 3, 2, 4])).toBe(false);
    expect(muon({ learningRate: 1 }).usesMuon([5])).toBe(false);
  });

  it('rejects bad options with a LipkitError naming the field', () => {
    const field = (o: unknown): string => { try { muon(o as Parameters<typeof muon>[0]); } catch (e) { return e instanceof LipkitError ? e.argument : 'other'; } return 'none'; };
    expect(field({ learningRate: 0 })).toBe('options.learningRate');
    expect(field({ learningRate: NaN })).toBe('options.learningRate');
    expect(field({})).toBe('options.learningRate');
    expect(field({ learningRate: 0.1, momentum: 1 })).toBe('options.momentum');
    expect(field({ learningRate: 0.1, nesterov: 'yes' })).toBe('options.nesterov');
    expect(field({ learningRate: 0.1, nsSteps: 2.5 })).toBe('options.nsSteps');
    expect(field({ learningRate: 0.1, weightDecay: -1 })).toBe('options.weightDecay');
    expect(field(null)).toBe('options');
  });
});
