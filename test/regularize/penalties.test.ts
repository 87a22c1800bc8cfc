import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { jacobianPenalty } from '../../src/regularize/jacobianPenalty.js';
import { localLinearityPenalty } from '../../src/regularize/localLinearityPenalty.js';
import { decayedWeight, optimizerStep } from '../../src/regularize/decayedWeight.js';
import { LipkitError } from '../../src/util/errors.js';
import { expectNoLeak, lcg } from './helpers.js';

const bad = (fn: () => unknown, argument: string): void => {
  tf.tidy(() => {
    try { fn(); expect.unreachable(`expected an error naming ${argument}`); } catch (e) {
      expect(e, String(e)).toBeInstanceOf(LipkitError);
      expect((e as LipkitError).argument).toBe(argument);
    }
  });
};

describe.each(['cpu', 'wasm'] as const)('jacobian and local-linearity penalties on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('jacobianPenalty is an unbiased estimate of ||J||_F^2: its mean over seeds matches the exact Frobenius norm of a linear map', () => {
    const wData = lcg(4 * 3, 5); // f(x) = x W, J = W^T for every x
    const w = tf.tensor2d(wData, [4, 3]);
    const exact = wData.reduce((s, a) => s + a * a, 0);
    const x = tf.tensor2d(lcg(8, 6), [2, 4]);
    const f = (t: tf.Tensor): tf.Tensor => tf.matMul(t, w);
    const values: number[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const p = jacobianPenalty(f, x, { seed });
      values.push(p.dataSync()[0]);
      p.dispose();
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    expect(sd).toBeGreaterThan(0.01 * exact); // it is random
    expect(Math.abs(mean - exact)).toBeLessThan(4 * sd / Math.sqrt(values.length));
    // More projections lower the variance; lambda scales.
    const many = jacobianPenalty(f, x, { seed: 1, projections: 400, lambda: 2 });
    expect(Math.abs(many.dataSync()[0] / 2 - exact) / exact).toBeLessThan(0.1);
    tf.dispose([w, x, many]);
  });

  it('jacobianPenalty is exact for one output (v = +-1) and differentiable: weight gradient of ||w||^2 is 2w', () => {
    const w = tf.variable(tf.tensor2d([[0.5], [-1], [2]]));
    const x = tf.ones([3, 3]);
    const f = (t: tf.Tensor): tf.Tensor => tf.tanh(tf.mul(0, tf.matMul(t, w))) as tf.Tensor; // zero map: J = 0
    const p0 = jacobianPenalty(f, x, { seed: 2 });
    expect(p0.dataSync()[0]).toBe(0);
    const lin = (t: tf.Tensor): tf.Tensor => tf.matMul(t, w);
    const { value, grads } = tf.variableGrads(() => jacobianPenalty(lin, x, { seed: 3 }), [w]);
    expect(value.dataSync()[0]).toBeCloseTo(5.25, 4);
    expect(Array.from(grads[w.name].dataSync())).toEqual([1, -2, 4].map((a) => expect.closeTo(a, 4)));
    tf.dispose([w, x, p0, value, grads[w.name]]);
  });

  it('localLinearityPenalty: zero for affine maps, the hand value for a quadratic, seeded-deterministic', () => {
    const x = tf.tensor2d(lcg(6, 8), [3, 2]);
    const affine = (t: tf.Tensor): tf.Tensor => tf.add(tf.matMul(t, tf.tensor2d([[1, 2], [3, -1]])), 0.5);
    const pa = localLinearityPenalty(affine, x, { seed: 4 });
    expect(pa.dataSync()[0]).toBeLessThan(1e-10 + 1e-6);
    // f(t) = sum t^2 (per example): the interpolation error is -a (1 - a) ||x1 - x2||^2.
    const sq = (t: tf.Tensor): tf.Tensor => tf.sum(tf.square(t), 1, true);
    const x1 = tf.tensor2d([[0, 0], [1, 1], [2, 0]]);
    const x2 = tf.tensor2d([[1, 0], [0, 0], [0, 2]]);
    const alpha = [0.5, 0.25, 0.9];
    const d2 = [1, 2, 8];
    const ref = alpha.reduce((s, a, i) => s + (a * (1 - a) * d2[i]) ** 2, 0) / 3;
    const p = localLinearityPenalty(sq, x, { ends: [x1, x2], alpha, lambda: 2 });
    expect(Math.abs(p.dataSync()[0] - 2 * ref) / (2 * ref)).toBeLessThan(1e-5);
    const r1 = localLinearityPenalty(tf.tanh, x, { seed: 5, epsilon: 0.5 });
    const r2 = localLinearityPenalty(tf.tanh, x, { seed: 5, epsilon: 0.5 });
    expect(r1.dataSync()[0]).toBe(r2.dataSync()[0]);
    expect(r1.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, pa, x1, x2, p, r1, r2]);
  });

  it('leaks nothing, also under variableGrads', () => {
    const w = tf.variable(tf.tensor2d(lcg(6, 2), [3, 2]));
    const x = tf.tensor2d(lcg(12, 3), [4, 3]);
    const f = (t: tf.Tensor): tf.Tensor => tf.tanh(tf.matMul(t, w));
    expectNoLeak(() => jacobianPenalty(f, x, { projections: 2 }));
    expectNoLeak(() => localLinearityPenalty(f, x));
    for (const pen of [() => jacobianPenalty(f, x, { seed: 1 }), () => localLinearityPenalty(f, x, { seed: 1 })]) {
      expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(pen, [w]);
        return [value, grads[w.name]];
      });
    }
    tf.dispose([w, x]);
  });

  it('rejects bad input with errors naming the argument or option', () => {
    const x = tf.ones([3, 2]);
    const f = (t: tf.Tensor): tf.Tensor => t;
    bad(() => jacobianPenalty(f, tf.ones([3])), 'x');
    bad(() => jacobianPenalty(null as unknown as typeof f, x), 'f');
    bad(() => jacobianPenalty(f, x, { projections: 0 }), 'options.projections');
    bad(() => jacobianPenalty(f, x, { lambda: -1 }), 'options.lambda');
    bad(() => jacobianPenalty(f, x, { seed: 0.5 }), 'options.seed');
    bad(() => jacobianPenalty((t) => tf.sum(t), x), 'f');
    bad(() => localLinearityPenalty(f, tf.tensor2d([[Infinity, 1]])), 'x');
    bad(() => localLinearityPenalty(f, x, { epsilon: 0 }), 'options.epsilon');
    bad(() => localLinearityPenalty(f, x, { alpha: [0.1, 0.2] }), 'options.alpha');
    bad(() => localLinearityPenalty(f, x, { alpha: [0.1, 0.2, -1] }), 'options.alpha[2]');
    bad(() => localLinearityPenalty(f, x, { ends: [x, tf.ones([2, 2])] }), 'options.ends[1]');
    bad(() => localLinearityPenalty((t) => tf.sum(t), x), 'f');
    x.dispose();
  });
});

describe('decayedWeight', () => {
  it('is lambda exp(-epsilon t), reading an optimizer step', async () => {
    await setBackend('cpu');
    const w = decayedWeight(3, 0.01);
    expect(w(0)).toBe(3);
    expect(w(100)).toBeCloseTo(3 * Math.exp(-1), 12);
    const v = tf.variable(tf.scalar(1));
    const opt = tf.train.adam(0.1);
    expect(optimizerStep(opt)).toBe(0);
    for (let i = 0; i < 5; i++) tf.dispose(opt.minimize(() => tf.square(v) as tf.Scalar, true) ?? []);
    expect(optimizerStep(opt)).toBe(5);
    expect(w(opt)).toBeCloseTo(3 * Math.exp(-0.05), 12);
    opt.dispose();
    v.dispose();
  });

  it('rejects bad arguments', () => {
    bad(() => decayedWeight(-1, 0.1), 'lambda');
    bad(() => decayedWeight(1, NaN), 'epsilon');
    bad(() => decayedWeight(1, -0.1), 'epsilon');
    bad(() => decayedWeight(1, 0.1)(-1), 'step');
    bad(() => optimizerStep({} as tf.Optimizer), 'optimizer');
  });
});
