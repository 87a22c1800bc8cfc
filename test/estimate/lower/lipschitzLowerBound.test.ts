import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import type { LowerBoundProgress } from '../../../src/estimate/lower/lowerBoundTypes.js';

/** The exact operator of a linear model from its own forward pass on basis vectors, and its norm (float64 Jacobi SVD). */
function exactLinearNorm(model: tfl.LayersModel, shape: number[]): number {
  const d = shape.reduce((a, b) => a * b, 1);
  const cols = tf.tidy(() => {
    const basis = tf.reshape(tf.concat([tf.zeros([1, d]), tf.eye(d)], 0), [d + 1, ...shape]);
    const y = tf.reshape(model.predict(basis) as tf.Tensor, [d + 1, -1]);
    return tf.sub(tf.slice(y, [1, 0], [d, -1]), tf.slice(y, [0, 0], [1, -1])).arraySync() as number[][];
  });
  return exactSingularValues(cols)[0];
}

/**
 * Max-pooling models (the search is run at 6 random inputs; `found` is what it must at least reach) whose TF.js gradients exceed the function's slope at ties. Exact constants:
 * - UpSampling2D(2) then GlobalMaxPooling2D is max(x) over 4 inputs: L = 1 (TF.js's Jacobian: 4).
 * - UpSampling2D(2) on 3x3 then MaxPooling2D(2, stride 1): every window output selects one input, and
 *   the centre input's 2x2 block lies in 9 windows: J has one-hot rows, ||J|| = sqrt(max column count) = 3.
 * - MaxPooling2D(3, stride 1) on 4x4: the 4 centre pixels lie in all 4 windows: L = 2.
 */
const TIE_CASES: { name: string; exact: number; found: number; make: () => tfl.LayersModel }[] = [
  { name: 'UpSampling2D + GlobalMaxPooling2D', exact: 1, found: 0.99, make: () => tfl.sequential({ layers: [
    tfl.layers.upSampling2d({ size: [2, 2], inputShape: [2, 2, 1] }), tfl.layers.globalMaxPooling2d({})] }) },
  { name: 'UpSampling2D + overlapping MaxPooling2D', exact: 3, found: 2, make: () => tfl.sequential({ layers: [
    tfl.layers.upSampling2d({ size: [2, 2], inputShape: [3, 3, 1] }), tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 })] }) },
  { name: 'overlapping MaxPooling2D', exact: 2, found: 1.9, make: () => tfl.sequential({ layers: [
    tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, inputShape: [4, 4, 1] })] }) },
];

describe.each(['cpu', 'wasm'] as const)('lipschitzLowerBound on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(TIE_CASES)('max-pooling ties ($name): lower bound <= exact constant though TF.js gradients exceed it', ({ exact, found, make }) => {
    const model = make();
    const x = tf.randomNormal([6, ...(model.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const r = lipschitzLowerBound(model, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lowerBound).toBeLessThanOrEqual(exact * (1 + 1e-6));
    expect(r.lowerBound).toBeGreaterThan(found); // the search finds most of it (not a soundness claim)
    expect(r.best?.quotient).toBe(r.lowerBound);
    expect(r.best!.relativeStep).toBeGreaterThanOrEqual(1e-2 * (1 - 1e-6));
    x.dispose();
    model.dispose();
  });

  it('the GlobalMaxPooling tie trap is real: TF.js Jacobian norms reach 4 where the slope is 1', () => {
    const model = TIE_CASES[0].make();
    const x = tf.randomNormal([4, 2, 2, 1], 0, 1, 'float32', 5);
    const r = lipschitzLowerBound(model, x, { steps: 0 });
    expect(Math.max(...r.jacobianNorms)).toBeGreaterThan(3.9);
    expect(r.lowerBound).toBeLessThanOrEqual(1 + 1e-6);
    x.dispose();
    model.dispose();
  });

  it('power iteration by JVP/VJP (many outputs) finds the norm of a linear conv model within 2 %', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2], kernelInitializer: tfl.initializers.glorotNormal({ seed: 4 }) }),
      tfl.layers.flatten({}),
    ] });
    const exact = exactLinearNorm(model, [6, 6, 2]);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 8);
    const progress: LowerBoundProgress[] = [];
    const r = lipschitzLowerBound(model, x, { iterations: 40, onProgress: (p) => progress.push(p) });
    expect(r.lowerBound).toBeLessThanOrEqual(exact * (1 + 1e-5));
    expect(r.lowerBound).toBeGreaterThan(exact * 0.98);
    expect(r.work.points).toBe(2);
    expect(r.work.iterations).toBe(80);
    expect(r.work.stoppedByBudget).toBe(false);
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['directions', 'quotients', 'ascent']));
    expect(progress.every((p) => p.done <= p.total)).toBe(true);
    x.dispose();
    model.dispose();
  });

  it('small chunks give the same bound (inputs processed a chunk at a time), and the budget stops early but still reports a quotient', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ units: 40, activation: 'tanh', inputShape: [10], kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
      tfl.layers.dense({ units: 30, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
    ] });
    const x = tf.randomNormal([5, 10], 0, 1, 'float32', 9);
    const whole = lipschitzLowerBound(model, x, { steps: 3 });
    const chunked = lipschitzLowerBound(model, x, { steps: 3, chunkBytes: 2 ** 20 });
    expect(chunked.lowerBound).toBeCloseTo(whole.lowerBound, 4);
    const quick = lipschitzLowerBound(model, x, { budgetSeconds: 1e-6 });
    expect(quick.work.stoppedByBudget).toBe(true);
    expect(quick.work.points).toBeGreaterThan(0);
    expect(quick.lowerBound).toBeGreaterThan(0);
    expect(quick.lowerBound).toBeLessThanOrEqual(whole.lowerBound * (1 + 1e-6) + 1e-3);
    expect(() => lipschitzLowerBound(model, x, { budgetSeconds: 0 })).toThrow(/options.budgetSeconds/);
    expect(() => lipschitzLowerBound(model, x, { iterations: 0 })).toThrow(/options.iterations/);
    x.dispose();
    model.dispose();
  });
});
