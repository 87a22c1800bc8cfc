import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { setBackend } from '../../../src/backend/setBackend.js';
import { localLipschitzBound } from '../../../src/estimate/local/localLipschitzBound.js';
import { localGraph } from '../../../src/estimate/local/localGraph.js';
import { intervalBounds } from '../../../src/estimate/local/intervalBounds.js';
import { jacobianBounds } from '../../../src/estimate/local/jacobianBounds.js';
import { mulberry32, normOf, pointInBall } from './mlpOracle.js';

type Act = 'relu' | 'tanh' | 'elu' | 'sigmoid';

/** A random small 1-D conv network: conv blocks with optional residual Add, batch norm and max/average pooling, then dense. */
function randomNet(seed: number, act: Act, blocks: number, residual: boolean, pool: 'max' | 'avg' | 'none'): tfl.LayersModel {
  let s = seed;
  const init = () => tfl.initializers.glorotNormal({ seed: s++ });
  const bias = () => tfl.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: s++ });
  const inp = tfl.input({ shape: [8, 2] });
  let h = tfl.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: act, kernelInitializer: init(), biasInitializer: bias() }).apply(inp) as tfl.SymbolicTensor;
  for (let b = 0; b < blocks; b++) {
    const c = tfl.layers.conv1d({ filters: 3, kernelSize: 2, padding: 'same', activation: act, kernelInitializer: init(), biasInitializer: bias() }).apply(h) as tfl.SymbolicTensor;
    h = residual ? tfl.layers.add().apply([h, c]) as tfl.SymbolicTensor : c;
    h = tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: s++ }), movingMeanInitializer: tfl.initializers.randomNormal({ stddev: 0.2, seed: s++ }) }).apply(h) as tfl.SymbolicTensor;
  }
  if (pool === 'max') h = tfl.layers.maxPooling1d({ poolSize: 2, strides: 1 }).apply(h) as tfl.SymbolicTensor;
  // 'valid' here: TF.js 4.22's gradient of average pooling with 'same' padding divides edge windows by the pool size while
  // its forward pass divides by the count of unpadded entries (measured: [1, 8, 1] input, pool 3, stride 2: forward
  // (x6 + x7) / 2, gradient 1/3 each), so tf.grad is not an oracle there. The forward pass (which the local bounds
  // follow, checked against TF.js in every call) is covered by the 'same' case of localLipschitzBound.test.ts.
  if (pool === 'avg') h = tfl.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'valid' }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, kernelInitializer: init() }).apply(tfl.layers.flatten().apply(h) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  return tfl.model({ inputs: inp, outputs: out });
}

describe('localLipschitzBound on random conv / residual / pooling graphs', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('is >= TF.js Jacobian norms and realized difference quotients inside the ball (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e5 }), fc.constantFrom<Act>('relu', 'tanh', 'elu', 'sigmoid'), fc.integer({ min: 0, max: 2 }),
      fc.boolean(), fc.constantFrom<'max' | 'avg' | 'none'>('max', 'avg', 'none'), fc.integer({ min: 5, max: 1500 }).map((v) => v / 1000),
      (seed, act, blocks, residual, pool, radius) => {
        const model = randomNet(seed, act, blocks, residual, pool);
        const rand = mulberry32(seed);
        const x = Float64Array.from({ length: 16 }, () => 2 * rand() - 1);
        const xt = tf.tensor(Array.from(x), [1, 8, 2]);
        const bound = localLipschitzBound(model, xt, { radius }).bounds[0];
        // The interval Jacobian contains every sampled Jacobian entrywise (a much sharper check than the norm).
        const graph = localGraph(model, [8, 2]);
        const jac = jacobianBounds(graph, intervalBounds(graph, x, radius));
        let best = 0;
        for (let s = 0; s < 8; s++) {
          const z = pointInBall(x, radius, rand, s % 2 === 0);
          const w = pointInBall(x, radius, rand, true);
          const grads = tf.tidy(() => {
            const zt = tf.tensor(Array.from(z), [1, 8, 2]);
            return [0, 1].map((k) => tf.grad((t: tf.Tensor) => tf.sum(tf.slice(model.apply(t) as tf.Tensor, [0, k], [1, 1])))(zt));
          });
          const rows = grads.map((g) => Float64Array.from(g.dataSync()));
          best = Math.max(best, normOf(rows));
          rows.forEach((row, o) => row.forEach((v, k) => {
            const c = jac.c[o * 16 + k];
            const r = jac.r[o * 16 + k];
            const tol = 1e-5 * (1 + Math.abs(v));
            if (v < c - r - tol || v > c + r + tol) expect.unreachable(`J[${o}, ${k}] = ${v} outside [${c - r}, ${c + r}]`);
          }));
          tf.dispose(grads);
          const y = tf.tidy(() => model.predict(tf.tensor([...z, ...w], [2, 8, 2])) as tf.Tensor);
          const v = y.dataSync();
          y.dispose();
          const dist = Math.hypot(...z.map((t, k) => t - w[k]));
          if (dist > radius / 4) best = Math.max(best, Math.hypot(v[0] - v[2], v[1] - v[3]) / dist);
        }
        expect(bound).toBeGreaterThanOrEqual(best * (1 - 1e-4));
        xt.dispose();
        model.dispose();
      },
    ), { seed: 17, numRuns: 12 });
  });
});
