import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { gradientPenalty, type GradientPenaltyOptions } from '../../src/regularize/gradientPenalty.js';
import { finiteDifferenceGradientPenalty } from '../../src/regularize/finiteDifferenceGradientPenalty.js';
import { LipkitError } from '../../src/util/errors.js';
import { expectNoLeak, relErr } from './helpers.js';

interface Case {
  activation: 'tanh' | 'elu'; outputs: number; mode: 'data' | 'interpolate' | 'perturb'; oneSided: boolean;
  target: number; kappa: number; sigma: number; params: Array<number[] | number[][]>;
  x: number[][]; xOther: number[][]; alpha: number[]; noise: number[][]; penalty: number; grads: Array<number[] | number[][]>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/regularize_gradient_penalty.json', import.meta.url), 'utf8')) as { cases: Case[] };
const ACT = { tanh: tf.tanh, elu: tf.elu } as const;

function mlp(params: tf.Tensor[], act: (t: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return (x) => {
    let h = x;
    for (let i = 0; i < params.length - 2; i += 2) h = act(tf.add(tf.matMul(h, params[i]), params[i + 1]));
    return tf.add(tf.matMul(h, params[params.length - 2]), params[params.length - 1]);
  };
}

type PenaltyFn = typeof gradientPenalty;

/** Penalty value and its gradients with respect to W1, b1, W2, b2, W3 (b3 does not reach the input gradient; tfjs refuses a gradient for it). */
function run(c: Case, penalty: PenaltyFn, extra: object = {}): { value: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const params = c.params.map((p) => tf.tensor(p));
    const x = tf.tensor2d(c.x);
    const options: GradientPenaltyOptions = { kappa: c.kappa, target: c.target, oneSided: c.oneSided, mode: c.mode, ...extra };
    if (c.mode === 'interpolate') { options.xOther = tf.tensor2d(c.xOther); options.alpha = c.alpha; }
    if (c.mode === 'perturb') { options.sigma = c.sigma; options.noise = tf.tensor2d(c.noise); }
    const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => penalty(mlp([...ps, params[5]], ACT[c.activation]), x, options))(params.slice(0, 5));
    return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

describe.each(['cpu', 'wasm'] as const)('gradient penalties on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('gradientPenalty value and weight gradients match the float64 PyTorch fixture (tanh, elu; K = 1, 2; all modes, one-sided)', () => {
    expect(fixture.cases.length).toBe(16);
    for (const c of fixture.cases) {
      const what = `${c.activation} K=${c.outputs} ${c.mode}${c.oneSided ? ' one-sided' : ''}`;
      const { value, grads } = run(c, gradientPenalty);
      expect(Math.abs(value - c.penalty) / c.penalty, `${what} value`).toBeLessThan(1e-5);
      for (let k = 0; k < 5; k++) expect(relErr(grads[k], (c.grads[k] as number[]).flat()), `${what} grad ${k}`).toBeLessThan(1e-4);
      expect(Math.max(...(c.grads[5] as number[]).map(Math.abs)), `${what} output bias`).toBe(0);
    }
  });

  it('finiteDifferenceGradientPenalty approaches gradientPenalty (value and weight gradients) as the step shrinks', () => {
    for (const c of fixture.cases.filter((k) => k.mode !== 'perturb')) {
      const exact = run(c, gradientPenalty);
      const errors = [1e-1, 3e-2, 1e-2].map((step) => {
        const fd = run(c, finiteDifferenceGradientPenalty as PenaltyFn, { step });
        const gradErr = Math.max(...[0, 1, 2, 3, 4].map((k) => relErr(fd.grads[k], exact.grads[k])));
        return { value: Math.abs(fd.value - exact.value) / exact.value, grad: gradErr };
      });
      const what = `${c.activation} K=${c.outputs} ${c.mode}`;
      expect(errors[2].value, `${what} value`).toBeLessThan(2e-3);
      expect(errors[2].grad, `${what} grads`).toBeLessThan(5e-3);
      expect(errors[2].grad, `${what} grads shrink`).toBeLessThan(errors[0].grad);
      expect(errors[1].grad, `${what} grads shrink`).toBeLessThan(errors[0].grad);
    }
  });

  it('forward differences converge too, at first order', () => {
    const c = fixture.cases[0];
    const exact = run(c, gradientPenalty);
    const err = (step: number): number => {
      const fd = run(c, finiteDifferenceGradientPenalty as PenaltyFn, { step, scheme: 'forward' });
      return relErr(fd.grads[0], exact.grads[0]);
    };
    const coarse = err(1e-1);
    const fine = err(1e-2);
    expect(fine).toBeLessThan(coarse / 4);
    expect(fine).toBeLessThan(3e-2);
  });

