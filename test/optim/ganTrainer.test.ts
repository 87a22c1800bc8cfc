import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { spectralNormalization } from '../../src/layers/SpectralNormalization.js';
import { criticLoss, generatorLoss, type GanLoss } from '../../src/optim/ganLosses.js';
import { criticObjective } from '../../src/optim/criticObjective.js';
import { ganTrainer } from '../../src/optim/GanTrainer.js';
import { LipkitError } from '../../src/util/errors.js';

beforeAll(async () => { await setBackend('cpu'); });

const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

/** float64 reference of the losses (GAN_LOSSES' formulas, written out independently). */
function criticRef(loss: GanLoss, r: number[], f: number[]): number {
  if (loss === 'wasserstein') return mean(f) - mean(r);
  if (loss === 'hinge') return mean(r.map((v) => Math.max(0, 1 - v))) + mean(f.map((v) => Math.max(0, 1 + v)));
  return mean(r.map((v) => softplus(-v))) + mean(f.map((v) => softplus(v)));
}
const generatorRef = (loss: GanLoss, f: number[]): number => (loss === 'non-saturating' ? mean(f.map((v) => softplus(-v))) : -mean(f));

function mlp(units: number[], seed: number, sn = false): tfl.Sequential {
  const m = tfl.sequential();
  units.slice(1).forEach((u, i) => {
    const d = tfl.layers.dense({ units: u, activation: i < units.length - 2 ? 'tanh' : 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + i }), biasInitializer: tfl.initializers.randomNormal({ stddev: 0.3, seed: seed + 10 + i }), ...(!sn && i === 0 ? { inputShape: [units[0]] } : {}) });
    m.add(sn ? spectralNormalization({ layer: d, ...(i === 0 ? { inputShape: [units[0]] } : {}) }) : d);
  });
  return m;
}

describe('GAN losses', () => {
  it('match a float64 reference (critic and generator, every loss)', () => {
    const r = [2.1, -0.3, 0.7, -1.6, 0.05, 30];
    const f = [-2.2, 0.4, 1.3, -0.9, -40, 0.2];
    for (const loss of ['wasserstein', 'hinge', 'non-saturating'] as const) {
      const c = tf.tidy(() => criticLoss(loss, tf.tensor1d(r), tf.tensor1d(f)).dataSync()[0]);
      const g = tf.tidy(() => generatorLoss(loss, tf.tensor1d(f)).dataSync()[0]);
      expect(Math.abs(c - criticRef(loss, r, f))).toBeLessThan(1e-5 * (1 + Math.abs(criticRef(loss, r, f))));
      expect(Math.abs(g - generatorRef(loss, f))).toBeLessThan(1e-5 * (1 + Math.abs(generatorRef(loss, f))));
    }
  });
});

describe('criticObjective (WGAN-GP)', () => {
  it('its gradient in the critic weights matches float64 finite differences of an independent implementation', () => {
    const critic = mlp([2, 3, 1], 7);
    const real = [[1.2, -0.4], [0.3, 0.8], [-1.1, 0.5], [0.9, 1.7]];
    const fake = [[-0.2, 0.1], [1.5, -1.0], [0.4, 0.4], [-0.7, -1.3]];
    const alpha = [0.2, 0.9, 0.5, 0.35];
    for (const oneSided of [false, true]) {
      const pen = { weight: 10, target: 0.5, oneSided };
      const vars = critic.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { value, grads } = tf.variableGrads(() => criticObjective((x) => critic.apply(x) as tf.Tensor, tf.tensor2d(real), tf.tensor2d(fake), 'wasserstein', pen, { alpha }).total, vars);
      const w0 = vars.map((v) => Array.from(v.dataSync(), Number));
      // float64: f(x) = w2 . tanh(x W1 + b1) + b2, grad_x f = W1 (w2 * (1 - h^2)).
      const objective = (w: number[][]): number => {
        const [W1, b1, w2, b2] = w;
        const hid = (x: number[]): number[] => [0, 1, 2].map((j) => Math.tanh(x[0] * W1[j] + x[1] * W1[3 + j] + b1[j]));
        const f = (x: number[]): number => hid(x).reduce((s, h, j) => s + h * w2[j], b2[0]);
        const gradNorm = (x: number[]): number => {
          const h = hid(x);
          const d = [0, 1, 2].map((j) => w2[j] * (1 - h[j] ** 2));
          return Math.hypot(d.reduce((s, v, j) => s + W1[j] * v, 0), d.reduce((s, v, j) => s + W1[3 + j] * v, 0));
        };
        const points = real.map((x, b) => [alpha[b] * x[0] + (1 - alpha[b]) * fake[b][0], alpha[b] * x[1] + (1 - alpha[b]) * fake[b][1]]);
        const dev = points.map((p) => gradNorm(p) - pen.target).map((v) => (oneSided ? Math.max(0, v) : v));
        return mean(fake.map(f)) - mean(real.map(f)) + pen.weight * mean(dev.map((v) => v * v));
      };
      expect(Math.abs(value.dataSync()[0] - objective(w0))).toBeLessThan(1e-4 * (1 + Math.abs(objective(w0))));
      vars.forEach((v, k) => {
        const g = grads[v.name].dataSync();
        for (let i = 0; i < w0[k].length; i++) {
          const h = 1e-6;
          const up = w0.map((a) => a.slice()); up[k][i] += h;
          const dn = w0.map((a) => a.slice()); dn[k][i] -= h;
          const fd = (objective(up) - objective(dn)) / (2 * h);
          expect(Math.abs(g[i] - fd), `${v.name}[${i}] oneSided=${oneSided}`).toBeLessThan(2e-3 * (1 + Math.abs(fd)));
        }
      });
      tf.dispose([value, ...Object.values(grads)]);
    }
  });
});

