import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { convKernelOperator } from '../../../src/estimate/conv/convKernelOperator.js';
import { powerStep, sigmaOf } from '../../../src/estimate/powerStep.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { LipkitError } from '../../../src/util/errors.js';

/** The dense matrix [outDim, inDim] of the operator, column by column (apply on basis vectors). */
function denseOf(op: ReturnType<typeof convKernelOperator>): number[][] {
  const cols: Float32Array[] = [];
  for (let j = 0; j < op.inDim; j++) {
    const basis = new Float32Array(op.inDim); basis[j] = 1;
    const e = tf.tensor1d(basis);
    const y = op.apply(e);
    cols.push(y.dataSync() as Float32Array);
    tf.dispose([e, y]);
  }
  return Array.from({ length: op.outDim }, (_, i) => cols.map((c) => c[i]));
}

const CASES: { name: string; kernel: number[]; input: number[]; strides: number | number[]; padding: 'same' | 'valid' }[] = [
  { name: 'conv2d 3x3 same s1', kernel: [3, 3, 2, 3], input: [5, 4, 2], strides: 1, padding: 'same' },
  { name: 'conv2d 2x3 same s2 (odd/even)', kernel: [2, 3, 2, 2], input: [5, 6, 2], strides: [2, 2], padding: 'same' },
  { name: 'conv2d 1x1 same s3 (stride > kernel)', kernel: [1, 1, 2, 2], input: [7, 5, 2], strides: 3, padding: 'same' },
  { name: 'conv2d 3x3 valid s2', kernel: [3, 3, 1, 2], input: [6, 7, 1], strides: 2, padding: 'valid' },
  { name: 'conv1d k3 same s1', kernel: [3, 2, 3], input: [7, 2], strides: 1, padding: 'same' },
  { name: 'conv1d k2 valid s2', kernel: [2, 3, 2], input: [8, 3], strides: 2, padding: 'valid' },
];

