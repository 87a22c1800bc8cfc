import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { installWasmMaxPoolArgmax, uninstallWasmMaxPoolArgmax } from '../../src/backend/wasmMaxPoolArgmax.js';

type Pool = { size: number | [number, number]; stride: number | [number, number]; pad: 'valid' | 'same' };
const POOLS: Pool[] = [{ size: 2, stride: 2, pad: 'valid' }, { size: 3, stride: 1, pad: 'same' }, { size: [3, 2], stride: [2, 1], pad: 'same' }];
const SHAPE: [number, number, number, number] = [2, 5, 6, 3];

/** The maxPool input gradient, and maxPoolWithArgmax (with and without batch in the index), on a mostly negative input. */
function results(p: Pool): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.sub(tf.randomNormal(SHAPE, 0, 1, 'float32', 9), 1.5) as tf.Tensor4D;
    const w = tf.randomNormal(tf.maxPool(x, p.size, p.stride, p.pad).shape, 0, 1, 'float32', 10);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(w, tf.maxPool(z as tf.Tensor4D, p.size, p.stride, p.pad))))(x);
    const a = tf.maxPoolWithArgmax(x, p.size, p.stride, p.pad, true);
    const b = tf.maxPoolWithArgmax(x, p.size, p.stride, p.pad, false);
    return [g, a.result, a.indexes, b.indexes].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe('wasm MaxPoolGrad and MaxPoolWithArgmax on windows of negative values (oracle: TF.js cpu kernels)', () => {
  afterAll(() => { installWasmMaxPoolArgmax(); });

  it.each(POOLS)('match the cpu kernels bit for bit, stock wasm does not (%j)', async (p) => {
    await setBackend('cpu');
    const ref = results(p);
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    const got = results(p);
    expect(tf.memory().numTensors).toBe(before);
    // The gradient sums overlapping windows' contributions (summation order may differ): 1e-6; maxima and indexes exactly.
    got[0].forEach((v, k) => expect(Math.abs(v - ref[0][k])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(ref[0][k]))));
    got.slice(1).forEach((g, i) => expect(Array.from(g), `output ${i + 1}`).toEqual(Array.from(ref[i + 1])));
    uninstallWasmMaxPoolArgmax();
    // Stock kernels bind their wasm function in a setup run at backend start (after lipkit replaced them): run it now.
    for (const k of [tf.MaxPoolGrad, tf.MaxPoolWithArgmax]) tf.getKernel(k, 'wasm')?.setupFunc?.(tf.backend());
    const stock = results(p);
    installWasmMaxPoolArgmax();
    expect(stock.some((s, i) => s.some((v, k) => Math.abs(v - ref[i][k]) > 1e-3))).toBe(true);
  });
});
