import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { compile, type TopLevelSpec } from 'vega-lite';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { lipschitzProjection } from '../../../src/constrain/LipschitzProjection.js';
import { buildMlp } from '../../../src/studies/mlp/buildMlp.js';
import { trainClassifier } from '../../../src/studies/mlp/trainClassifier.js';
import { moonsSplit, setTensors, type ClassificationSet } from '../../../src/studies/mlp/classificationData.js';
import { evaluateClassifier } from '../../../src/studies/mlp/evaluateClassifier.js';
import { measureSmoothness } from '../../../src/studies/mlp/measureSmoothness.js';
import { probabilityGrid } from '../../../src/studies/mlp/probabilityGrid.js';
import { decisionSurfaceSpec, groupedPointsSpec, linesSpec } from '../../../src/studies/mlp/figureSpecs.js';
import { formatMeanSd, meanSd, pooledSd, subsample } from '../../../src/studies/mlp/stats.js';
import { disposeModel } from '../../../src/studies/mlp/disposeModel.js';
import { makeOptimizer, optimizerLabel } from '../../../src/studies/mlp/makeOptimizer.js';
import { armRecord } from '../../../src/studies/mlp/armRecord.js';
import type { ArmResult } from '../../../src/studies/mlp/runArm.js';
import { roundTrip } from '../../layers/helpers.js';
import { expectError } from '../../expectLipkitError.js';

/** A 2-2 linear model with the given kernel and zero bias (logits = x W). */
function linear(kernel: number[][]): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 2, useBias: false })] });
  m.layers[0].setWeights([tf.tensor2d(kernel)]);
  return m;
}

