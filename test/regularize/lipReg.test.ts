import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { lipReg, type LipRegOptions } from '../../src/regularize/lipReg.js';
import { LipkitError } from '../../src/util/errors.js';
import { centralDifference, expectNoLeak, lcg, relErr } from './helpers.js';

/** The definition in float64 loops: x is [B, T, C] row-major. */
function lipRegRef(x: number[], [B, T, C]: number[], { axis = 'time', normalize = false }: LipRegOptions = {}): number {
  let v = x;
  if (normalize === 'minmax') {
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    v = x.map((a) => (a - lo) / hi); // the authors' snippet: divides by max, not max - min
  }
  const at = (b: number, t: number, c: number): number => v[(b * T + t) * C + c];
  let sum = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    if (axis === 'time') {
      for (let c = 0; c < C; c++) for (let t = 0; t + 1 < T; t++) { sum += (at(b, t + 1, c) - at(b, t, c)) ** 2; count++; }
    } else {
      for (let t = 0; t < T; t++) for (let c = 0; c + 1 < C; c++) { sum += (at(b, t, c + 1) - at(b, t, c)) ** 2; count++; }
    }
  }
  return sum / count;
}

const CASES: Array<{ name: string; options: LipRegOptions }> = [
  { name: 'time', options: {} },
  { name: 'features', options: { axis: 'features' } },
  { name: 'time + minmax', options: { normalize: 'minmax' } },
  { name: 'features + minmax', options: { axis: 'features', normalize: 'minmax' } },
];

describe.each(['cpu', 'wasm'] as const)('lipReg on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(CASES)('equals the float64 definition ($name)', ({ options }) => {
    const shape = [3, 7, 4];
    const data = lcg(84, 11).map((a) => 2 * a + 0.5);
    const x = tf.tensor3d(data, shape as [number, number, number]);
    const got = lipReg(x, options);
    expect(got.shape).toEqual([]);
    const ref = lipRegRef(data, shape, options);
    expect(Math.abs(got.dataSync()[0] - ref) / ref).toBeLessThan(2e-6);
    tf.dispose([x, got]);
  });

  it('the feature-axis variant differs from the time-axis definition (the released-code discrepancy)', () => {
    const data = lcg(60, 3);
    const x = tf.tensor3d(data, [2, 5, 6]);
    const a = lipReg(x).dataSync()[0];
    const b = lipReg(x, { axis: 'features' }).dataSync()[0];
    expect(Math.abs(a - lipRegRef(data, [2, 5, 6]))).toBeLessThan(1e-6);
    expect(Math.abs(a - b) / a).toBeGreaterThan(1e-3);
    x.dispose();
  });

  it('accepts [batch, time] as one feature', () => {
    const data = lcg(20, 5);
    const x2 = tf.tensor2d(data, [4, 5]);
    const x3 = tf.tensor3d(data, [4, 5, 1]);
    expect(lipReg(x2).dataSync()[0]).toBeCloseTo(lipRegRef(data, [4, 5, 1]), 6);
    expect(lipReg(x2).dataSync()[0]).toBeCloseTo(lipReg(x3).dataSync()[0], 7);
    tf.dispose([x2, x3]);
  });

  it.each(CASES)('gradient equals float64 central differences ($name)', ({ options }) => {
    const shape = [2, 5, 3];
    const data = lcg(30, 21).map((a) => 1.5 * a + 0.2);
    const x = tf.tensor3d(data, shape as [number, number, number]);
    const g = tf.grad((t: tf.Tensor) => lipReg(t, options))(x);
    const ref = centralDifference((v) => lipRegRef(v, shape, options), data);
    expect(relErr(g.dataSync(), ref)).toBeLessThan(1e-4);
    tf.dispose([x, g]);
  });

  it('a constant sequence has zero penalty and a linear ramp (x_k = s k) has s^2', () => {
    const ramp = tf.tidy(() => tf.reshape(tf.mul(0.25, tf.range(0, 6)), [1, 6, 1]));
    expect(lipReg(ramp).dataSync()[0]).toBeCloseTo(0.0625, 6);
    const flat = tf.ones([2, 4, 3]);
    expect(lipReg(flat).dataSync()[0]).toBe(0);
    tf.dispose([ramp, flat]);
  });

  it('leaks nothing', () => {
    const x = tf.tensor3d(lcg(24, 2), [2, 4, 3]);
    expectNoLeak(() => lipReg(x, { normalize: 'minmax' }));
    expectNoLeak(() => tf.grad((t: tf.Tensor) => lipReg(t))(x));
    x.dispose();
  });

  it('rejects bad input with errors naming the argument', () => {
    const x = tf.zeros([2, 1, 3]);
    const bad = (fn: () => unknown, argument: string): void => {
      tf.tidy(() => {
        try { fn(); expect.unreachable(); } catch (e) {
          expect(e).toBeInstanceOf(LipkitError);
          expect((e as LipkitError).argument).toBe(argument);
        }
      });
    };
    bad(() => lipReg(x), 'x'); // a single step
    bad(() => lipReg(tf.zeros([4]) as tf.Tensor), 'x');
    bad(() => lipReg(tf.zeros([2, 3, 4, 5])), 'x');
    bad(() => lipReg(tf.tensor3d([1, NaN, 2, 3], [1, 4, 1])), 'x');
    bad(() => lipReg(tf.tensor3d([1, Infinity, 2, 3], [1, 4, 1])), 'x');
    bad(() => lipReg(tf.zeros([2, 0, 3])), 'x');
    bad(() => lipReg([1, 2, 3] as unknown as tf.Tensor), 'x');
    bad(() => lipReg(tf.zeros([2, 5]), { axis: 'features' }), 'options.axis');
    bad(() => lipReg(tf.zeros([2, 5, 1]), { axis: 'features' }), 'x');
    bad(() => lipReg(tf.zeros([2, 5, 3]), { axis: 'channels' as 'time' }), 'options.axis');
    bad(() => lipReg(tf.zeros([2, 5, 3]), { normalize: 'zscore' as 'minmax' }), 'options.normalize');
    x.dispose();
  });
});
