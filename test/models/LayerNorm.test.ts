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
