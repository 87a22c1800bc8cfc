import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { installBackendFixes, uninstallBackendFixes } from '../../src/backend/installBackendFixes.js';
import { matrixOperator, powerStep, sigmaOf } from '../../src/estimate/powerStep.js';
import { expectAllClose, randomValues } from './backendCompare.js';

/** Float64 product of row-major a [m, k] and b [k, n]: the oracle. */
function matMul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

const wasmDataIds = (): number => tf.engine().backend.numDataIds();

/**
 * The stale-operator scenario: the buffer of `v` is the right operand of an XNNPACK product
 * first as [n, 1] (W v), then as [1, n] (the outer product a v^T). Only over-reads on the
 * stock kernel (the stale operator has 1 output column), so it is safe to run unfixed.
 */
function staleOperatorScenario(): { outer: Float32Array; expected: number[] } {
  const m = 5;
  const n = 4;
  const aVals = [1, 2, 3, 4, 5];
  const vVals = [1, 2, 3, 4];
  return tf.tidy(() => {
    const v = tf.tensor1d(vVals);
    const w = tf.ones([3, n]);
    tf.matMul(w, tf.reshape(v, [n, 1])).dataSync();
    const outer = tf.matMul(tf.tensor2d(aVals, [m, 1]), tf.reshape(v, [1, n])).dataSync() as Float32Array;
    return { outer, expected: matMul64(aVals, vVals, m, 1, n) };
  });
}

describe('wasm matMul: XNNPACK operator cache keyed by buffer id, not shape', () => {
  beforeAll(async () => { await setBackend('wasm'); });
  afterAll(() => { installBackendFixes(); });

  it('stock tfjs-wasm reuses the operator packed for the old shape (the bug exists)', () => {
    uninstallBackendFixes();
    try {
      const { outer, expected } = staleOperatorScenario();
      // Stock: out[0] = sum_p a[p] v[p] over the stale k = 4 columns = 30, not a[0] v[0] = 1.
      expect(outer[0]).toBe(30);
      expect(expected[0]).toBe(1);
    } finally {
      installBackendFixes();
    }
  });

  it('with lipkit\'s fix the same scenario is exact, with no tensor or buffer leak', () => {
    const tensors = tf.memory().numTensors;
    const ids = wasmDataIds();
    const { outer, expected } = staleOperatorScenario();
    expect(Array.from(outer)).toEqual(expected);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasmDataIds()).toBe(ids);
  });

  it('one buffer reused as the right operand under many shapes (plain and fused with bias) matches float64', () => {
    const size = 24;
    const vals = randomValues(size, 11);
    const buf = tf.tensor1d(vals);
    const tensors = tf.memory().numTensors;
    const ids = wasmDataIds();
    const shapes: Array<[number, number]> = [[24, 1], [1, 24], [6, 4], [4, 6], [2, 12], [6, 4], [3, 8], [24, 1], [12, 2]];
    let seed = 20;
    for (const [k, n] of shapes) {
      for (const m of [1, 3]) {
        const aVals = randomValues(m * k, seed++);
        const bias = randomValues(n, seed++);
        const expected = matMul64(aVals, vals, m, k, n);
        const [plain, fused, fused1] = tf.tidy(() => {
          const a = tf.tensor2d(aVals, [m, k]);
          const b = tf.reshape(buf, [k, n]) as tf.Tensor2D;
          return [
            tf.matMul(a, b).dataSync(),
            tf.fused.matMul({ a, b, bias: tf.tensor1d(bias) }).dataSync(),
            tf.fused.matMul({ a, b, bias: tf.tensor1d([0.5]) }).dataSync(),
          ];
        });
        expectAllClose(plain, expected, 1e-5, `plain ${m}x${k} * ${k}x${n}`);
        expectAllClose(fused, expected.map((x, i) => x + bias[i % n]), 1e-5, `fused ${m}x${k} * ${k}x${n}`);
        expectAllClose(fused1, expected.map((x) => x + 0.5), 1e-5, `fused, bias [1], ${m}x${k} * ${k}x${n}`);
      }
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasmDataIds()).toBe(ids);
    buf.dispose();
  });

  it('powerStep then the outer product and sigma of its outputs are right (the original failure)', () => {
    const [m, n] = [5, 4];
    const wVals = randomValues(m * n, 4);
    const w = tf.tensor2d(wVals, [m, n]);
    const { u, v } = powerStep(matrixOperator(w), tf.ones([n]), 30);
    const uv = Array.from(u.dataSync());
    const vv = Array.from(v.dataSync());
    const outer = tf.outerProduct(u as tf.Tensor1D, v as tf.Tensor1D);
    expectAllClose(outer.dataSync(), matMul64(uv, vv, m, 1, n), 1e-6, 'u v^T');
    const s = sigmaOf(matrixOperator(w), u, v);
    const wv = matMul64(wVals, vv, m, n, 1);
    expect(s.dataSync()[0]).toBeCloseTo(uv.reduce((acc, x, i) => acc + x * wv[i], 0), 5);
    tf.dispose([w, u, v, outer, s]);
  });
});
