import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { localCertifiedRadius } from '../../../src/estimate/local/localCertifiedRadius.js';
import { graphLocalBound } from '../../../src/estimate/local/localLipschitzBound.js';
import { localGraph } from '../../../src/estimate/local/localGraph.js';
import { certifiedRadius } from '../../../src/estimate/certifiedRadius.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { expectError } from '../../expectLipkitError.js';
import { mulberry32, oracleForward, oracleLayers, pointInBall } from './mlpOracle.js';

function mlp(seed: number, widths: number[], activation: string): tfl.LayersModel {
  return tfl.sequential({ layers: widths.slice(1).map((units, i) => tfl.layers.dense({
    units, inputShape: i === 0 ? [widths[0]] : undefined, activation: (i === widths.length - 2 ? 'linear' : activation) as 'relu',
    kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i }),
    biasInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: seed + 50 + i }),
  })) });
}

const argmax = (v: Float64Array): number => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);

describe('localCertifiedRadius', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('is >= the global radius, and no class change is found inside it (sampling and line search, float64 oracle)', () => {
    for (const act of ['relu', 'tanh']) {
      const model = mlp(4, [3, 12, 12, 3], act);
      const layers = oracleLayers(model);
      const rand = mulberry32(8);
      const xs = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => 2 * rand() - 1));
      const xt = tf.tensor2d(xs);
      const before = tf.memory().numTensors;
      const res = localCertifiedRadius(model, xt, { atRadius: 0.05 });
      expect(tf.memory().numTensors).toBe(before);
      const logits = tf.tidy(() => model.predict(xt) as tf.Tensor2D);
      const globalR = certifiedRadius(logits, lipschitzBound(model, { method: 'product' }).upperBound);
      logits.dispose();
      let improved = 0;
      xs.forEach((x, i) => {
        expect(res.radii[i]).toBeGreaterThanOrEqual(res.globalRadii[i]);
        expect(res.globalRadii[i]).toBeCloseTo(globalR[i], 4);
        if (res.radii[i] > 1.2 * res.globalRadii[i]) improved++;
        const top = argmax(oracleForward(layers, x).y);
        expect(res.predictions[i]).toBe(top);
        const r = res.radii[i];
        for (let s = 0; s < 60; s++) {
          const z = pointInBall(x, r * (1 - 1e-9), rand, s % 2 === 0);
          expect(argmax(oracleForward(layers, z).y)).toBe(top);
        }
        // Line search along random directions: the first class change is never inside the radius.
        for (let s = 0; s < 15; s++) {
          const dir = pointInBall(new Float64Array(3), 1, rand, true);
          for (let t = 0; t <= 4 * r + 1; t += Math.max(r / 50, 1e-3)) {
            const z = x.map((v, k) => v + t * dir[k]);
            if (argmax(oracleForward(layers, z).y) !== top) { expect(t).toBeGreaterThanOrEqual(r); break; }
          }
        }
        if (res.atRadius && res.margins[i] > Math.SQRT2 * res.atRadius.lipschitz[i] * 0.05) expect(res.atRadius.certified[i]).toBe(true);
      });
      expect(improved).toBeGreaterThan(0);
      xt.dispose();
      model.dispose();
    }
  });

  it('bounds the gradient of every logit difference on the ball (Fast-Lip seeded with e_top - e_j, float64 oracle)', () => {
    const model = mlp(6, [4, 10, 10, 4], 'tanh');
    const layers = oracleLayers(model);
    const graph = localGraph(model, [4]);
    const rand = mulberry32(2);
    for (let t = 0; t < 6; t++) {
      const x = Float64Array.from({ length: 4 }, () => 2 * rand() - 1);
      const radius = 0.05 + rand();
      const top = t % 4;
      const b = graphLocalBound(graph, x, radius, t % 2 === 0 ? 'linear' : 'interval', top);
      const pairs = b.pairs ?? new Float64Array(4);
      let tight = 0;
      for (let s = 0; s < 60; s++) {
        const jac = oracleForward(layers, pointInBall(x, radius, rand, s % 2 === 0)).jac;
        for (let j = 0; j < 4; j++) {
          if (j === top) continue;
          const g = Math.hypot(...jac[top].map((v, k) => v - jac[j][k]));
          expect(pairs[j]).toBeGreaterThanOrEqual(g * (1 - 1e-12));
          tight = Math.max(tight, g / pairs[j]);
        }
        expect(b.local * Math.SQRT2).toBeGreaterThan(0);
      }
      expect(tight).toBeGreaterThan(0.3); // not vacuous
    }
    model.dispose();
  });

  it('a final softmax is stripped: the radii are those of the logits model with the same weights', () => {
    const logits = mlp(11, [3, 8, 3], 'relu');
    const probs = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }), tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    probs.setWeights(logits.getWeights());
    const x = tf.randomNormal([3, 3], 0, 1, 'float32', 5);
    const a = localCertifiedRadius(logits, x, { steps: 6 });
    const b = localCertifiedRadius(probs, x, { steps: 6 });
    expect(Array.from(b.radii)).toEqual(Array.from(a.radii));
    expect(b.globalBound).toBeCloseTo(a.globalBound, 10);
    expect(b.notes.some((n) => n.includes('softmax'))).toBe(true);
    x.dispose(); logits.dispose(); probs.dispose();
  });

  it('rejects bad options', () => {
    const model = mlp(1, [2, 3, 2], 'relu');
    const x = tf.zeros([1, 2]);
    expectError(() => localCertifiedRadius(model, x, { steps: -1 }), 'options.steps');
    expectError(() => localCertifiedRadius(model, x, { maxRadius: 0 }), 'options.maxRadius');
    expectError(() => localCertifiedRadius(model, x, { relaxation: 'box' as 'linear' }), 'options.relaxation');
    const one = mlp(1, [2, 3, 1], 'relu');
    expectError(() => localCertifiedRadius(one, x), 'model');
    x.dispose(); model.dispose(); one.dispose();
  });
});
