import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { extractLayerChain } from '../../../src/estimate/global/layerChain.js';
import type { LayerChain } from '../../../src/estimate/global/chainTypes.js';
import { exactPlanarLipschitz } from '../../../src/estimate/global/exactPlanar.js';
import { lipsdpNeuronBound } from '../../../src/estimate/global/lipsdpNeuron.js';
import { activationPatternSearch } from '../../../src/estimate/lower/activationPatternSearch.js';
import { float32Allowance } from '../../../src/estimate/lower/float32Allowance.js';
import type { LowerBoundResult } from '../../../src/estimate/lower/lowerBoundTypes.js';
import { expectError } from '../../expectLipkitError.js';

beforeAll(async () => { await setBackend('cpu'); });

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/lipsdp.json', import.meta.url), 'utf8')) as {
  networks: { name: string; dims: number[]; weights: number[][][]; biases: number[][]; lipsdpNeuron: number; activation: string }[];
};

/** A Dense MLP; `act` 'leaky' puts a LeakyReLU(0.2) layer after each hidden Dense. */
function mlp(dims: number[], act: 'relu' | 'leaky' | 'tanh', seed: number, biasStd = 0.3): tfl.Sequential {
  const m = tfl.sequential();
  dims.slice(1).forEach((d, i) => {
    const hidden = i < dims.length - 2;
    m.add(tfl.layers.dense({
      units: d, inputShape: i === 0 ? [dims[0]] : undefined, activation: hidden && act !== 'leaky' ? act : 'linear',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed * 100 + i }), biasInitializer: tfl.initializers.randomNormal({ stddev: biasStd, seed: seed * 100 + 50 + i }),
    }));
    if (hidden && act === 'leaky') m.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  });
  return m;
}

function fixtureModel(name: string): { model: tfl.Sequential; lipsdp: number } {
  const n = fixture.networks.find((f) => f.name === name);
  if (!n) throw new Error(name);
  const m = mlp(n.dims, 'relu', 1);
  m.layers.forEach((l, i) => l.setWeights([tf.transpose(tf.tensor2d(n.weights[i])), tf.tensor1d(n.biases[i])]));
  return { model: m, lipsdp: n.lipsdpNeuron };
}

function chainOf(model: tfl.LayersModel): LayerChain {
  const r = extractLayerChain(model);
  if (!r.ok) throw new Error(r.reason);
  return r.chain;
}

/** The float32 rounding allowance of a realized quotient against a bound of the exact map (see `float32Allowance`). */
function allowance(model: tfl.LayersModel, r: LowerBoundResult): number {
  return float32Allowance({ depth: model.layers.length, relativeStep: r.best?.relativeStep, outputRatio: r.best?.outputRatio });
}

