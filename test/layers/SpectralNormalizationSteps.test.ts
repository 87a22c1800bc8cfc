import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { SpectralNormalization, spectralNormalization } from '../../src/layers/SpectralNormalization.js';
import { exactSigma } from './helpers.js';
import { loadMnistSets } from '../../src/studies/enforcedLipschitz/mnistSets.js';
import { LipkitError } from '../../src/util/errors.js';

// The kernel each training call uses is target * W / lastTrainingSigma, with W the kernel before
// the optimizer step; its exact norm is checked after every step of Adam at lr 1e-2.
describe.each([['cpu', 'checked'], ['wasm', 'checked'], ['cpu', 'certified']] as const)(
  'SpectralNormalization keeps the promise on every training step (MNIST MLP 784-160-160-10, Adam lr 1e-2, %s, %s)', (backend, guarantee) => {
    beforeAll(async () => { await setBackend(backend); });
    it('every layer, every step (oracle: exact SVD)', () => {
      const { train } = loadMnistSets(128, 1);
      const x = tf.tensor2d(train.points, [train.count, train.dim]);
      const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10);
      const target = 1.5;
      const sns = [
        spectralNormalization({ layer: tfl.layers.dense({ units: 160, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }), inputShape: [784], target, guarantee }),
        spectralNormalization({ layer: tfl.layers.dense({ units: 160, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }), target, guarantee }),
        spectralNormalization({ layer: tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }), target, guarantee }),
      ];
      const model = tfl.sequential({ layers: sns });
      const opt = tf.train.adam(1e-2);
      const bad: string[] = [];
      // wasm 'checked' runs 30 steps: long enough for the top of the spectrum to flatten and the
      // layer to switch to host steps (skipping untrusted block rounds), which must keep the promise too
      const steps = backend === 'wasm' ? 30 : 10;
      for (let step = 0; step < steps; step++) {
        const start = (step * 32) % train.count;
        const kernels = sns.map((sn, i) => (i === 0 && step % 4 !== 0 ? null : tf.clone(sn.getWeights()[0] as tf.Tensor)));
        opt.minimize(() => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.slice(y, [start, 0], [32, 10]),
          model.apply(tf.slice(x, [start, 0], [32, 784]), { training: true }) as tf.Tensor) as tf.Scalar));
        sns.forEach((sn, i) => {
          const k = kernels[i];
          if (k === null || k === undefined) return;
          const ratio = (target * exactSigma(k)) / sn.lastTrainingSigma / target;
          const ok = guarantee === 'certified' ? ratio <= 1 + 1e-6 && ratio >= 1 - 1e-3 : Math.abs(ratio - 1) <= 1e-3;
          if (!ok) bad.push(`step ${step} layer ${i}: sigma(W_eff) / target = ${ratio}`);
          k.dispose();
        });
      }
      expect(bad).toEqual([]);
      if (backend === 'wasm') expect(sns.some((sn) => (sn as unknown as { hostRun: number }).hostRun > 0)).toBe(true);
      opt.dispose(); model.dispose(); tf.dispose([x, y]);
    }, 120_000);
  });

describe('SpectralNormalization guarantee options', () => {
  it('bad options name the field', () => {
    const field = (fn: () => unknown): string => { try { fn(); } catch (e) { return e instanceof LipkitError ? e.argument : `other: ${String(e)}`; } return 'none'; };
    const layer = () => tfl.layers.dense({ units: 2 });
    expect(field(() => new SpectralNormalization({ layer: layer(), guarantee: 'exact' as 'certified' }))).toBe('config.guarantee');
    expect(field(() => new SpectralNormalization({ layer: layer(), tolerance: -1 }))).toBe('config.tolerance');
    expect(field(() => new SpectralNormalization({ layer: layer(), checkEvery: 0 }))).toBe('config.checkEvery');
    expect(field(() => new SpectralNormalization({ layer: layer(), maxIterations: NaN }))).toBe('config.maxIterations');
    expect(field(() => new SpectralNormalization({ layer: layer(), target: 0 }))).toBe('config.target');
    expect(field(() => new SpectralNormalization({ layer: layer(), target: NaN }))).toBe('config.target');
  });
});

describe("SpectralNormalization guarantee: 'estimate' (PyTorch's step only)", () => {
  beforeAll(async () => { await setBackend('cpu'); });
  it('trains without reading sigma back, round-trips its config, and its stored sigma tracks the exact one', () => {
    const sn = spectralNormalization({ layer: tfl.layers.dense({ units: 12, kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }) }), inputShape: [20], guarantee: 'estimate' });
    const model = tfl.sequential({ layers: [sn] });
    const x = tf.randomNormal([16, 20], 0, 1, 'float32', 5);
    const opt = tf.train.sgd(1e-3);
    for (let i = 0; i < 5; i++) opt.minimize(() => tf.tidy(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar));
    expect(sn.estimateOnly).toBe(true);
    expect(Number.isNaN(sn.lastTrainingSigma)).toBe(true);
    expect(sn.getConfig()['guarantee']).toBe('estimate');
    const k = sn.getWeights()[0] as tf.Tensor;
    expect(Math.abs(sn.sigma() / exactSigma(k) - 1)).toBeLessThan(1e-2); // an estimate: small lr, warm start
    opt.dispose(); model.dispose(); x.dispose();
  });
});
