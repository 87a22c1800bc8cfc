import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { LipkitError } from '../../../src/util/errors.js';

/**
 * Oracle for linear models (no nonlinearity): f(x) = A x + b, so the Lipschitz constant is
 * exactly ||A||_2. A is read off by applying the model to the basis vectors (minus f(0)),
 * and its norm taken by float64 Jacobi SVD.
 */
function exactLinearModelNorm(model: tfl.LayersModel, inputShape: number[]): number {
  const d = inputShape.reduce((a, b) => a * b, 1);
  const cols = tf.tidy(() => {
    const basis = tf.reshape(tf.concat([tf.zeros([1, d]), tf.eye(d)], 0), [d + 1, ...inputShape]);
    const y = tf.reshape(model.predict(basis) as tf.Tensor, [d + 1, -1]);
    return tf.sub(tf.slice(y, [1, 0], [d, -1]), tf.slice(y, [0, 0], [1, -1])).arraySync() as number[][];
  });
  return exactSingularValues(cols)[0];
}

function randomPairsMaxQuotient(model: tfl.LayersModel, inputShape: number[], pairs: number, seed: number): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([pairs, ...inputShape], 0, 1, 'float32', seed);
    const dx = tf.randomNormal([pairs, ...inputShape], 0, 0.3, 'float32', seed + 1);
    const fx = tf.reshape(model.predict(x) as tf.Tensor, [pairs, -1]);
    const fy = tf.reshape(model.predict(tf.add(x, dx)) as tf.Tensor, [pairs, -1]);
    const q = tf.div(tf.norm(tf.sub(fy, fx), 'euclidean', 1), tf.norm(tf.reshape(dx, [pairs, -1]), 'euclidean', 1));
    return tf.max(q).dataSync()[0];
  });
}

const SLACK = 1.002; // certified bounds are within 1e-3 of exact per norm (plus rounding)

