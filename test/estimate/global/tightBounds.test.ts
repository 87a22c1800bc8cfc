import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { extractLayerChain } from '../../../src/estimate/global/layerChain.js';
import type { LayerChain } from '../../../src/estimate/global/chainTypes.js';
import { combettesPesquetBound } from '../../../src/estimate/global/combettesPesquet.js';
import { certifyFeasible } from '../../../src/estimate/global/certifyFeasible.js';
import { eclipseFast } from '../../../src/estimate/global/eclipseFast.js';
import { lipsdpNeuronBound } from '../../../src/estimate/global/lipsdpNeuron.js';
import { exactPlanarLipschitz } from '../../../src/estimate/global/exactPlanar.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { chainLowerBound } from '../../../src/estimate/global/chainLowerBound.js';
import { expectError as expectLipkitError } from '../../expectLipkitError.js';
import { chainFromWeights, randomMlp, RELU } from './chainHelpers.js';

beforeAll(async () => { await setBackend('cpu'); });

/** The chain's map in float64, with each activation evaluated by its definition. */
function chainForward(chain: LayerChain, x: number[], acts: ((v: number) => number)[]): number[] {
  let h = x;
  chain.linears.forEach((l, k) => {
    const z = Array.from({ length: l.rows }, (_, i) => h.reduce((s, v, j) => s + l.weight[i * l.cols + j] * v, l.bias[i]));
    h = k < chain.linears.length - 1 ? z.map(acts[k]) : z;
  });
  return h;
}

function mlp(dims: number[], activation: string, seed: number, extra?: (m: tfl.Sequential) => void): tfl.Sequential {
  const m = tfl.sequential();
  dims.slice(1).forEach((d, i) => {
    m.add(tfl.layers.dense({
      units: d, inputShape: i === 0 ? [dims[0]] : undefined, activation: (i < dims.length - 2 ? activation : 'linear') as 'relu',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i }), biasInitializer: tfl.initializers.randomNormal({ stddev: 0.3, seed: seed + 50 + i }),
    }));
  });
  extra?.(m);
  return m;
}

function maxQuotient(model: tfl.LayersModel, dim: number, pairs: number, seed: number): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([pairs, dim], 0, 1.5, 'float32', seed);
    const dx = tf.randomNormal([pairs, dim], 0, 0.05, 'float32', seed + 1);
    const fx = model.predict(x) as tf.Tensor;
    const fy = model.predict(tf.add(x, dx)) as tf.Tensor;
    const num = tf.sqrt(tf.sum(tf.square(tf.sub(fy, fx)), 1));
    const den = tf.sqrt(tf.sum(tf.square(dx), 1));
    return tf.max(tf.div(num, den)).dataSync()[0];
  });
}