describe('activation-pattern search (issue 11 lower bounds)', () => {
  it.each([1, 2, 3, 4, 5, 6])('2-D nets, seed %i: every region quotient <= the exact constant, and the search gets close to it', (seed) => {
    const model = mlp([2, 10 + seed, 10 + seed, 2], seed % 2 === 0 ? 'leaky' : 'relu', seed);
    const chain = chainOf(model);
    const exact = exactPlanarLipschitz(chain);
    if (!exact.ok) throw new Error(exact.reason);
    const search = activationPatternSearch(chain, { restarts: 24, seconds: 300, seed });
    expect(search.candidates.length).toBeGreaterThan(0);
    for (const c of search.candidates) {
      expect(c.quotient).toBeLessThanOrEqual(exact.upperBound);
      expect(c.sigma).toBeLessThanOrEqual(exact.upperBound);
    }
    const x = tf.randomNormal([8, 2], 0, 1, 'float32', seed);
    const before = tf.memory().numTensors;
    const r = lipschitzLowerBound(model, x, { patternSearch: true, patternRestarts: 24, patternSeconds: 300, steps: 0, seed });
    expect(tf.memory().numTensors).toBe(before);
    // Realized in float32: at most the exact constant plus float32 rounding.
    expect(r.lowerBound).toBeLessThanOrEqual(exact.exact * (1 + allowance(model, r)));
    expect(r.lowerBound).toBeGreaterThan(0.85 * exact.exact);
    expect(r.work.patternRegions).toBeGreaterThan(0);
    x.dispose();
    model.dispose();
  }, 120_000);

  it('one hidden layer, MNIST size (784-50-10): within 1 % of the certified LipSDP-class bound, far above the gradient-only lower bound', () => {
    const model = mlp([784, 50, 10], 'relu', 6, 0.1);
    const x = tf.randomNormal([16, 784], 0, 1, 'float32', 1);
    const upper = lipsdpNeuronBound(chainOf(model), { seconds: 5 }).upperBound;
    const old = lipschitzLowerBound(model, x, { patternSearch: false }).lowerBound;
    const r = lipschitzLowerBound(model, x, { patternSearch: true, patternRestarts: 16, patternSeconds: 300 });
    expect(r.best?.input).toBe(-1);
    expect(r.lowerBound).toBeLessThanOrEqual(upper * (1 + allowance(model, r)));
    // Measured: 2.03710 against 2.03743 (0.02 %); the gradient stages alone: 1.77625.
    expect(r.lowerBound).toBeGreaterThan(0.99 * upper);
    expect(r.lowerBound).toBeGreaterThan(1.1 * old);
    expect(r.method).toMatch(/activation-pattern search/);
    x.dispose();
    model.dispose();
  }, 120_000);

  it('cvxopt fixture relu-20-300-1 and relu-10-100-100-10: improves on the old lower bound, stays below LipSDP-Neuron', () => {
    for (const [name, gain] of [['relu-20-300-1', 1.15], ['relu-10-100-100-10', 1.1]] as const) {
      const { model, lipsdp } = fixtureModel(name);
      const x = tf.randomNormal([8, model.inputs[0].shape[1] as number], 0, 1, 'float32', 2);
      const old = lipschitzLowerBound(model, x, { patternSearch: false }).lowerBound;
      const r = lipschitzLowerBound(model, x, { patternRestarts: 8, patternSeconds: 300 });
      expect(r.lowerBound).toBeGreaterThan(gain * old);
      expect(r.lowerBound).toBeLessThanOrEqual(lipsdp * (1 + allowance(model, r)));
      x.dispose();
      model.dispose();
    }
  }, 120_000);

  it('conv + batch norm + ReLU chains: runs, and stays below every certified bound', () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [8, 8, 1], kernelInitializer: tfl.initializers.heNormal({ seed: 7 }) }));
    m.add(tfl.layers.batchNormalization({ movingMeanInitializer: tfl.initializers.constant({ value: 0.1 }), movingVarianceInitializer: tfl.initializers.constant({ value: 0.5 }) }));
    m.add(tfl.layers.reLU());
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.heNormal({ seed: 9 }) }));
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3);
    const r = lipschitzLowerBound(m, x, { patternSearch: true, patternRestarts: 8, patternSeconds: 300, steps: 0 });
    const up = lipschitzBound(m, { method: 'auto' });
    expect(up.certified).toBe(true);
    expect(r.work.patternRegions).toBeGreaterThan(0);
    expect(r.lowerBound).toBeGreaterThan(0);
    expect(r.lowerBound).toBeLessThanOrEqual(up.upperBound * (1 + allowance(m, r)));
    x.dispose();
    m.dispose();
  }, 120_000);

  it('refuses what it cannot do, by argument', () => {
    const tanh = mlp([3, 5, 2], 'tanh', 1);
    const relu = mlp([3, 5, 2], 'relu', 1);
    const x = tf.randomNormal([2, 3], 0, 1, 'float32', 1);
    expectError(() => lipschitzLowerBound(tanh, x, { patternSearch: true }), 'options.patternSearch');
    expect(lipschitzLowerBound(tanh, x, { steps: 0 }).method).toMatch(/no activation-pattern search \(activation 'tanh'/);
    expectError(() => lipschitzLowerBound(relu, x, { patternSearch: 'yes' as unknown as boolean }), 'options.patternSearch');
    expectError(() => lipschitzLowerBound(relu, x, { patternSeconds: 0 }), 'options.patternSeconds');
    expectError(() => lipschitzLowerBound(relu, x, { patternRestarts: 1.5 }), 'options.patternRestarts');
    expectError(() => activationPatternSearch(chainOf(tanh)), 'chain');
    // 'auto' skips chains whose dense matrices would be large (a 28x28x32 'same' conv: 2e7 entries) and says so.
    const cnn = tfl.sequential({ layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', inputShape: [28, 28, 1], activation: 'relu' }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
    const xc = tf.randomNormal([1, 28, 28, 1], 0, 1, 'float32', 1);
    const rc = lipschitzLowerBound(cnn, xc, { steps: 0 });
    expect(rc.method).toMatch(/no activation-pattern search \(its layers as dense matrices have about \d\.\d+e\+7 entries/);
    expect(rc.work.patternRegions).toBe(0);
    xc.dispose();
    cnn.dispose();
    expectError(() => activationPatternSearch(chainOf(relu), { starts: [new Float64Array(2)] }), 'options.starts');
    x.dispose();
    tanh.dispose();
    relu.dispose();
  });
});