describe.each(['cpu', 'wasm'] as const)('convKernelOperator on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(CASES)('$name: apply is tf.conv (layers semantics), <Ax, y> = <x, A^T y>', ({ kernel, input, strides, padding }) => {
    const before = tf.memory().numTensors;
    const k = tf.randomNormal(kernel, 0, 1, 'float32', 11);
    const op = convKernelOperator(k, input, { strides, padding });
    const x = tf.randomNormal([op.inDim], 0, 1, 'float32', 12);
    const y = tf.randomNormal([op.outDim], 0, 1, 'float32', 13);
    const ax = op.apply(x);
    const aty = op.adjoint(y);
    expect(aty.shape).toEqual([op.inDim]);
    const lhs = tf.tidy(() => tf.sum(tf.mul(ax, y)).dataSync()[0]);
    const rhs = tf.tidy(() => tf.sum(tf.mul(x, aty)).dataSync()[0]);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    // apply equals tfjs's own conv with the string padding, computed on cpu-independent float64 loops
    const kv = k.dataSync();
    const xv = x.dataSync();
    const rank = kernel.length - 2;
    const [H, W, C] = rank === 1 ? [1, input[0], input[1]] : input;
    const [KH, KW] = rank === 1 ? [1, kernel[0]] : [kernel[0], kernel[1]];
    const cout = kernel[kernel.length - 1];
    const s = typeof strides === 'number' ? [strides, strides] : strides;
    const [SH, SW] = rank === 1 ? [1, s[0]] : s;
    const axis = (n: number, kk: number, st: number) => {
      if (padding === 'valid') return { out: Math.ceil((n - kk + 1) / st), before: 0 };
      const out = Math.ceil(n / st);
      return { out, before: Math.floor(Math.max(0, (out - 1) * st + kk - n) / 2) };
    };
    const ah = axis(H, KH, SH);
    const aw = axis(W, KW, SW);
    const got = ax.dataSync();
    let maxErr = 0;
    for (let oi = 0; oi < ah.out; oi++) for (let oj = 0; oj < aw.out; oj++) for (let co = 0; co < cout; co++) {
      let acc = 0;
      for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
        const i = oi * SH + a - ah.before;
        const j = oj * SW + b - aw.before;
        if (i < 0 || j < 0 || i >= H || j >= W) continue;
        for (let ci = 0; ci < C; ci++) acc += xv[(i * W + j) * C + ci] * kv[((a * KW + b) * C + ci) * cout + co];
      }
      maxErr = Math.max(maxErr, Math.abs(acc - got[(oi * aw.out + oj) * cout + co]));
    }
    expect(got.length).toBe(ah.out * aw.out * cout);
    expect(maxErr).toBeLessThan(1e-4);
    tf.dispose([k, x, y, ax, aty]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('power iteration on it converges to the exact operator norm (dense float64 SVD)', () => {
    const k = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 21);
    const op = convKernelOperator(k, [5, 5, 2], { strides: 2, padding: 'same' });
    const exact = exactSingularValues(denseOf(op))[0];
    const { u, v } = powerStep(op, tf.ones([op.inDim]), 200);
    const sigma = sigmaOf(op, u, v).dataSync()[0];
    expect(sigma).toBeLessThanOrEqual(exact * (1 + 1e-5));
    expect(sigma).toBeGreaterThan(exact * (1 - 1e-4));
    tf.dispose([k, u, v]);
  });

  it('d sigmaOf / d kernel matches central finite differences (float64 dense oracle)', () => {
    const k = tf.variable(tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 31));
    const shape = [4, 3, 2];
    const opts = { strides: [1, 2], padding: 'same' as const };
    const { u, v } = powerStep(convKernelOperator(k, shape, opts), tf.ones([shape[0] * shape[1] * shape[2]]), 5);
    const g = tf.grad((kk: tf.Tensor) => sigmaOf(convKernelOperator(kk, shape, opts), u, v))(k);
    // sigma(K) = u^T A(K) v is linear in K: f(K + h e_i) - f(K - h e_i) over 2h, in float64 from the dense matrices
    const uv = Float64Array.from(u.dataSync());
    const vv = Float64Array.from(v.dataSync());
    const kv = Float64Array.from(k.dataSync());
    const f = (vals: Float64Array): number => {
      const kt = tf.tensor(Float32Array.from(vals), k.shape);
      const m = denseOf(convKernelOperator(kt, shape, opts));
      kt.dispose();
      let acc = 0;
      for (let i = 0; i < m.length; i++) for (let j = 0; j < m[i].length; j++) acc += uv[i] * m[i][j] * vv[j];
      return acc;
    };
    const gv = g.dataSync();
    const h = 0.5;
    for (const idx of [0, 5, 11, 17, 23]) {
      const p = kv.slice(); p[idx] += h;
      const q = kv.slice(); q[idx] -= h;
      const fd = (f(p) - f(q)) / (2 * h);
      expect(Math.abs(gv[idx] - fd)).toBeLessThan(1e-4);
    }
    tf.dispose([k, u, v, g]);
  });

  it('validates its input with LipkitErrors naming the field', () => {
    const k = tf.zeros([3, 3, 2, 4]);
    const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return e instanceof LipkitError ? e.argument : 'other'; } return 'none'; };
    expect(err(() => convKernelOperator(tf.zeros([3, 3]), [4, 4, 2]))).toBe('kernel');
    expect(err(() => convKernelOperator(k, [4, 4]))).toBe('inputShape');
    expect(err(() => convKernelOperator(k, [4, 4, 3]))).toBe('inputShape');
    expect(err(() => convKernelOperator(k, [2, 2, 2], { padding: 'valid' }))).toBe('inputShape');
    expect(err(() => convKernelOperator(k, [4, 4, 2], { strides: 0 }))).toBe('options.strides');
    expect(err(() => convKernelOperator(k, [4, 4, 2], { strides: [1, 1.5] }))).toBe('options.strides[1]');
    expect(err(() => convKernelOperator(k, [4, 4, 2], { padding: 'causal' as 'same' }))).toBe('options.padding');
    k.dispose();
  });
});
