import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Deterministic float values in [-1, 1) (LCG), independent of tfjs. */
export function lcg(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s / 2 ** 31 - 1);
  }
  return out;
}

/** Norm-wise relative error. */
export function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) { num += (got[i] - ref[i]) ** 2; den += ref[i] ** 2; }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Runs fn and checks that it leaves exactly `extra` more tensors alive (after disposing what it returns). */
export function expectNoLeak(fn: () => tf.Tensor | tf.Tensor[] | void, extra = 0): void {
  const before = tf.memory().numTensors;
  const out = fn();
  if (out) tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before + extra);
}

/** The float64 central difference gradient of a scalar function of a flat vector. */
export function centralDifference(fn: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const a = x.slice();
    const b = x.slice();
    a[i] += h;
    b[i] -= h;
    return (fn(a) - fn(b)) / (2 * h);
  });
}
