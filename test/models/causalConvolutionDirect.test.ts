import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { causalConvolution } from '../../src/models/causalConvolution.js';
import { seededGaussian } from '../../src/util/random.js';

/** Float64 oracle: sum_{b,t,h} w[b,t,h] sum_{s <= t} K[h, t - s] u[b, s, h]. */
function loss(u: Float64Array, k: Float64Array, w: Float64Array, B: number, L: number, H: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) for (let h = 0; h < H; h++) {
    let y = 0;
    for (let s = 0; s <= t; s++) y += k[h * L + (t - s)] * u[(b * L + s) * H + h];
    total += w[(b * L + t) * H + h] * y;
  }
  return total;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`causalConvolution 'direct' on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });

    // batch 5 is not a multiple of the 4-row blocks of the loops; batch 1 is all padding but one row
    for (const [B, L, H] of [[5, 17, 3], [1, 9, 2]]) {
      it(`values and gradients equal the float64 direct sum and its central differences (B ${B}, L ${L}, H ${H})`, () => {
        const uData = Float64Array.from(seededGaussian(B * L * H, 41 + B));
        const kData = Float64Array.from(seededGaussian(H * L, 42 + B));
        const wData = Float64Array.from(seededGaussian(B * L * H, 43 + B));
        const u = tf.tensor3d(Float32Array.from(uData), [B, L, H]);
        const k = tf.tensor2d(Float32Array.from(kData), [H, L]);
        const w = tf.tensor3d(Float32Array.from(wData), [B, L, H]);
        // the float32-rounded inputs are the oracle's inputs
        const u64 = Float64Array.from(u.dataSync());
        const k64 = Float64Array.from(k.dataSync());
        const w64 = Float64Array.from(w.dataSync());
        const before = tf.memory().numTensors;
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(causalConvolution(a as tf.Tensor3D, b as tf.Tensor2D, 'direct'), w));
        const { value, grads } = tf.valueAndGrads(f)([u, k]);
        const want = loss(u64, k64, w64, B, L, H);
        expect(Math.abs(value.dataSync()[0] - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
        // the loss is linear in u and in k: central differences with step 1 are exact
        const central = (x: Float64Array, i: number, g: (y: Float64Array) => number): number => {
          const p = Float64Array.from(x); p[i] += 1;
          const m = Float64Array.from(x); m[i] -= 1;
          return (g(p) - g(m)) / 2;
        };
        const gu = grads[0].dataSync();
        const gk = grads[1].dataSync();
        let err = 0; let scale = 0;
        for (let i = 0; i < u64.length; i++) {
          const d = central(u64, i, (y) => loss(y, k64, w64, B, L, H));
          err = Math.max(err, Math.abs(gu[i] - d)); scale = Math.max(scale, Math.abs(d));
        }
        for (let i = 0; i < k64.length; i++) {
          const d = central(k64, i, (y) => loss(u64, y, w64, B, L, H));
          err = Math.max(err, Math.abs(gk[i] - d)); scale = Math.max(scale, Math.abs(d));
        }
        expect(scale).toBeGreaterThan(1);
        expect(err).toBeLessThan(1e-5 * scale);
        tf.dispose([value, ...grads]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([u, k, w]);
      });
    }

    it('second-order gradients (gradient penalties) equal central differences of float64 formulas', () => {
      const [B, L, H] = [5, 7, 2];
      const u = tf.tensor3d(seededGaussian(B * L * H, 44), [B, L, H]);
      const k = tf.tensor2d(seededGaussian(H * L, 45), [H, L]);
      const w = tf.tensor3d(seededGaussian(B * L * H, 46), [B, L, H]);
      const [u64, k64, w64] = [u, k, w].map((t) => Float64Array.from(t.dataSync()));
      // P(K) = ||d/du sum(w conv(u, K))||^2 = sum_{b,s,h} (sum_{t >= s} K[h, t - s] w[b, t, h])^2
      const P = (kk: Float64Array): number => {
        let total = 0;
        for (let b = 0; b < B; b++) for (let s0 = 0; s0 < L; s0++) for (let h = 0; h < H; h++) {
          let a = 0;
          for (let t = s0; t < L; t++) a += kk[h * L + t - s0] * w64[(b * L + t) * H + h];
          total += a * a;
        }
        return total;
      };
      // Q(u) = ||d/dK sum(w conv(u, K))||^2 = sum_{h,j} (sum_{b,t >= j} w[b, t, h] u[b, t - j, h])^2
      const Q = (uu: Float64Array): number => {
        let total = 0;
        for (let h = 0; h < H; h++) for (let j = 0; j < L; j++) {
          let a = 0;
          for (let b = 0; b < B; b++) for (let t = j; t < L; t++) a += w64[(b * L + t) * H + h] * uu[(b * L + t - j) * H + h];
          total += a * a;
        }
        return total;
      };
      const before = tf.memory().numTensors;
      const inner = (a: tf.Tensor, c: tf.Tensor): tf.Scalar => tf.sum(tf.mul(causalConvolution(a as tf.Tensor3D, c as tf.Tensor2D, 'direct'), w));
      const gK = tf.grad((c: tf.Tensor) => tf.sum(tf.square(tf.grads(inner)([u, c])[0])))(k);
      const gU = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.grads(inner)([a, k])[1])))(u);
      // P and Q are quadratic: central differences with step 1 are exact
      const central = (x: Float64Array, i: number, f: (y: Float64Array) => number): number => {
        const p = Float64Array.from(x); p[i] += 1;
        const m = Float64Array.from(x); m[i] -= 1;
        return (f(p) - f(m)) / 2;
      };
      for (const [got, x, f] of [[gK.dataSync(), k64, P], [gU.dataSync(), u64, Q]] as const) {
        let err = 0; let scale = 0;
        for (let i = 0; i < x.length; i++) {
          const d = central(x, i, f);
          err = Math.max(err, Math.abs(got[i] - d)); scale = Math.max(scale, Math.abs(d));
        }
        expect(scale).toBeGreaterThan(1);
        expect(err).toBeLessThan(1e-5 * scale);
      }
      tf.dispose([gK, gU]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([u, k, w]);
    });
  });
}
