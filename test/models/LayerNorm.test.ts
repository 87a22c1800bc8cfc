import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { LayerNorm, layerNorm } from '../../src/models/LayerNorm.js';
import { seededGaussian } from '../../src/util/random.js';
import { LipkitError } from '../../src/util/errors.js';

const [B, T, D] = [2, 3, 5];
const EPS = 1e-3;

/** Float64 oracle: sum of w * LayerNorm(x) over the last axis. */
function loss(x: Float64Array, g: Float64Array, b: Float64Array, w: Float64Array): number {
  let total = 0;
  for (let r = 0; r < B * T; r++) {
    let mean = 0;
    for (let j = 0; j < D; j++) mean += x[r * D + j] / D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (x[r * D + j] - mean) ** 2 / D;
    for (let j = 0; j < D; j++) total += w[r * D + j] * (((x[r * D + j] - mean) / Math.sqrt(v + EPS)) * g[j] + b[j]);
  }
  return total;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`layerNorm on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });

    it('value and gradients (x, gamma, beta) equal the float64 formula and its central differences', () => {
      const x = tf.tensor3d(seededGaussian(B * T * D, 51).map((v) => 2 * v + 0.5), [B, T, D]);
      const g = tf.tensor1d(seededGaussian(D, 52).map((v) => 1 + 0.3 * v));
      const b = tf.tensor1d(seededGaussian(D, 53));
      const w = tf.tensor3d(seededGaussian(B * T * D, 54), [B, T, D]);
      const [x64, g64, b64, w64] = [x, g, b, w].map((t) => Float64Array.from(t.dataSync()));
      const before = tf.memory().numTensors;
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, c, d, EPS), w)) as tf.Scalar)([x, g, b]);
      const want = loss(x64, g64, b64, w64);
      expect(Math.abs(value.dataSync()[0] - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      const h = 1e-5;
      const fd = (args: Float64Array[], which: number, i: number): number => {
        const p = args.map((a) => Float64Array.from(a)); p[which][i] += h;
        const m = args.map((a) => Float64Array.from(a)); m[which][i] -= h;
        return (loss(p[0], p[1], p[2], w64) - loss(m[0], m[1], m[2], w64)) / (2 * h);
      };
      let err = 0; let scale = 0;
      grads.forEach((gr, which) => {
        const got = gr.dataSync();
        for (let i = 0; i < got.length; i++) {
          const d = fd([x64, g64, b64], which, i);
          err = Math.max(err, Math.abs(got[i] - d)); scale = Math.max(scale, Math.abs(d));
        }
      });
      expect(scale).toBeGreaterThan(0.5);
      expect(err).toBeLessThan(1e-4 * scale);
      tf.dispose([value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g, b, w]);
    });

    it('second-order gradients (gradient penalties) equal central differences of the float64 analytic gradient', () => {
      const x = tf.tensor3d(seededGaussian(B * T * D, 58).map((v) => 2 * v + 0.5), [B, T, D]);
      const g = tf.tensor1d(seededGaussian(D, 59).map((v) => 1 + 0.3 * v));
      const b = tf.tensor1d(seededGaussian(D, 60));
      const w = tf.tensor3d(seededGaussian(B * T * D, 61), [B, T, D]);
      const [x64, g64, w64] = [x, g, w].map((t) => Float64Array.from(t.dataSync()));
      // P(x, gamma) = ||d/dx sum(w LN(x))||^2 with the textbook formula dx = (c - mean c - xhat mean(c xhat)) / sqrt(var + eps), c = w gamma
      const P = (xx: Float64Array, gg: Float64Array): number => {
        let total = 0;
        for (let r = 0; r < B * T; r++) {
          let mean = 0;
          for (let j = 0; j < D; j++) mean += xx[r * D + j] / D;
          let v = 0;
          for (let j = 0; j < D; j++) v += (xx[r * D + j] - mean) ** 2 / D;
          const rs = 1 / Math.sqrt(v + EPS);
          const xh = Array.from({ length: D }, (_, j) => (xx[r * D + j] - mean) * rs);
          const c = Array.from({ length: D }, (_, j) => w64[r * D + j] * gg[j]);
          const mc = c.reduce((s, a) => s + a, 0) / D;
          const mcx = c.reduce((s, a, j) => s + a * xh[j], 0) / D;
          for (let j = 0; j < D; j++) total += ((c[j] - mc - xh[j] * mcx) * rs) ** 2;
        }
        return total;
      };
      const before = tf.memory().numTensors;
      const [gx, gg] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.grad((y: tf.Tensor) => tf.sum(tf.mul(layerNorm(y, c, b, EPS), w)))(a))))([x, g]);
      const h = 1e-6;
      let err = 0; let scale = 0;
      for (const [got, which] of [[gx.dataSync(), 0], [gg.dataSync(), 1]] as const) {
        for (let i = 0; i < got.length; i++) {
          const args = [Float64Array.from(x64), Float64Array.from(g64)];
          const p = args.map((a) => Float64Array.from(a)); p[which][i] += h;
          const m = args.map((a) => Float64Array.from(a)); m[which][i] -= h;
          const fd = (P(p[0], p[1]) - P(m[0], m[1])) / (2 * h);
          err = Math.max(err, Math.abs(got[i] - fd)); scale = Math.max(scale, Math.abs(fd));
        }
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(err).toBeLessThan(1e-3 * scale);
      tf.dispose([gx, gg]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g, b, w]);
    });

    it('the LayerNorm layer computes what tf.layers.layerNormalization computes (epsilon 1e-3), serializes, and validates epsilon', () => {
      const x = tf.tensor3d(seededGaussian(B * T * D, 55), [B, T, D]);
      const ours = new LayerNorm();
      const stock = tfl.layers.layerNormalization({ axis: -1 });
      ours.build([null, T, D]);
      stock.build([null, T, D]);
      const gb = [tf.tensor1d(seededGaussian(D, 56)), tf.tensor1d(seededGaussian(D, 57))];
      ours.setWeights(gb);
      stock.setWeights(gb);
      const a = ours.apply(x) as tf.Tensor;
      const c = stock.apply(x) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeLessThan(1e-5);
      expect(ours.getConfig().epsilon).toBe(1e-3);
      expect(() => new LayerNorm({ epsilon: 0 })).toThrow(LipkitError);
      expect(() => new LayerNorm({ epsilon: 0 })).toThrow(/config\.epsilon/);
      tf.dispose([x, a, c, ...gb]);
      ours.weights.forEach((v) => v.dispose());
      stock.weights.forEach((v) => v.dispose());
    });
  });
}
