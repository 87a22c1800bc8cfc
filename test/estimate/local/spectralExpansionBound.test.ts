import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { setBackend } from '../../../src/backend/setBackend.js';
import { intervalBounds } from '../../../src/estimate/local/intervalBounds.js';
import { jacobianBounds } from '../../../src/estimate/local/jacobianBounds.js';
import { localGraph } from '../../../src/estimate/local/localGraph.js';
import { spectralExpansionBound } from '../../../src/estimate/local/spectralExpansionBound.js';
import { spectralNormUpperBound } from '../../../src/estimate/spectralNormUpperBound.js';
import { mulberry32, normOf, oracleForward, oracleLayers, pointInBall } from './mlpOracle.js';

function mlp(seed: number, widths: number[], activation: string): tfl.LayersModel {
  return tfl.sequential({ layers: widths.slice(1).map((units, i) => tfl.layers.dense({
    units, inputShape: i === 0 ? [widths[0]] : undefined, activation: (i === widths.length - 2 ? 'linear' : activation) as 'relu',
    kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i }),
    biasInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.4, seed: seed + 70 + i }),
  })) });
}

describe('spectralExpansionBound', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('is >= every sampled and hill-climbed Jacobian norm in the ball (property, float64 oracle)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e6 }), fc.constantFrom('relu', 'tanh', 'softplus', 'elu'),
      fc.array(fc.integer({ min: 2, max: 10 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2000 }).map((v) => v / 1000),
      (seed, act, hidden, radius) => {
        const model = mlp(seed, [3, ...hidden, 3], act);
        const layers = oracleLayers(model);
        const rand = mulberry32(seed);
        const x = Float64Array.from({ length: 3 }, () => 2 * rand() - 1);
        const graph = localGraph(model, [3]);
        const bound = spectralExpansionBound(graph, intervalBounds(graph, x, radius));
        expect(Number.isFinite(bound)).toBe(true);
        let best = 0;
        let bestZ: Float64Array = x;
        for (let s = 0; s < 60; s++) {
          const z = pointInBall(x, radius, rand, s % 3 === 0);
          const n = normOf(oracleForward(layers, z).jac);
          if (n > best) { best = n; bestZ = z; }
        }
        for (let s = 0; s < 30; s++) {
          const step = pointInBall(bestZ, radius * 0.2, rand);
          const nz = Math.hypot(...step.map((v, i) => v - x[i]));
          const z = nz > radius ? step.map((v, i) => x[i] + ((v - x[i]) * radius) / nz) : step;
          const n = normOf(oracleForward(layers, z).jac);
          if (n > best) { best = n; bestZ = z; }
        }
        expect(bound).toBeGreaterThanOrEqual(best * (1 - 1e-9));
        model.dispose();
      },
    ), { seed: 21, numRuns: 20 });
  });

  it('keeps cancellations the interval recursion loses: tighter than Fast-Lip on a wide ReLU net at a small radius', () => {
    const model = mlp(3, [20, 200, 200, 10], 'relu');
    const rand = mulberry32(4);
    const x = Float64Array.from({ length: 20 }, () => 2 * rand() - 1);
    const graph = localGraph(model, [20]);
    const boxes = intervalBounds(graph, x, 0.05);
    const j = jacobianBounds(graph, boxes);
    const abs = j.c.map((v, k) => Math.abs(v) + j.r[k]);
    const fastLip = Math.min(
      spectralNormUpperBound({ data: abs, rows: j.rows, cols: j.cols }).upperBound,
      spectralNormUpperBound({ data: j.c, rows: j.rows, cols: j.cols }).upperBound + spectralNormUpperBound({ data: j.r, rows: j.rows, cols: j.cols }).upperBound,
    );
    const expansion = spectralExpansionBound(graph, boxes);
    const atX = normOf(oracleForward(oracleLayers(model), x).jac);
    expect(expansion).toBeGreaterThanOrEqual(atX);
    expect(expansion).toBeLessThan(fastLip);
    model.dispose();
  });

  it('applies to conv chains (conv, batch norm, average pooling, dense) and stays above TF.js Jacobian norms in the ball', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }), biasInitializer: tfl.initializers.randomNormal({ seed: 2, stddev: 0.3 }) }),
      tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 3 }) }),
      tfl.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, strides: 2, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }), biasInitializer: tfl.initializers.randomNormal({ seed: 5, stddev: 0.3 }) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
    ] });
    const graph = localGraph(model, [5, 5, 2]);
    const rand = mulberry32(9);
    const x = Float64Array.from({ length: 50 }, () => 2 * rand() - 1);
    const radius = 0.3;
    const bound = spectralExpansionBound(graph, intervalBounds(graph, x, radius));
    expect(Number.isFinite(bound)).toBe(true);
    let best = 0;
    for (let s = 0; s < 15; s++) {
      const z = pointInBall(x, radius, rand, s % 2 === 0);
      const grads = tf.tidy(() => {
        const zt = tf.tensor(Array.from(z), [1, 5, 5, 2]);
        return [0, 1, 2].map((k) => tf.grad((t: tf.Tensor) => tf.sum(tf.slice(model.apply(t) as tf.Tensor, [0, k], [1, 1])))(zt));
      });
      const rows = grads.map((g) => Float64Array.from(g.dataSync()));
      tf.dispose(grads);
      best = Math.max(best, normOf(rows));
    }
    expect(bound).toBeGreaterThanOrEqual(best * (1 - 1e-4));
    model.dispose();
  });

  it('returns Infinity for graphs that are not chains (residual Add)', () => {
    const inp = tfl.input({ shape: [3] });
    const a = tfl.layers.dense({ units: 3, activation: 'relu' }).apply(inp) as tfl.SymbolicTensor;
    const out = tfl.layers.add().apply([inp, a]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: out });
    const graph = localGraph(model, [3]);
    expect(spectralExpansionBound(graph, intervalBounds(graph, new Float64Array(3), 0.1))).toBe(Infinity);
    model.dispose();
  });
});