describe('GanTrainer', () => {
  const data = (n: number, seed: number): tf.Tensor => tf.tidy(() => tf.add(tf.mul(tf.randomNormal([n, 2], 0, 1, 'float32', seed), 0.1), tf.tensor1d([1, -1])));

  it('trains WGAN-GP and SN critics without leaking tensors', async () => {
    for (const sn of [false, true]) {
      const G = mlp([2, 8, 2], 1);
      const D = mlp([2, 8, 1], 2, sn);
      const before = tf.memory().numTensors;
      const t = ganTrainer(G, D, sn ? { loss: 'hinge', gradientPenalty: null, criticSteps: 1 } : { criticSteps: 2, criticOptimizer: { learningRate: 1e-3 } });
      let seed = 0;
      const h = await t.train(() => data(16, ++seed), { steps: 3 });
      expect(h.results).toHaveLength(3);
      expect(h.diverged).toBe(false);
      for (const r of h.results) expect([r.criticObjective, r.generatorLoss, r.scoreGap, r.penalty].every(Number.isFinite)).toBe(true);
      if (!sn) expect(h.results[0].penalty).toBeGreaterThan(0);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
      G.dispose(); D.dispose();
    }
  });

  it('a critic step with SGD moves the weights by -lr times the objective gradient', () => {
    const G = mlp([2, 4, 2], 3);
    const D = mlp([2, 4, 1], 4);
    const real = data(8, 5);
    const z = tf.randomNormal([8, 2], 0, 1, 'float32', 9);
    const lr = 0.01;
    const t = ganTrainer(G, D, { loss: 'hinge', gradientPenalty: null, criticSteps: 1, criticOptimizer: tf.train.sgd(lr), generatorOptimizer: tf.train.sgd(0), sampleLatent: () => tf.clone(z) });
    const vars = D.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const fake = G.apply(z) as tf.Tensor;
    const { grads } = tf.variableGrads(() => criticObjective((x) => D.apply(x) as tf.Tensor, real, fake, 'hinge', null).total, vars);
    const w0 = vars.map((v) => v.dataSync().slice());
    t.step(real);
    vars.forEach((v, k) => {
      const g = grads[v.name].dataSync();
      const w1 = v.dataSync();
      for (let i = 0; i < g.length; i++) expect(Math.abs(w1[i] - (w0[k][i] - lr * g[i]))).toBeLessThan(1e-6);
    });
    tf.dispose([real, z, fake, ...Object.values(grads)]);
    t.dispose();
  });

  it('refuses bad input naming the field', () => {
    const G = mlp([2, 4, 2], 1);
    const D = mlp([2, 4, 1], 2);
    const code = (f: () => unknown): string => { try { f(); } catch (e) { return e instanceof LipkitError ? e.argument : String(e); } return 'no error'; };
    expect(code(() => ganTrainer(G, D, { gradientPenalty: null }))).toBe('options.loss');
    expect(code(() => ganTrainer(G, D, { criticStep: 2 } as never))).toBe('options.criticStep');
    expect(code(() => ganTrainer(G, D, { gradientPenalty: { lambda: 1 } as never }))).toBe('options.gradientPenalty.lambda');
    expect(code(() => ganTrainer(G, D, { criticOptimizer: { beta1: 1.5 } }))).toBe('options.criticOptimizer.beta1');
    expect(code(() => ganTrainer(G, D, { criticSteps: 0 }))).toBe('options.criticSteps');
    expect(code(() => ganTrainer(G, mlp([2, 4, 3], 2)))).toBe('critic');
    expect(code(() => ganTrainer(G, mlp([3, 4, 1], 2)))).toBe('critic');
    const t = ganTrainer(G, D, { loss: 'non-saturating', gradientPenalty: null });
    const bad = tf.zeros([4, 3]);
    expect(code(() => t.step(bad))).toBe('real');
    bad.dispose();
    t.dispose();
  });
});
