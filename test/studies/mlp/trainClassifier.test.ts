import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { lipschitzProjection } from '../../../src/constrain/LipschitzProjection.js';
import { spectralNormalize } from '../../../src/constrain/SpectralNormalize.js';
import { SpectralNormalization } from '../../../src/layers/SpectralNormalization.js';
import { buildMlp } from '../../../src/studies/mlp/buildMlp.js';
import { trainClassifier } from '../../../src/studies/mlp/trainClassifier.js';
import { gradientPenaltyTerm, spectralPenaltyTerm, type PenaltyTerm } from '../../../src/studies/mlp/penaltyTerms.js';
import { moonsSplit, type ClassificationSet } from '../../../src/studies/mlp/classificationData.js';
import { disposeModel } from '../../../src/studies/mlp/disposeModel.js';
import { expectError } from '../../expectLipkitError.js';

const tiny: ClassificationSet = {
  points: Float32Array.from([0.3, -0.2, -0.7, 0.5, 1.1, 0.4, -0.1, -0.9, 0.6, 0.8]),
  labels: Int32Array.from([0, 1, 1, 0, 1]),
  count: 5, dim: 2, classes: 2,
};

/** The float64 objective of a 2-3-2 tanh MLP: mean CE + kappa * mean_b sum_k (||grad_x f_k|| - D)^2 + lambda * sum_l sigma(W_l). */
function objective64(p: number[][], set: ClassificationSet, o: { kappa?: number; target?: number; lambda?: number }): number {
  const [w1, b1, w2, b2] = p; // w1 [2,3] row-major, b1 [3], w2 [3,2], b2 [2]
  let ce = 0;
  let gp = 0;
  for (let n = 0; n < set.count; n++) {
    const x = [set.points[2 * n], set.points[2 * n + 1]];
    const h = [0, 1, 2].map((j) => Math.tanh(x[0] * w1[j] + x[1] * w1[3 + j] + b1[j]));
    const f = [0, 1].map((k) => h.reduce((a, hj, j) => a + hj * w2[2 * j + k], b2[k]));
    const m = Math.max(...f);
    ce += -(f[set.labels[n]] - m - Math.log(f.reduce((a, v) => a + Math.exp(v - m), 0)));
    for (let k = 0; k < 2; k++) {
      const g = [0, 1].map((i) => [0, 1, 2].reduce((a, j) => a + w1[3 * i + j] * (1 - h[j] ** 2) * w2[2 * j + k], 0));
      gp += (Math.hypot(g[0], g[1]) - (o.target ?? 1)) ** 2;
    }
  }
  const sigma = (w: number[], rows: number, cols: number): number => exactSingularValues(
    Array.from({ length: rows }, (_, r) => w.slice(r * cols, (r + 1) * cols)))[0];
  return ce / set.count + (o.kappa ?? 0) * gp / set.count + (o.lambda ?? 0) * (sigma(w1, 2, 3) + sigma(w2, 3, 2));
}