describe.each(['cpu', 'wasm'] as const)('lipschitzBound on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('merges a chain of Dense layers and BatchNorm and matches the exact norm of the product', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 7, inputShape: [5], kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 2 }) }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
    ] });
    const before = tf.memory().numTensors;
    const r = lipschitzBound(model);
    expect(tf.memory().numTensors).toBe(before);
    const exact = exactLinearModelNorm(model, [5]);
    expect(r.certified).toBe(true);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.upperBound).toBeLessThanOrEqual(exact * SLACK);
    expect(r.unmergedBound).toBeGreaterThanOrEqual(r.upperBound * (1 - 1e-9));
    expect(r.layers.map((l) => l.className)).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense']);
    expect(r.notes.some((n) => n.startsWith('merged'))).toBe(true);
    model.dispose();
  });

  it('bounds a linear conv/pool/residual/concat network: exact <= bound <= exact * 1.002', () => {
    const input = tfl.input({ shape: [6, 6, 2] });
    const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
    const c1 = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init(4) }).apply(input) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 5 }) }).apply(c1) as tfl.SymbolicTensor;
    const c2 = tfl.layers.conv2d({ filters: 3, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: init(6) }).apply(bn) as tfl.SymbolicTensor;
    const p = tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 }).apply(bn) as tfl.SymbolicTensor;
    const sum = tfl.layers.add().apply([c2, p]) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([sum, p]) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 4, kernelInitializer: init(7) }).apply(tfl.layers.flatten().apply(cat)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const r = lipschitzBound(model);
    const exact = exactLinearModelNorm(model, [6, 6, 2]);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    // Branch rules (sum, stack) are not tight in general; the bound must still be finite and sane.
    expect(r.upperBound).toBeLessThan(exact * 20);
    model.dispose();
  });

  it('is tight for a single conv layer on its true input shape', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotNormal({ seed: 9 }) }),
    ] });
    const r = lipschitzBound(model);
    const exact = exactLinearModelNorm(model, [7, 7, 2]);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.upperBound).toBeLessThanOrEqual(exact * 1.5);
    model.dispose();
  });

  it('uses the activation constants (sigmoid 1/4, tanh 1, softmax 1/2 at the end)', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 4, inputShape: [3], activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotNormal({ seed: 11 }) }),
      tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: 12 }) }),
    ] });
    const r = lipschitzBound(model, { method: 'product' });
    const w1 = exactSingularValues(model.layers[0].getWeights()[0].arraySync() as number[][])[0];
    const w2 = exactSingularValues(model.layers[1].getWeights()[0].arraySync() as number[][])[0];
    expect(r.upperBound).toBeGreaterThanOrEqual(w1 * 0.25 * w2 * 0.5 * (1 - 1e-6));
    expect(r.upperBound).toBeLessThanOrEqual(w1 * 0.25 * w2 * 0.5 * SLACK * SLACK);
    // The default ('auto') adds the tight methods: never above the product, and it says which won.
    const auto = lipschitzBound(model);
    expect(auto.bounds.product).toBe(r.upperBound);
    expect(auto.upperBound).toBeLessThanOrEqual(r.upperBound);
    expect(auto.bounds[auto.method]).toBe(auto.upperBound);
    expect(auto.method).not.toBe('product');
    model.dispose();
  });

  it('rejects softmax inside the network and unknown layers, naming the layer; skipUnsupported reports not certified', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 4, inputShape: [3], activation: 'softmax', name: 'inner_softmax' }),
      tfl.layers.layerNormalization({ name: 'ln' }),
      tfl.layers.dense({ units: 2 }),
    ] });
    expect(() => lipschitzBound(model)).toThrow(LipkitError);
    expect(() => lipschitzBound(model)).toThrow(/inner_softmax/);
    const r = lipschitzBound(model, { skipUnsupported: true });
    expect(r.certified).toBe(false);
    expect(r.notes.join('\n')).toMatch(/ln/);
    expect(() => lipschitzBound(model, { inputShape: [3, 1] })).toThrow(/options.inputShape/);
    model.dispose();
  });

  it('property: lower bound <= upper bound and every difference quotient <= upper bound on random networks', () => {
    const acts = ['relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'linear', 'gelu', 'selu'] as const;
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.constantFrom(...acts), { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 0.3, max: 3, noNaN: true }),
      (widths, activations, seed, scale) => {
        const layers = widths.map((u, i) => tfl.layers.dense({
          units: u, activation: activations[i], inputShape: i === 0 ? [4] : undefined,
          kernelInitializer: tfl.initializers.randomNormal({ stddev: scale, seed: seed + i }),
        }));
        layers.push(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.randomNormal({ stddev: 1, seed: seed + 9 }) }));
        const model = tfl.sequential({ layers });
        const before = tf.memory().numTensors;
        const up = lipschitzBound(model).upperBound;
        const x = tf.randomNormal([6, 4], 0, 1, 'float32', seed);
        const low = lipschitzLowerBound(model, x, { steps: 5 }).lowerBound;
        x.dispose();
        const q = randomPairsMaxQuotient(model, [4], 64, seed);
        expect(tf.memory().numTensors).toBe(before);
        model.dispose();
        expect(low).toBeLessThanOrEqual(up * (1 + 1e-4));
        expect(q).toBeLessThanOrEqual(up * (1 + 1e-4));
        expect(low).toBeGreaterThan(0);
      },
    ), { numRuns: backend === 'cpu' ? 25 : 15, seed: 42 });
  });

  it('lower bound finds the exact constant of a linear model (Jacobian = A everywhere)', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 6, inputShape: [4], kernelInitializer: tfl.initializers.glorotNormal({ seed: 21 }) }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 22 }) }),
    ] });
    const exact = exactLinearModelNorm(model, [4]);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const r = lipschitzLowerBound(model, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lowerBound).toBeGreaterThan(exact * (1 - 1e-4));
    expect(r.lowerBound).toBeLessThan(exact * (1 + 1e-4));
    expect(r.jacobianNorms.length).toBe(3);
    expect(() => lipschitzLowerBound(model, tf.zeros([2, 5]))).toThrow(/inputs/);
    expect(() => lipschitzLowerBound(model, tf.tensor2d([[NaN, 0, 0, 0]]))).toThrow(/inputs/);
    x.dispose();
    model.dispose();
  });
});