  it('for a linear critic the gradient norm is ||w|| at every point; one-sided is zero below the target', () => {
    const w = tf.tensor2d([[0.6], [0.8], [0]]); // ||w|| = 1
    const f = (x: tf.Tensor): tf.Tensor => tf.matMul(x, w);
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 3);
    const xOther = tf.randomNormal([5, 3], 0, 1, 'float32', 4);
    for (const opts of [{}, { mode: 'interpolate' as const, xOther, seed: 1 }, { mode: 'perturb' as const, seed: 2 }]) {
      const v = gradientPenalty(f, x, { ...opts, target: 0.5, kappa: 3 });
      expect(v.dataSync()[0]).toBeCloseTo(3 * 0.25, 5);
      const one = gradientPenalty(f, x, { ...opts, target: 1.5, oneSided: true });
      expect(one.dataSync()[0]).toBeCloseTo(0, 6);
      tf.dispose([v, one]);
    }
    tf.dispose([w, x, xOther]);
  });

  it('seeded modes are deterministic; leaks nothing (also inside variableGrads)', () => {
    const w = tf.variable(tf.tensor2d([[0.3, -0.2], [0.5, 0.1], [-0.4, 0.7]]));
    const f = (x: tf.Tensor): tf.Tensor => tf.tanh(tf.matMul(x, w));
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
    const xOther = tf.randomNormal([4, 3], 0, 1, 'float32', 6);
    const a = gradientPenalty(f, x, { mode: 'interpolate', xOther, seed: 9 });
    const b = gradientPenalty(f, x, { mode: 'interpolate', xOther, seed: 9 });
    expect(a.dataSync()[0]).toBe(b.dataSync()[0]);
    tf.dispose([a, b]);
    for (const mode of ['data', 'interpolate', 'perturb'] as const) {
      const opts = mode === 'interpolate' ? { mode, xOther } : { mode };
      expectNoLeak(() => gradientPenalty(f, x, opts));
      expectNoLeak(() => finiteDifferenceGradientPenalty(f, x, opts));
      expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => gradientPenalty(f, x, opts), [w]);
        return [value, ...Object.values(grads)];
      });
      expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => finiteDifferenceGradientPenalty(f, x, opts), [w]);
        return [value, ...Object.values(grads)];
      });
    }
    tf.dispose([w, x, xOther]);
  });

  it('rejects bad input with errors naming the argument or option', () => {
    const f = (x: tf.Tensor): tf.Tensor => tf.sum(x, 1, true);
    const x = tf.ones([3, 2]);
    const bad = (fn: () => unknown, argument: string): void => {
      tf.tidy(() => {
        try { fn(); expect.unreachable(`expected an error naming ${argument}`); } catch (e) {
          expect(e, String(e)).toBeInstanceOf(LipkitError);
          expect((e as LipkitError).argument).toBe(argument);
        }
      });
    };
    for (const gp of [gradientPenalty, finiteDifferenceGradientPenalty as PenaltyFn]) {
      bad(() => gp('f' as unknown as typeof f, x), 'f');
      bad(() => gp(f, tf.ones([3])), 'x');
      bad(() => gp(f, tf.tensor2d([[1, NaN]])), 'x');
      bad(() => gp(f, tf.zeros([0, 2])), 'x');
      bad(() => gp(f, x, { kappa: -1 }), 'options.kappa');
      bad(() => gp(f, x, { target: NaN }), 'options.target');
      bad(() => gp(f, x, { mode: 'mix' as 'data' }), 'options.mode');
      bad(() => gp(f, x, { mode: 'interpolate' }), 'options.xOther');
      bad(() => gp(f, x, { mode: 'interpolate', xOther: tf.ones([3, 3]) }), 'options.xOther');
      bad(() => gp(f, x, { mode: 'interpolate', xOther: x, alpha: [0.5, 2, 0.1] }), 'options.alpha[1]');
      bad(() => gp(f, x, { mode: 'interpolate', xOther: x, alpha: [0.5] }), 'options.alpha');
      bad(() => gp(f, x, { xOther: x }), 'options.xOther');
      bad(() => gp(f, x, { mode: 'perturb', sigma: -0.1 }), 'options.sigma');
      bad(() => gp(f, x, { mode: 'perturb', noise: tf.ones([2, 2]) }), 'options.noise');
      bad(() => gp(f, x, { oneSided: 1 as unknown as boolean }), 'options.oneSided');
      bad(() => gp(f, x, { seed: 1.5 }), 'options.seed');
      bad(() => gp((t) => tf.sum(t), x), 'f');
    }
    bad(() => finiteDifferenceGradientPenalty(f, x, { step: 0 }), 'options.step');
    bad(() => finiteDifferenceGradientPenalty(f, x, { scheme: 'backward' as 'forward' }), 'options.scheme');
    x.dispose();
  });
});
