import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { setBackend, type BackendName } from '../../src/backend/setBackend.js';

/** Deterministic pseudo-random values in [-1, 1) (so both backends get identical inputs). */
export function randomValues(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `fn` on `backend` inside tidy and reads every result; checks that no tensor leaks. */
export async function runOn(backend: BackendName, fn: () => tf.Tensor[]): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const ts = fn();
    return { values: ts.map((t) => t.dataSync() as Float32Array), shapes: ts.map((t) => t.shape) };
  });
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return out;
}

/** max |a - b| <= atol + rtol * max|b|, shapes equal. */
export function expectAllClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  expect(Number.isFinite(err), `${what}: finite`).toBe(true);
  expect(err, `${what}: max error ${err} vs scale ${scale}`).toBeLessThanOrEqual(rtol * Math.max(scale, 1e-6));
}

/** Runs `fn` on cpu and on wasm and compares all outputs. */
export async function expectWasmMatchesCpu(fn: () => tf.Tensor[], rtol: number, what: string): Promise<void> {
  const cpu = await runOn('cpu', fn);
  const wasm = await runOn('wasm', fn);
  expect(wasm.shapes, what).toEqual(cpu.shapes);
  cpu.values.forEach((v, i) => expectAllClose(wasm.values[i], v, rtol, `${what} #${i}`));
}
