import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { spectralNormalize } from '../../src/constrain/SpectralNormalize.js';
import { lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { spectralHardCap } from '../../src/constrain/SpectralHardCap.js';
import { spectralSoftCap } from '../../src/constrain/SpectralSoftCap.js';
import { spectralHammer } from '../../src/constrain/SpectralHammer.js';
import { applyConstraints } from '../../src/constrain/applyConstraints.js';
import { loadMnistSets } from '../../src/studies/enforcedLipschitz/mnistSets.js';
import type { Constraint } from '../../src/constrain/spectralConstraintBase.js';

const top = (w: tf.Tensor): number => exactSingularValues(w.arraySync() as number[][])[0] as number;

type Case = [string, () => Constraint, (s: number) => boolean];
const CAP = 1;
const CASES: Case[] = [
  ['spectralNormalize', () => spectralNormalize({ target: CAP }), (s) => Math.abs(s / CAP - 1) <= 1e-3],
  ['lipschitzProjection', () => lipschitzProjection({ maxNorm: CAP }), (s) => s <= CAP * (1 + 1e-3)],
  ['spectralHardCap', () => spectralHardCap({ cap: CAP }), (s) => s <= CAP * (1 + 1e-3)],
  ['spectralSoftCap', () => spectralSoftCap({ cap: CAP }), (s) => s <= CAP * (1 + 1e-3)],
  ['spectralHammer', () => spectralHammer({ cap: CAP }), (s) => s <= CAP * (1 + 1e-3)],
  ['lipschitzProjection certified', () => lipschitzProjection({ maxNorm: CAP, guarantee: 'certified' }), (s) => s <= CAP * (1 + 1e-6)],
];

describe.each(['cpu', 'wasm'] as const)('every training step keeps the cap (MNIST MLP 784-32-32-10, Adam lr 1e-2, %s; oracle: exact SVD)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });
  const { train } = loadMnistSets(256, 1);
  it.each(CASES)('%s', (name, make, holds) => {
    const x = tf.tensor2d(train.points, [train.count, train.dim]);
    const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10);
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelConstraint: make(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      tfl.layers.dense({ units: 32, activation: 'relu', kernelConstraint: make(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
      tfl.layers.dense({ units: 10, kernelConstraint: make(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
    ] });
    const opt = tf.train.adam(1e-2);
    const bad: string[] = [];
    let lossFirst = NaN;
    let lossLast = NaN;
    for (let step = 0; step < 24; step++) {
      const start = (step * 64) % train.count;
      const loss = opt.minimize(() => tf.tidy(() => {
        const xb = tf.slice(x, [start, 0], [64, 784]);
        const yb = tf.slice(y, [start, 0], [64, 10]);
        return tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar;
      }), true) as tf.Scalar;
      const l = loss.dataSync()[0] as number;
      loss.dispose();
      if (step === 0) lossFirst = l;
      lossLast = l;
      applyConstraints(model);
      model.layers.forEach((layer, i) => {
        const k = layer.getWeights()[0] as tf.Tensor;
        const s = top(k);
        if (!holds(s)) bad.push(`step ${step} layer ${i}: sigma ${s}`);
      });
    }
    expect(bad, name).toEqual([]);
    expect(Number.isFinite(lossLast)).toBe(true);
    expect(lossLast).toBeLessThan(lossFirst); // it still trains
    opt.dispose(); model.dispose(); tf.dispose([x, y]);
  }, 60_000);
});

describe('every step with a layer above the cheap-certificate size (784x128: periodic checks, estimate between; cpu)', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  const { train } = loadMnistSets(256, 1);
  it.each(CASES.slice(0, 2))('%s', (name, make, holds) => {
    const x = tf.tensor2d(train.points, [train.count, train.dim]);
    const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10);
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelConstraint: make(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }) }),
      tfl.layers.dense({ units: 10, kernelConstraint: make(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }),
    ] });
    const opt = tf.train.adam(1e-2);
    const bad: string[] = [];
    for (let step = 0; step < 14; step++) {
      const start = (step * 64) % train.count;
      opt.minimize(() => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.slice(y, [start, 0], [64, 10]), model.apply(tf.slice(x, [start, 0], [64, 784])) as tf.Tensor) as tf.Scalar));
      applyConstraints(model);
      const s = top(model.layers[0]!.getWeights()[0] as tf.Tensor);
      if (!holds(s)) bad.push(`step ${step}: sigma ${s}`);
    }
    expect(bad, name).toEqual([]);
    opt.dispose(); model.dispose(); tf.dispose([x, y]);
  }, 60_000);
});

