import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { twoMoons } from '../../../src/data/twoMoons.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { buildFlow, moonTensors, trainFlow, type FlowModels } from '../../../src/studies/invertible/trainFlow.js';
import { forward64, g64, inverse64, readBlock64 } from '../../../src/studies/invertible/float64Blocks.js';
import { measureInverse } from '../../../src/studies/invertible/measureInverse.js';
import { inverseLipschitzLower } from '../../../src/studies/invertible/runInvertible.js';
import { invertiblePlan } from '../../../src/studies/invertible/spec.js';

const sizes = { ...invertiblePlan('smoke', 0).sizes, blocks: 3, hidden: 12, steps: 40 };
const COUNTS = [0, 1, 2, 5, 10, 20, 50];

describe.each([0.5, 0.95])('i-ResNet inverse, c = %s', (coeff) => {
  let models: FlowModels;
  let x: tf.Tensor2D;
  beforeAll(async () => {
    await setBackend('wasm');
    const train = moonTensors(twoMoons({ count: 64, noise: 0.1, seed: 1 }));
    models = buildFlow(coeff, sizes, 3);
    trainFlow(models, train.x, train.y, sizes);
    tf.dispose([train.x, train.y]);
    x = moonTensors(twoMoons({ count: 40, noise: 0.1, seed: 2 })).x;
  });
  afterAll(() => { models.classifier.dispose(); x.dispose(); });

  it('the float64 mirror matches the layers; its certified Lip(g) is >= the exact product of kernel norms and <= c^2', () => {
    const xs = x.arraySync();
    const z = (models.flow.apply(x) as tf.Tensor).arraySync() as number[][];
    models.blocks.forEach((b) => {
      const m = readBlock64(b);
      const g = (b.g(x) as tf.Tensor).arraySync() as number[][];
      xs.forEach((p, i) => g64(m, Float64Array.from(p)).forEach((v, j) => expect(Math.abs(v - g[i][j])).toBeLessThan(1e-5)));
      let exact = 1;
      for (const k of m.kernels) {
        const rows: number[][] = Array.from({ length: k.rows }, (_, r) => Array.from(k.data.subarray(r * k.cols, (r + 1) * k.cols)));
        exact *= exactSingularValues(rows)[0];
      }
      expect(m.lipG).toBeGreaterThanOrEqual(exact);
      expect(m.lipG).toBeLessThanOrEqual(coeff ** 2 * (1 + 1e-3));
    });
    const mirrors = models.blocks.map(readBlock64);
    xs.forEach((p, i) => forward64(mirrors, Float64Array.from(p)).forEach((v, j) => expect(Math.abs(v - z[i][j])).toBeLessThan(1e-5)));
    // inverse64 with enough updates recovers x to float64 accuracy.
    const back = inverse64(mirrors, forward64(mirrors, Float64Array.from(xs[0])), 400);
    back.x.forEach((v, j) => expect(Math.abs(v - xs[0][j])).toBeLessThan(1e-12));
  });

  it('the error decreases with the iteration count and never exceeds the bound; no tensor leaks', () => {
    const before = tf.memory().numTensors;
    const { q, results } = measureInverse(models.blocks, x, COUNTS);
    expect(tf.memory().numTensors).toBe(before);
    expect(q.length).toBe(sizes.blocks);
    for (const v of q) { expect(v).toBeGreaterThan(0); expect(v).toBeLessThan(1); }
    for (const r of results) {
      expect(r.worstRatio64).toBeLessThanOrEqual(1);
      expect(r.worstRatio32).toBeLessThanOrEqual(1);
      expect(r.worstPosterior32).toBeLessThanOrEqual(1);
      expect(r.worstPosterior64).toBeLessThanOrEqual(1);
      expect(r.float64.max).toBeLessThanOrEqual(r.banach.max * (1 + 1e-9) + 1e-13);
      expect(r.float64.median).toBeLessThanOrEqual(r.float64.max);
    }
    for (let i = 1; i < results.length; i++) {
      const [prev, cur] = [results[i - 1], results[i]];
      // float64: strictly smaller until it reaches rounding; float32: until float32 rounding.
      if (prev.float64.max > 1e-13) expect(cur.float64.max).toBeLessThan(prev.float64.max);
      if (prev.float32.max > 1e-5) expect(cur.float32.max).toBeLessThan(prev.float32.max);
      expect(cur.banach.max).toBeLessThan(prev.banach.max);
    }
    expect(results[0].float64.max).toBeGreaterThan(1e-3); // n = 0 returns F(x): far from x
    const last = results[results.length - 1];
    if (coeff === 0.5) { expect(last.float64.max).toBeLessThan(1e-12); expect(last.float32.max).toBeLessThan(1e-5); }
  });

  it('Lipschitz numbers: inverse lower bound <= certified product of 1 / (1 - q); forward certified <= (1 + c)^K', () => {
    const q = models.blocks.map((b) => readBlock64(b).lipG);
    const before = tf.memory().numTensors;
    const lower = inverseLipschitzLower(models.flow, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(lower).toBeGreaterThan(1);
    expect(lower).toBeLessThanOrEqual(q.reduce((p, v) => p / (1 - v), 1));
    const forward = lipschitzBound(models.flow).upperBound;
    expect(forward).toBeLessThanOrEqual(q.reduce((p, v) => p * (1 + v), 1) * (1 + 1e-9));
    expect(forward).toBeLessThanOrEqual((1 + coeff) ** sizes.blocks);
  });
});