function weights(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** The gradient one plain SGD step of the trainer took, (before - after) / lr, vs central differences of the float64 objective. */
function compareStep(penalty: PenaltyTerm | undefined, o: { kappa?: number; target?: number; lambda?: number }): void {
  const model = buildMlp({ inputDim: 2, widths: [3], outputs: 2, activation: 'tanh', seed: 3 });
  const before = weights(model);
  const lr = 0.01;
  trainClassifier(model, tiny, { epochs: 1, optimizer: { kind: 'sgd', learningRate: lr }, penalty, refreshSpectralNorm: false });
  const after = weights(model);
  const h = 1e-6;
  let worst = 0;
  before.forEach((w, t) => w.forEach((v, i) => {
    const plus = before.map((a) => a.slice());
    const minus = before.map((a) => a.slice());
    plus[t][i] = v + h;
    minus[t][i] = v - h;
    const fd = (objective64(plus, tiny, o) - objective64(minus, tiny, o)) / (2 * h);
    const taken = (v - after[t][i]) / lr;
    worst = Math.max(worst, Math.abs(taken - fd) / (1e-3 + Math.abs(fd)));
  }));
  expect(worst).toBeLessThan(2e-3);
  penalty?.dispose();
  disposeModel(model);
}

describe('trainClassifier', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('takes the gradient of cross-entropy (plain SGD step vs float64 central differences)', () => {
    compareStep(undefined, {});
  });

  it('takes the gradient of cross-entropy + gradient penalty at the data (double backprop vs float64 oracle)', () => {
    compareStep(gradientPenaltyTerm({ kappa: 0.7, target: 1 }), { kappa: 0.7, target: 1 });
  });

  it('takes the gradient of cross-entropy + lambda * sum of spectral norms (vs exact float64 SVD)', () => {
    compareStep(spectralPenaltyTerm({ lambda: 0.5 }), { lambda: 0.5 });
  });

  it('a wrong objective would be caught: the penalty changes the step', () => {
    const a = buildMlp({ inputDim: 2, widths: [3], activation: 'tanh', seed: 3 });
    const b = buildMlp({ inputDim: 2, widths: [3], activation: 'tanh', seed: 3 });
    trainClassifier(a, tiny, { epochs: 1, optimizer: { kind: 'sgd', learningRate: 0.01 } });
    const pen = gradientPenaltyTerm({ kappa: 0.7 });
    trainClassifier(b, tiny, { epochs: 1, optimizer: { kind: 'sgd', learningRate: 0.01 }, penalty: pen });
    const diff = Math.max(...weights(a).flatMap((w, t) => w.map((v, i) => Math.abs(v - weights(b)[t][i]))));
    expect(diff).toBeGreaterThan(1e-4);
    disposeModel(a);
    disposeModel(b);
  });

  it('keeps hard constraints after training: every kernel\'s exact spectral norm <= target (1 + 1e-3)', () => {
    const { train } = moonsSplit({ train: 64, test: 8, seed: 4 });
    const cases: Array<{ name: string; make: () => tfl.Sequential; target: number }> = [
      { name: 'lipschitzProjection 1', make: () => buildMlp({ widths: [16, 16], seed: 5, kernelConstraint: () => lipschitzProjection({ maxNorm: 1 }) }), target: 1 },
      { name: 'spectralNormalize 0.5', make: () => buildMlp({ widths: [16, 16], seed: 5, kernelConstraint: () => spectralNormalize({ target: 0.5 }) }), target: 0.5 },
      { name: 'spectralNormalization wrapper 2', make: () => buildMlp({ widths: [16, 16], seed: 5, spectralNormTarget: 2 }), target: 2 },
    ];
    for (const c of cases) {
      const model = c.make();
      const h = trainClassifier(model, train, { epochs: 60, optimizer: { kind: 'adam', learningRate: 0.05 } });
      expect(h.diverged).toBe(false);
      const kernels = model.layers.map((l) => (l instanceof SpectralNormalization ? l.effectiveKernel() : l.getWeights()[0].clone()));
      for (const k of kernels) {
        const sigma = exactSingularValues(k.arraySync() as number[][])[0];
        expect(sigma, c.name).toBeLessThanOrEqual(c.target * (1 + 1e-3));
        if (c.name.startsWith('spectral')) expect(sigma, c.name).toBeGreaterThan(c.target * (1 - 1e-2)); // normalized, not merely shrunk
      }
      tf.dispose(kernels);
      disposeModel(model);
    }
  });

  it('without constrain the projection is not applied (the constraint really is what holds the norm)', () => {
    const { train } = moonsSplit({ train: 64, test: 8, seed: 4 });
    const model = buildMlp({ widths: [16, 16], seed: 5, kernelConstraint: () => lipschitzProjection({ maxNorm: 0.5 }) });
    trainClassifier(model, train, { epochs: 60, optimizer: { kind: 'adam', learningRate: 0.05 }, constrain: false });
    const sigmas = model.layers.map((l) => exactSingularValues(l.getWeights()[0].arraySync() as number[][])[0]);
    expect(Math.max(...sigmas)).toBeGreaterThan(0.6);
    disposeModel(model);
  });

  it('leaks no tensors (every penalty, constraint and optimizer), is deterministic, and lowers the loss', () => {
    const { train } = moonsSplit({ train: 48, test: 8, seed: 6 });
    const setups: Array<{ name: string; model: () => tfl.Sequential; penalty?: () => PenaltyTerm; optimizer: Parameters<typeof trainClassifier>[2] }> = [
      { name: 'adam plain', model: () => buildMlp({ widths: [8, 8], seed: 1 }), optimizer: { optimizer: { kind: 'adam', learningRate: 0.02 } } },
      { name: 'sgd momentum minibatch', model: () => buildMlp({ widths: [8, 8], seed: 1 }), optimizer: { optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.9 }, batchSize: 16 } },
      { name: 'muon', model: () => buildMlp({ widths: [8, 8], seed: 1 }), optimizer: { optimizer: { kind: 'muon', learningRate: 0.02 } } },
      { name: 'gradient penalty', model: () => buildMlp({ widths: [8, 8], seed: 1 }), penalty: () => gradientPenaltyTerm(), optimizer: {} },
      { name: 'spectral penalty', model: () => buildMlp({ widths: [8, 8], seed: 1 }), penalty: () => spectralPenaltyTerm(), optimizer: {} },
      { name: 'projection', model: () => buildMlp({ widths: [8, 8], seed: 1, kernelConstraint: () => lipschitzProjection({ maxNorm: 1 }) }), optimizer: {} },
      { name: 'SN wrapper', model: () => buildMlp({ widths: [8, 8], seed: 1, spectralNormTarget: 1 }), optimizer: {} },
    ];
    for (const s of setups) {
      const start = tf.memory().numTensors;
      const losses: (number | null)[][] = [];
      for (let rep = 0; rep < 2; rep++) {
        const model = s.model();
        const penalty = s.penalty?.();
        trainClassifier(model, train, { epochs: 2, ...s.optimizer, penalty }); // warm: constraint / penalty state exists now
        const before = tf.memory().numTensors;
        const h = trainClassifier(model, train, { epochs: 20, seed: 9, ...s.optimizer, penalty });
        expect(tf.memory().numTensors, s.name).toBe(before);
        expect(h.loss.length).toBe(20);
        expect(h.steps).toBe(20 * Math.ceil(48 / (s.optimizer?.batchSize ?? 48)));
        expect(h.taskLoss[19] as number, s.name).toBeLessThan(h.taskLoss[0] as number);
        losses.push(h.loss);
        penalty?.dispose();
        disposeModel(model);
      }
      expect(losses[1], s.name).toEqual(losses[0]);
      expect(tf.memory().numTensors, s.name).toBe(start);
    }
  });

  it('flags a non-finite objective as divergence and stops at that step', () => {
    const { train } = moonsSplit({ train: 32, test: 8, seed: 6 });
    const model = buildMlp({ widths: [8, 8], seed: 1 });
    let calls = 0;
    const nanAfterFive: PenaltyTerm = {
      name: 'NaN after 5 steps',
      compute: () => ({ penalty: tf.scalar(++calls > 5 ? Number.NaN : 0) }),
      dispose: () => undefined,
    };
    const before = tf.memory().numTensors;
    const h = trainClassifier(model, train, { epochs: 50, penalty: nanAfterFive });
    expect(h.diverged).toBe(true);
    expect(h.steps).toBe(6);
    expect(h.loss.length).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(model);
  });

  it('rejects bad input naming the argument', () => {
    const model = buildMlp({ widths: [4], seed: 1 });
    expectError(() => trainClassifier(model, tiny, { epochs: -1 }), 'options.epochs');
    expectError(() => trainClassifier(model, tiny, { batchSize: 0 }), 'options.batchSize');
    expectError(() => trainClassifier(model, tiny, { optimizer: { kind: 'rmsprop' as 'adam', learningRate: 0.1 } }), 'options.optimizer.kind');
    expectError(() => trainClassifier(model, tiny, { optimizer: { kind: 'adam', learningRate: 0.1, momentum: 0.9 } }), 'options.optimizer.momentum');
    expectError(() => trainClassifier(model, tiny, { optimizer: { kind: 'sgd', learningRate: 0 } }), 'options.optimizer.learningRate');
    expectError(() => trainClassifier(model, tiny, { constrain: 'yes' as unknown as boolean }), 'options.constrain');
    expectError(() => trainClassifier(model, tiny, { settleConstraints: -1 }), 'options.settleConstraints');
    expectError(() => trainClassifier(model, { ...tiny, labels: Int32Array.from([0, 1, 2, 0, 1]) }, {}), 'train.labels');
    expectError(() => trainClassifier(model, { ...tiny, count: 4 }, {}), 'train.points');
    expectError(() => trainClassifier({} as tfl.LayersModel, tiny, {}), 'model');
    expectError(() => gradientPenaltyTerm({ kappa: -1 }), 'options.kappa');
    expectError(() => spectralPenaltyTerm({ lambda: Number.NaN }), 'options.lambda');
    disposeModel(model);
  });
});