describe('extractLayerChain', () => {
  it('reproduces Dense / BatchNorm / activation models (float64 chain vs model.predict)', () => {
    const m = tfl.sequential();
    m.add(tfl.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', biasInitializer: 'randomNormal' }));
    m.add(tfl.layers.dense({ units: 5, biasInitializer: 'randomNormal' }));
    const bn = tfl.layers.batchNormalization({});
    m.add(bn);
    m.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tfl.layers.dense({ units: 3, activation: 'sigmoid' }));
    bn.setWeights([tf.tensor1d([1.5, 0.5, 2, 1, 0.7]), tf.tensor1d([0.1, -0.2, 0, 0.3, 0]), tf.tensor1d([0.2, 0.1, 0, -0.1, 0.5]), tf.tensor1d([2, 0.5, 1, 3, 0.25])]);
    const r = extractLayerChain(m);
    if (!r.ok) throw new Error(r.reason);
    const c = r.chain;
    expect(c.linears.map((l) => [l.rows, l.cols])).toEqual([[6, 4], [5, 6], [3, 5]]);
    expect(c.activations.map((a) => [a.alpha, a.beta])).toEqual([[0, 1], [0.2, 1]]);
    expect(c.postFactor).toBe(0.25);
    expect(c.linears[1].mergeError).toBeGreaterThan(0);
    const xs = [[0.3, -1, 2, 0.5], [-0.7, 0.2, 0.1, -1.5]];
    const y = (m.predict(tf.tensor2d(xs)) as tf.Tensor).arraySync() as number[][];
    xs.forEach((x, i) => {
      const logits = chainForward(c, x, [Math.tanh, (v) => (v > 0 ? v : 0.2 * v)]);
      logits.forEach((v, j) => expect(1 / (1 + Math.exp(-v))).toBeCloseTo(y[i][j], 5));
    });
  });

  it('expands Conv2D (same and valid, strides) to its exact dense matrix', () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', inputShape: [7, 6, 2], activation: 'relu', biasInitializer: 'randomNormal' }));
    m.add(tfl.layers.conv2d({ filters: 2, kernelSize: 2, padding: 'valid', activation: 'relu' }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 4 }));
    const r = extractLayerChain(m);
    if (!r.ok) throw new Error(r.reason);
    const x = Array.from({ length: 84 }, (_, i) => Math.sin(i * 1.3));
    const y = (m.predict(tf.tensor(x, [1, 7, 6, 2])) as tf.Tensor).dataSync();
    const relu = (v: number): number => Math.max(0, v);
    chainForward(r.chain, x, [relu, relu]).forEach((v, j) => expect(v).toBeCloseTo(y[j], 4));
  });

  it('says why a model is not a chain', () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 2 }));
    const r = extractLayerChain(m);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/MaxPooling2D/);
    const b = lipschitzBound(m, { method: 'auto' });
    expect(b.method).toBe('product');
    expect(b.notes.join(' ')).toMatch(/not applicable/);
    expectLipkitError(() => lipschitzBound(m, { method: 'lipsdp' }), 'options.method');
    expectLipkitError(() => lipschitzBound(m, { method: 'nope' as 'auto' }), 'options.method');
    expectLipkitError(() => lipschitzBound(m, { budget: -1 }), 'options.budget');
  });

  it("defaults to 'auto' and skips, with a note, the methods predicted not to fit in the budget", () => {
    const m = mlp([10, 120, 120, 10], 'relu', 41);
    const def = lipschitzBound(m);
    expect(def.bounds.eclipseFast).toBeDefined();
    expect(def.upperBound).toBeLessThan(def.bounds.product);
    const tiny = lipschitzBound(m, { budget: 1e-6 });
    expect(tiny.method).toBe('product');
    expect(tiny.bounds.eclipseFast).toBeUndefined();
    expect(tiny.bounds.lipsdp).toBeUndefined();
    expect(tiny.notes.join(' ')).toMatch(/eclipse-fast skipped: predicted/);
    expect(lipschitzBound(m, { method: 'product' }).bounds).toEqual({ product: def.bounds.product });
  });
});

