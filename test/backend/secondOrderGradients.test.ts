import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { installBackendFixes } from '../../src/backend/installBackendFixes.js';
import {
  EXACT_GRADIENT_KERNELS, installExactSecondOrderGradients, uninstallExactSecondOrderGradients,
} from '../../src/backend/exactSecondOrderGradients.js';

interface Case { activation: string; params: Array<number[] | number[][]>; x: number[][]; penalty: number; grads: Array<number[] | number[][]> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/gradient_penalty.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ACT: Record<string, (t: tf.Tensor) => tf.Tensor> = {
  tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu, softplus: tf.softplus, relu: tf.relu,
};

/** P = mean_b sum_j (||d f_j(x_b)/d x_b|| - 1)^2 for the MLP of the fixture (same definition as the Python script). */
function penalty(forward: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, outputs: number): tf.Scalar {
  let p: tf.Tensor = tf.scalar(0);
  for (let j = 0; j < outputs; j++) {
    const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(forward(xx), [0, j], [-1, 1])))(x);
    const norms = tf.sqrt(tf.sum(tf.square(gx), 1));
    p = tf.add(p, tf.mean(tf.square(tf.sub(norms, 1))));
  }
  return p as tf.Scalar;
}

function mlp(params: tf.Tensor[], act: (t: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return (x) => {
    let h = x;
    for (let i = 0; i < params.length - 2; i += 2) h = act(tf.add(tf.matMul(h, params[i]), params[i + 1]));
    return tf.add(tf.matMul(h, params[params.length - 2]), params[params.length - 1]);
  };
}

/** Gradients of the penalty with respect to [W1, b1, W2, b2, W3] (b3 does not reach df/dx; its reference gradient is 0). */
function penaltyGrads(c: Case): { value: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const params = c.params.map((p) => tf.tensor(p));
    const x = tf.tensor2d(c.x);
    const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) =>
      penalty(mlp([...ps, params[5]], ACT[c.activation]), x, 2))(params.slice(0, 5));
    return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) { num += (got[i] - ref[i]) ** 2; den += ref[i] ** 2; }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, rtol: number, what: string): void {
  expect(got.length, what).toBe(ref.length);
  expect(relErr(got, ref), `${what} norm-wise`).toBeLessThan(rtol);
  const scale = Math.max(...Array.from(ref, Math.abs));
  for (let i = 0; i < ref.length; i++) {
    expect(Math.abs(got[i] - ref[i]), `${what}[${i}]`).toBeLessThanOrEqual(rtol * Math.abs(ref[i]) + 1e-5 * scale);
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`exact second-order gradients on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });
    afterAll(() => { installBackendFixes(); });

    it('gradient-penalty weight gradients match the float64 PyTorch fixture (tanh, sigmoid, elu, softplus, relu)', () => {
      expect(fixture.cases.map((c) => c.activation)).toEqual(['tanh', 'sigmoid', 'elu', 'softplus', 'relu']);
      for (const c of fixture.cases) {
        const { value, grads } = penaltyGrads(c);
        expect(Math.abs(value - c.penalty) / c.penalty, `${c.activation} penalty`).toBeLessThan(1e-5);
        for (let k = 0; k < 5; k++) expectClose(grads[k], (c.grads[k] as number[]).flat(), 1e-4, `${c.activation} grad ${k}`);
        expect(Math.max(...(c.grads[5] as number[]).map(Math.abs))).toBe(0);
      }
    });

    it('stock TF.js gradients get the same penalty gradients wrong or throw (the bug exists), relu and softplus excepted', () => {
      uninstallExactSecondOrderGradients();
      try {
        for (const c of fixture.cases) {
          let err = Infinity;
          try {
            const { grads } = penaltyGrads(c);
            err = relErr(grads.flatMap((g) => Array.from(g)), c.grads.slice(0, 5).flatMap((g) => (g as number[]).flat()));
          } catch { /* "Cannot compute gradient": also the bug */ }
          // relu and softplus (whose gradient is sigmoid(x), recomputed from x) were already right.
          if (c.activation === 'relu' || c.activation === 'softplus') expect(err, `${c.activation} stock`).toBeLessThan(1e-4);
          else expect(err, `${c.activation} stock error`).toBeGreaterThan(1e-2);
        }
      } finally {
        installExactSecondOrderGradients();
      }
    });

    it('a tfjs-layers Dense model gets the same penalty gradients through model.apply', () => {
      const c = fixture.cases[0];
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ units: 8, inputShape: [3], activation: 'tanh' }),
        tfl.layers.dense({ units: 8, activation: 'tanh' }),
        tfl.layers.dense({ units: 2 }),
      ] });
      model.setWeights(c.params.map((p) => tf.tensor(p)));
      const before = tf.memory().numTensors;
      const grads = tf.tidy(() => {
        const x = tf.tensor2d(c.x);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable).slice(0, 5);
        const { grads: g } = tf.variableGrads(() => penalty((xx) => model.apply(xx) as tf.Tensor, x, 2), vars);
        return vars.map((v) => g[v.name].dataSync());
      });
      expect(tf.memory().numTensors).toBe(before);
      for (let k = 0; k < 5; k++) expectClose(grads[k], (c.grads[k] as number[]).flat(), 1e-4, `dense grad ${k}`);
      model.dispose();
    });

    it('second derivatives of elementwise ops match float64 closed forms', () => {
      const xs = [-2.3, -0.7, -0.2, 0.35, 1.1, 2.6];
      const sig = (v: number): number => 1 / (1 + Math.exp(-v));
      const SCALE = 1.0507009873554805;
      const ALPHA = 1.6732632423543772;
      const cases: Array<[string, (t: tf.Tensor) => tf.Tensor, (v: number) => number, number[]]> = [
        ['tanh', tf.tanh, (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2), xs],
        ['sigmoid', tf.sigmoid, (v) => sig(v) * (1 - sig(v)) * (1 - 2 * sig(v)), xs],
        ['exp', tf.exp, Math.exp, xs],
        ['elu', tf.elu, (v) => (v > 0 ? 0 : Math.exp(v)), xs],
        ['softplus', tf.softplus, (v) => sig(v) * (1 - sig(v)), xs],
        ['selu', tf.selu, (v) => (v > 0 ? 0 : SCALE * ALPHA * Math.exp(v)), xs],
        ['erf', tf.erf, (v) => (-4 * v / Math.sqrt(Math.PI)) * Math.exp(-v * v), xs],
        ['leakyRelu^2', (t) => tf.square(tf.leakyRelu(t, 0.2)), (v) => (v > 0 ? 2 : 0.08), xs],
        ['relu6^2', (t) => tf.square(tf.relu6(tf.mul(t, 3))), (v) => (v > 0 && 3 * v <= 6 ? 18 : 0), xs],
        ['clip^3', (t) => tf.pow(tf.clipByValue(t, -1, 1), 3), (v) => (Math.abs(v) <= 1 ? 6 * v : 0), xs],
        ['maximum^2', (t) => tf.square(tf.maximum(t, tf.scalar(0.1))), (v) => (v >= 0.1 ? 2 : 0), xs],
        ['minimum^2', (t) => tf.square(tf.minimum(t, tf.scalar(0.1))), (v) => (v <= 0.1 ? 2 : 0), xs],
        ['sqrt', tf.sqrt, (v) => -0.25 * v ** -1.5, [0.2, 0.9, 3.5]],
        ['log1p', tf.log1p, (v) => -1 / (1 + v) ** 2, [-0.5, 0.2, 3]],
        ['rsqrt', tf.rsqrt, (v) => 0.75 * v ** -2.5, [0.2, 0.9, 3.5]],
        ['reciprocal', tf.reciprocal, (v) => 2 / v ** 3, [-1.5, 0.4, 2]],
        ['pow(x, 3.5)', (t) => tf.pow(t, tf.scalar(3.5)), (v) => 3.5 * 2.5 * v ** 1.5, [0.2, 0.9, 1.7]],
        ['pow(1.7, x)', (t) => tf.pow(tf.scalar(1.7), t), (v) => 1.7 ** v * Math.log(1.7) ** 2, xs],
      ];
      for (const [name, f, f2, pts] of cases) {
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(f(u)))(t)))(tf.tensor1d(pts)).dataSync());
        expect(tf.memory().numTensors, `${name} leak`).toBe(before);
        pts.forEach((v, i) => expect(Math.abs(got[i] - f2(v)), `${name}''(${v})`).toBeLessThanOrEqual(2e-5 * (1 + Math.abs(f2(v)))));
      }
    });

    it('max, min, logSumExp and softmax: Hessian-vector products match float64', () => {
      const z = [0.3, -1.2, 0.9, 0.1];
      const v = [0.5, -0.25, 1.0, 2.0];
      const e = z.map(Math.exp);
      const s = e.map((t) => t / e.reduce((a, b) => a + b));
      // logSumExp: H = diag(s) - s s^T, so H v = s * (v - s.v)
      const sv = s.reduce((a, si, i) => a + si * v[i], 0);
      const hv = (f: (t: tf.Tensor) => tf.Tensor): Float32Array => tf.tidy(() => tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.grad((u: tf.Tensor) => f(u))(t), tf.tensor1d(v))))(tf.tensor1d(z)).dataSync() as Float32Array);
      expectClose(hv((t) => tf.logSumExp(t)), s.map((si, i) => si * (v[i] - sv)), 1e-5, 'logSumExp Hv');
      // f = sum(softmax(z) * w): grad = s * (w - s.w); checked against finite differences of that float64 gradient.
      const w = [1, -2, 0.5, 3];
      const g64 = (zz: number[]): number[] => {
        const ee = zz.map(Math.exp); const ss = ee.map((t) => t / ee.reduce((a, b) => a + b));
        const sw = ss.reduce((a, si, i) => a + si * w[i], 0);
        return ss.map((si, i) => si * (w[i] - sw));
      };
      const h = 1e-6;
      const fd = z.map((_, i) => {
        const zp = z.slice(); zp[i] += h; const zm = z.slice(); zm[i] -= h;
        const gp = g64(zp); const gm = g64(zm);
        return gp.reduce((a, gk, k) => a + (gk - gm[k]) / (2 * h) * v[k], 0);
      });
      expectClose(hv((t) => tf.sum(tf.mul(tf.softmax(t), tf.tensor1d(w)))), fd, 1e-4, 'softmax Hv');
      // max(z)^2 has Hessian 2 e_k e_k^T at the argmax k; min likewise.
      const k = 2;
      expectClose(hv((t) => tf.square(tf.max(t))), z.map((_, i) => (i === k ? 2 * v[k] : 0)), 1e-6, 'max^2 Hv');
      expectClose(hv((t) => tf.square(tf.min(t))), z.map((_, i) => (i === 1 ? 2 * v[1] : 0)), 1e-6, 'min^2 Hv');
    });

    it('is idempotent and leak-free', () => {
      const g = tf.getGradient('Tanh');
      installBackendFixes();
      installExactSecondOrderGradients();
      expect(tf.getGradient('Tanh')).toBe(g);
      for (const name of EXACT_GRADIENT_KERNELS) expect(tf.getGradient(name)?.kernelName).toBe(name);
      const before = tf.memory().numTensors;
      const { grads } = penaltyGrads(fixture.cases[0]);
      expect(grads.length).toBe(5);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