describe('studies/mlp parts', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('buildMlp: layer count, widths, and save/load of every variant keeps outputs and certified bound', async () => {
    const variants = [
      buildMlp({ widths: [8, 8, 8], seed: 2 }),
      buildMlp({ widths: [8, 8, 8], seed: 2, spectralNormTarget: 1 }),
      buildMlp({ widths: [8, 8, 8], seed: 2, kernelConstraint: () => lipschitzProjection({ maxNorm: 1 }) }),
    ];
    const { train } = moonsSplit({ train: 32, test: 8, seed: 1 });
    const x = tf.tensor2d(train.points, [32, 2]);
    // Loading re-applies kernel constraints (tfjs-layers): after only a few training steps the
    // projection's power iteration has not converged and would rescale a kernel on load, unless
    // the trainer settles the constraints (checked both ways).
    for (const [i, m] of variants.entries()) {
      expect(m.layers.length).toBe(4);
      expect(m.outputs[0].shape).toEqual([null, 2]);
      trainClassifier(m, train, { epochs: 5, settleConstraints: 50 });
      const loaded = await roundTrip(m);
      const a = m.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Math.max(...Array.from(tf.abs(tf.sub(a, b)).dataSync())), `variant ${i}`).toBeLessThan(1e-6);
      expect(lipschitzBound(loaded).upperBound).toBeCloseTo(lipschitzBound(m).upperBound, 6);
      tf.dispose([a, b]);
      disposeModel(loaded);
      disposeModel(m);
    }
    // without settling too: the projection now iterates to convergence (issue 12), so re-applying it on load moves nothing
    const unsettled = buildMlp({ widths: [8, 8, 8], seed: 2, kernelConstraint: () => lipschitzProjection({ maxNorm: 1 }) });
    trainClassifier(unsettled, train, { epochs: 5 });
    const reloaded = await roundTrip(unsettled);
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(unsettled.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor))).dataSync()[0]);
    expect(moved).toBeLessThan(1e-5);
    disposeModel(reloaded);
    disposeModel(unsettled);
    x.dispose();
    expectError(() => buildMlp({ widths: [0] }), 'options.widths[0]');
    expectError(() => buildMlp({ activation: 'sigmoid' as 'relu' }), 'options.activation');
    expectError(() => buildMlp({ spectralNormTarget: 0 }), 'options.spectralNormTarget');
  });

  it('evaluateClassifier: accuracy, margin and cross-entropy of a known linear model; certified accuracy', () => {
    const set: ClassificationSet = { points: Float32Array.from([1, 0, 0, 1, 2, 0, 0, -1]), labels: Int32Array.from([0, 1, 0, 1]), count: 4, dim: 2, classes: 2 };
    const m = linear([[1, 0], [0, 1]]); // logits = (x1, x2)
    const r = evaluateClassifier(m, set, { lipschitz: 1, epsilons: [0.5, 1] });
    // margins (label - other): 1, 1, 2, -1 -> 3 of 4 correct
    expect(r.accuracy).toBe(0.75);
    expect(r.meanMargin).toBeCloseTo((1 + 1 + 2 - 1) / 4, 6);
    const ce = [1, 1, 2, -1].map((d) => Math.log(1 + Math.exp(-d)));
    expect(r.crossEntropy).toBeCloseTo(ce.reduce((a, b) => a + b) / 4, 5);
    // radius = margin / (sqrt 2 * 1): 0.707, 0.707, 1.414 -> at 0.5: 3/4, at 1: 1/4
    expect(r.certifiedAccuracy).toEqual([{ epsilon: 0.5, accuracy: 0.75 }, { epsilon: 1, accuracy: 0.25 }]);
    disposeModel(m);
  });

  it('measureSmoothness: certified layers, upper >= lower, mean Jacobian norm of a linear model is its spectral norm', () => {
    const m = linear([[3, 0], [0, 1]]);
    const { test } = moonsSplit({ train: 8, test: 16, seed: 2 });
    const before = tf.memory().numTensors;
    const s = measureSmoothness(m, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(s.upperBound).toBeCloseTo(3, 5);
    expect(s.layers).toHaveLength(1);
    expect(s.lowerBound).toBeLessThanOrEqual(s.upperBound * (1 + 1e-5));
    expect(s.lowerBound).toBeGreaterThan(2.999);
    expect(s.meanJacobianNorm).toBeCloseTo(3, 4);
    disposeModel(m);
  });

  it('probabilityGrid: P(class 1) of a known model over the grid, inputScale, no leaks', () => {
    const m = linear([[1, -1], [0, 0]]); // logits (x, -x): P(1) = sigmoid(-2x)
    const before = tf.memory().numTensors;
    const cells = probabilityGrid(m, { xRange: [-1, 1], yRange: [0, 1], nx: 4, ny: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(cells).toHaveLength(8);
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    expect(cells[0]).toMatchObject({ x: -1, x2: -0.5, y: 0, y2: 0.5 });
    expect(cells[0].p).toBeCloseTo(sig(-2 * -0.75), 5);
    const scaled = probabilityGrid(m, { xRange: [-1, 1], yRange: [0, 1], nx: 4, ny: 2, inputScale: 10 });
    expect(scaled[3].p).toBeCloseTo(sig(-2 * 10 * 0.75), 5);
    expectError(() => probabilityGrid(m, { xRange: [1, 0] }), 'options.xRange[1]');
    expectError(() => probabilityGrid(m, { classIndex: 2 }), 'options.classIndex');
    disposeModel(m);
  });

  it('classification data: tensors, subsets, validation', () => {
    const { train, test } = moonsSplit({ train: 10, test: 6, seed: 3, scale: 10 });
    expect(train.count).toBe(10);
    expect(test.count).toBe(6);
    expect(Math.max(...Array.from(train.points).map(Math.abs))).toBeGreaterThan(5);
    const { x, y } = setTensors(train, [2, 0]);
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(x.dataSync())).toEqual([train.points[4], train.points[5], train.points[0], train.points[1]]);
    expect(Array.from(y.dataSync())).toEqual([...[0, 1].map((k) => (k === train.labels[2] ? 1 : 0)), ...[0, 1].map((k) => (k === train.labels[0] ? 1 : 0))]);
    tf.dispose([x, y]);
  });

  it('optimizers: labels, momentum optimizer disposes everything', () => {
    expect(optimizerLabel({ kind: 'sgd', learningRate: 0.1, momentum: 0.9 })).toBe('sgd lr=0.1 m=0.9');
    expect(optimizerLabel({ kind: 'adam', learningRate: 0.01 })).toBe('adam lr=0.01');
    const before = tf.memory().numTensors;
    makeOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.9 }).dispose();
    makeOptimizer({ kind: 'sgd', learningRate: 0.1 }).dispose();
    makeOptimizer({ kind: 'muon', learningRate: 0.02 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('armRecord: JSON-safe record; a diverged model has null metrics, no bounds, and is flagged', () => {
    const metrics = { accuracy: 0.5, meanMargin: Number.NaN, crossEntropy: Number.POSITIVE_INFINITY, certifiedAccuracy: [] };
    const result: ArmResult = {
      history: { loss: [1, null], taskLoss: [1, null], penalty: [0, null], steps: 2, diverged: true, seconds: 0.1 },
      train: metrics, test: metrics, smoothness: null, upperAtLeastLower: null,
    };
    const r = armRecord('a', 7, result);
    expect(r).toMatchObject({ arm: 'a', seed: 7, diverged: true, trainAccuracy: null, testAccuracy: null, testMargin: null, upperBound: null, lowerBound: null, layers: [] });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('stats: mean ± sd, pooled sd, subsampling', () => {
    expect(meanSd([1, 2, 3, null, Number.NaN])).toEqual({ mean: 2, sd: 1, n: 3 });
    expect(formatMeanSd([1, 2, 3])).toBe('2.00 ± 1.0');
    expect(formatMeanSd([0.5])).toBe('0.500');
    expect(formatMeanSd([null])).toBe('n/a');
    expect(pooledSd([1, 3], [2, 4])).toBeCloseTo(Math.SQRT2, 10);
    expect(subsample([1, 2, 3, 4, 5, 6, 7], 3).map((p) => p.index)).toEqual([3, 6, 7]);
  });

  it('figure specs compile with vega-lite and carry their data inline', () => {
    const m = linear([[1, -1], [0, 0]]);
    const cells = probabilityGrid(m, { nx: 3, ny: 2 }).map((c) => ({ ...c, panel: 'a' }));
    disposeModel(m);
    const specs = [
      decisionSurfaceSpec({ panels: ['a'], cells, points: [{ panel: 'a', x: 0, y: 0, label: 1 }] }),
      groupedPointsSpec({ rows: [{ g: 'x', s: 'u', v: 2 }, { g: 'x', s: 'l', v: 1 }], group: 'g', series: 's', value: 'v', xTitle: 'g', yTitle: 'v', log: true }),
      groupedPointsSpec({ rows: [{ g: 'x', v: 2 }], group: 'g', value: 'v', xTitle: 'g', yTitle: 'v', mean: 'bar' }),
      linesSpec({ rows: [{ t: 1, v: 2, s: 'a' }, { t: 2, v: 3, s: 'a' }], x: 't', y: 'v', series: 's', facet: 's', xTitle: 't', yTitle: 'v', logY: true }),
    ];
    for (const spec of specs) {
      expect(JSON.stringify(spec)).not.toMatch(/"url"/);
      expect(() => compile(spec as unknown as TopLevelSpec)).not.toThrow();
    }
    const values = (specs[0].data as { values: { kind: string }[] }).values;
    expect(values.filter((v) => v.kind === 'grid')).toHaveLength(6);
    expect(values.filter((v) => v.kind === 'point')).toHaveLength(1);
  });
});