describe('tight global bounds', () => {
  it('Combettes-Pesquet on two blocks is (||W2 W1|| + ||W2|| ||W1||) / 2 (exact SVD oracle)', () => {
    const { weights } = randomMlp([5, 8, 3], 4);
    const c = combettesPesquetBound(chainFromWeights(weights, null, RELU)).upperBound;
    const w21 = weights[1].map((row) => weights[0][0].map((_, j) => row.reduce((s, v, k) => s + v * weights[0][k][j], 0)));
    const ref = (exactSingularValues(w21)[0] + exactSingularValues(weights[1])[0] * exactSingularValues(weights[0])[0]) / 2;
    expect(c).toBeGreaterThanOrEqual(ref);
    expect(c).toBeLessThan(ref * (1 + 1e-9));
  });

  it('certifyFeasible rejects multipliers with rho below the constant', () => {
    const { weights, biases } = randomMlp([3, 12, 12, 2], 5);
    const chain = chainFromWeights(weights, biases, RELU);
    const f = eclipseFast(chain);
    const rho = (f.upperBound ** 2);
    expect(certifyFeasible(chain, rho * 1.001, f.multipliers.map((t) => t.map((v) => v * rho * 1.001))).ok).toBe(true);
    const low = rho * 0.5;
    expect(certifyFeasible(chain, low, f.multipliers.map((t) => t.map((v) => v * low))).ok).toBe(false);
    expect(certifyFeasible(chain, -1, f.multipliers).ok).toBe(false);
  });

  it('lipsdp with an evaluation budget is reproducible under a busy clock and does no more work than the budget', () => {
    const { weights, biases } = randomMlp([6, 40, 40, 3], 8);
    const chain = chainFromWeights(weights, biases, RELU);
    const a = lipsdpNeuronBound(chain, { seconds: 60, evaluationBudget: 400 });
    // Burn CPU between the runs; the second is identical because the stages count evaluations, not time.
    let x = 0;
    for (let i = 0; i < 3e7; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const b = lipsdpNeuronBound(chain, { seconds: 60, evaluationBudget: 400 });
    expect(b.upperBound).toBe(a.upperBound);
    expect(b.iterations).toBe(a.iterations);
    // A tiny budget stops early (plain stage only) and is still a certified bound no better than a larger one's.
    const small = lipsdpNeuronBound(chain, { seconds: 60, evaluationBudget: 20 });
    expect(small.iterations).toBeLessThanOrEqual(20);
    expect(small.upperBound).toBeGreaterThanOrEqual(a.upperBound * (1 - 1e-9));
    expect(small.upperBound).toBeLessThanOrEqual(eclipseFast(chain).upperBound * (1 + 1e-9));
  });

  for (const act of ['relu', 'tanh', 'gelu', 'elu', 'sigmoid']) {
    it(`auto on a ${act} MLP: every bound certified above realized quotients, product the loosest, upperBound the smallest`, () => {
      const model = mlp([4, 16, 16, 3], act, 11);
      const before = tf.memory().numTensors;
      const r = lipschitzBound(model, { method: 'auto', budget: 2 });
      expect(tf.memory().numTensors).toBe(before);
      const lower = maxQuotient(model, 4, 2000, 3);
      const values = Object.values(r.bounds).filter((v) => Number.isFinite(v));
      expect(values.length).toBeGreaterThanOrEqual(4);
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(lower);
        expect(v).toBeLessThanOrEqual(r.bounds.product * (1 + 1e-9));
      }
      expect(r.upperBound).toBe(Math.min(...values));
      expect(r.bounds[r.method]).toBe(r.upperBound);
      expect(r.bounds.lipsdp as number).toBeLessThanOrEqual(r.bounds.eclipseFast as number);
    }, 60_000);
  }
});

