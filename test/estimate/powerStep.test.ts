import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { matrixOperator, powerStep, sigmaOf, stopGradient } from '../../src/estimate/powerStep.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';

describe.each(['cpu', 'wasm'] as const)('powerStep on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('warm-started single steps converge to the exact top singular value', () => {
    const w = tf.randomNormal([12, 7], 0, 1, 'float32', 3) as tf.Tensor2D;
    const exact = exactSingularValues(w.arraySync() as number[][])[0];
    const op = matrixOperator(w);
    const before = tf.memory().numTensors;
    let v: tf.Tensor = tf.ones([7]);
    let sigma = 0;
    for (let i = 0; i < 200; i++) {
      const r = powerStep(op, v);
      const s = sigmaOf(op, r.u, r.v);
      sigma = s.dataSync()[0];
      tf.dispose([v, r.u, s]);
      v = r.v;
    }
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(sigma).toBeLessThanOrEqual(exact * (1 + 1e-5));
    expect(sigma).toBeGreaterThan(exact * (1 - 1e-3));
    w.dispose();
  });

  it('sigma = u^T W v has gradient u v^T in W (u, v constants), and stopGradient blocks gradients', () => {
    const w = tf.randomNormal([5, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
    const { u, v } = powerStep(matrixOperator(w), tf.ones([4]), 30);
    const g = tf.grad((ww: tf.Tensor) => sigmaOf(matrixOperator(ww as tf.Tensor2D), u, v))(w);
    const expected = tf.outerProduct(u as tf.Tensor1D, v as tf.Tensor1D);
    expect(tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0]).toBeLessThan(1e-6);
    const zero = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(stopGradient(x), x)))(tf.ones([3]));
    // d/dx sum(sg(x) * x) = sg(x) = 1, not 2x
    expect(Array.from(zero.dataSync())).toEqual([1, 1, 1]);
    tf.dispose([w, u, v, g, expected, zero]);
  });
});
