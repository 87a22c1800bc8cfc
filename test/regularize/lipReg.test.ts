import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { lipReg, type LipRegOptions } from '../../src/regularize/lipReg.js';
import { LipkitError } from '../../src/util/errors.js';
import { seededUniform } from '../../src/util/random.js';
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
  if (normalize === 'variance') {
    // pooled variance along the difference axis, per (b, other index)
    const [n, m] = axis === 'time' ? [T, C] : [C, T];
    const get = (b: number, k: number, j: number): number => (axis === 'time' ? at(b, k, j) : at(b, j, k));
    let ss = 0;
    for (let b = 0; b < B; b++) for (let j = 0; j < m; j++) {
      let mu = 0;
      for (let k = 0; k < n; k++) mu += get(b, k, j) / n;
      for (let k = 0; k < n; k++) ss += (get(b, k, j) - mu) ** 2;
    }
    const variance = ss / (B * n * m);
    return lipRegRef(x, [B, T, C], { axis }) / variance;
  }
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
  { name: 'time + variance', options: { normalize: 'variance' } },
  { name: 'features + variance', options: { axis: 'features', normalize: 'variance' } },
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

  it.each(['time', 'features'] as const)("'variance' is scale- and shift-free (axis %s), unlike raw and minmax", (axis) => {
    const shape: [number, number, number] = [3, 8, 4];
    const data = lcg(96, 17).map((a) => 2 * a - 0.3);
    // a -> 0.01 a + 7 globally, and a different shift per (batch, feature) on the time axis
    const shifted = data.map((a, i) => -37.5 * a + 7 + (axis === 'time' ? 3 * (i % 4) + 11 * Math.floor(i / 32) : 0));
    const ref = lipRegRef(data, shape, { axis, normalize: 'variance' });
    const x = tf.tensor3d(data, shape);
    const y = tf.tensor3d(shifted, shape);
    const a = lipReg(x, { axis, normalize: 'variance' }).dataSync()[0];
    const b = lipReg(y, { axis, normalize: 'variance' }).dataSync()[0];
    expect(Math.abs(a - ref) / ref).toBeLessThan(2e-6);
    expect(Math.abs(b - ref) / ref).toBeLessThan(2e-5);
    expect(lipRegRef(shifted, shape, { axis, normalize: 'variance' }) / ref).toBeCloseTo(1, 10);
    // the raw and the authors' forms move with the scale
    expect(lipReg(y, { axis }).dataSync()[0] / lipReg(x, { axis }).dataSync()[0]).toBeGreaterThan(1000);
    expect(Math.abs(lipReg(tf.mul(x, 3), { axis, normalize: 'minmax' }).dataSync()[0] - lipReg(tf.add(x, 3), { axis, normalize: 'minmax' }).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
  });

  it("'variance': white noise about 2, a slow sine about (2 pi / P)^2, a constant 0", () => {
    const n = 4000;
    const noise = tf.tensor3d(Array.from(seededUniform(n, 5), (a) => a - 0.5), [1, n, 1]);
    // E = 2 n / (n - 1); sd of the ratio about sqrt(8 / n) = 0.045
    expect(Math.abs(lipReg(noise, { normalize: 'variance' }).dataSync()[0] - 2)).toBeLessThan(0.15);
    const P = 100;
    const sine = tf.tensor3d(Array.from({ length: 1000 }, (_, k) => Math.sin((2 * Math.PI * k) / P)), [1, 1000, 1]);
    expect(lipReg(sine, { normalize: 'variance' }).dataSync()[0] / ((2 * Math.PI) / P) ** 2).toBeCloseTo(1, 2);
    const flat = tf.ones([2, 4, 3]);
    expect(lipReg(flat, { normalize: 'variance' }).dataSync()[0]).toBe(0);
    tf.dispose([noise, sine, flat]);
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