describe('exact constant for 2-D inputs', () => {
  it('equals the Jacobian norm realized in its argmax region and bounds dense sampling; LipSDP is above it', () => {
    const model = mlp([2, 12, 12, 2], 'relu', 21);
    const r = extractLayerChain(model);
    if (!r.ok) throw new Error(r.reason);
    const e = exactPlanarLipschitz(r.chain);
    if (!e.ok) throw new Error(e.reason);
    expect(e.regions).toBeGreaterThan(10);
    // Jacobian at the argmax region's centroid by central differences of the float64 chain.
    const relu = (v: number): number => Math.max(0, v);
    const f = (x: number[]): number[] => chainForward(r.chain, x, [relu, relu]);
    const h = 1e-7 * Math.max(1, Math.hypot(...e.argmax));
    const cols = [0, 1].map((d) => {
      const p = [...e.argmax]; const q = [...e.argmax]; p[d] += h; q[d] -= h;
      return f(p).map((v, i) => (v - f(q)[i]) / (2 * h));
    });
    const jac = cols[0].map((_, i) => [cols[0][i], cols[1][i]]);
    expect(exactSingularValues(jac)[0]).toBeCloseTo(e.exact, 4);
    // Dense sampling of the model (float32) never exceeds it.
    const grid: number[][] = [];
    for (let i = 0; i <= 60; i++) for (let j = 0; j <= 60; j++) grid.push([-6 + i * 0.2, -6 + j * 0.2]);
    const sampled = tf.tidy(() => {
      const x = tf.tensor2d(grid);
      let best = 0;
      for (const d of [[1e-3, 0], [0, 1e-3], [7e-4, 7e-4], [7e-4, -7e-4]]) {
        const dx = tf.tensor1d(d);
        const q = tf.div(tf.sqrt(tf.sum(tf.square(tf.sub(model.predict(tf.add(x, dx)) as tf.Tensor, model.predict(x) as tf.Tensor)), 1)), Math.hypot(d[0], d[1]));
        best = Math.max(best, tf.max(q).dataSync()[0]);
      }
      return best;
    });
    expect(sampled).toBeLessThanOrEqual(e.upperBound * (1 + 1e-4));
    expect(sampled).toBeGreaterThan(0.5 * e.exact);
    expect(lipsdpNeuronBound(r.chain, { seconds: 2 }).upperBound).toBeGreaterThanOrEqual(e.exact);
    const b = lipschitzBound(model, { method: 'exact' });
    expect(b.bounds.exact).toBe(e.upperBound);
  });

  it('refuses beyond the region budget and for non-piecewise-linear activations', () => {
    const chain = chainFromWeights(randomMlp([2, 20, 20, 2], 8).weights, randomMlp([2, 20, 20, 2], 8).biases, RELU);
    const r = exactPlanarLipschitz(chain, { maxRegions: 10 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/more than 10 linear regions/);
    const t = exactPlanarLipschitz({ ...chain, activations: chain.activations.map(() => ({ name: 'tanh', alpha: 0, beta: 1, negativeSlope: null })) });
    expect(t.ok).toBe(false);
    expectLipkitError(() => lipschitzBound(mlp([3, 4, 2], 'relu', 1), { method: 'exact' }), 'options.method');
  });
});

describe('chainLowerBound (realized difference quotients, pattern-guided)', () => {
  it('reaches the exact constant from its argmax region, is realized by the model, and stays below every certified bound', () => {
    const model = mlp([2, 12, 12, 2], 'relu', 21);
    const r = extractLayerChain(model);
    if (!r.ok) throw new Error(r.reason);
    const e = exactPlanarLipschitz(r.chain);
    if (!e.ok) throw new Error(e.reason);
    const low = chainLowerBound(r.chain, { starts: [e.argmax] });
    expect(low.lowerBound).toBeLessThanOrEqual(e.upperBound);
    expect(low.lowerBound).toBeGreaterThan(e.exact * (1 - 1e-6));
    // The same pair through TF.js (float32): the quotient agrees to float32 accuracy.
    const fx = (model.predict(tf.tensor2d([low.x, low.y])) as tf.Tensor).arraySync() as number[][];
    const q = Math.hypot(fx[1][0] - fx[0][0], fx[1][1] - fx[0][1]) / Math.hypot(low.y[0] - low.x[0], low.y[1] - low.x[1]);
    expect(q / low.lowerBound).toBeCloseTo(1, 1);
    // Without the argmax hint, hill-climbing alone is a heuristic: it still lands within 20 % here.
    expect(chainLowerBound(r.chain, { seed: 3 }).lowerBound).toBeGreaterThan(0.8 * e.exact);
    const wide = mlp([20, 64, 64, 5], 'relu', 3);
    const c = extractLayerChain(wide);
    if (!c.ok) throw new Error(c.reason);
    const lw = chainLowerBound(c.chain, { moves: 100 }).lowerBound;
    expect(lw).toBeLessThanOrEqual(lipsdpNeuronBound(c.chain, { seconds: 2 }).upperBound);
    expect(lw).toBeGreaterThan(0);
    expect(() => chainLowerBound({ ...c.chain, postFactor: 0.5 })).toThrow(/chain/);
  });
});
