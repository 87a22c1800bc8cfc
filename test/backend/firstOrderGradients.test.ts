import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';

// First derivatives in the outermost backward pass (no tape recording: lipkit takes them from the
// saved output) and inside a nested gradient (from the input), against float64 closed forms.
const cases: [string, (x: tf.Tensor) => tf.Tensor, (x: number) => number][] = [
  ['tanh', tf.tanh, (x) => 1 - Math.tanh(x) ** 2],
  ['sigmoid', tf.sigmoid, (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }],
  ['exp', tf.exp, (x) => Math.exp(x)],
  ['elu', tf.elu, (x) => (x > 0 ? 1 : Math.exp(x))],
];

describe.each(['cpu', 'wasm'] as const)('first-order gradients on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });
  const xs = [-3, -1.2, -0.4, -1e-3, 0.25, 0.9, 2.5];

  it.each(cases)('%s: outermost and nested first derivatives equal the closed form', (_name, op, d) => {
    const x = tf.tensor1d(xs);
    const before = tf.memory().numTensors;
    const outerT = tf.grad((t: tf.Tensor) => tf.sum(op(t)))(x);
    const outer = outerT.dataSync();
    outerT.dispose();
    // Inside an outer tape: d/dx of sum(x * g(x)) where g = grad(sum(op)) = op'(x); the inner
    // gradient runs with the tape on, so it takes the from-input path.
    let kept: tf.Tensor | null = null;
    tf.tidy(() => {
      tf.grad((t: tf.Tensor) => {
        const g = tf.grad((u: tf.Tensor) => tf.sum(op(u)))(t);
        kept = tf.keep(tf.clone(g));
        return tf.sum(g);
      })(x);
    });
    const nested = (kept as unknown as tf.Tensor).dataSync();
    (kept as unknown as tf.Tensor).dispose();
    xs.forEach((v, i) => {
      const e = d(v);
      expect(Math.abs(outer[i] - e)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(e)));
      expect(Math.abs(nested[i] - e)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(e)));
    });
    x.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });
});
