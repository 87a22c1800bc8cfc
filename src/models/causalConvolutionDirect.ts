import * as tf from '@tensorflow/tfjs-core';

/**
 * Per channel h, the values of a [batch, time, channels] array in [channels, time, batchPadded]
 * order as float64 (batchPadded = batch rounded up to a multiple of 4, zeros past batch), so that
 * the loops below read 4 batch rows with one kernel value.
 */
function toChannelMajor(x: Float32Array | Float64Array, batch: number, length: number, channels: number, bp: number): Float64Array {
  const out = new Float64Array(channels * length * bp);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const src = (b * length + t) * channels;
      for (let h = 0; h < channels; h++) out[(h * length + t) * bp + b] = x[src + h];
    }
  }
  return out;
}

function fromChannelMajor(x: Float64Array, batch: number, length: number, channels: number, bp: number): Float32Array {
  const out = new Float32Array(batch * length * channels);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const dst = (b * length + t) * channels;
      for (let h = 0; h < channels; h++) out[dst + h] = x[(h * length + t) * bp + b];
    }
  }
  return out;
}

/**
 * y[b, t, h] = sum_{s <= t} K[h, s] u[b, t - s, h]  (or, with `adjoint`, dx[b, s, h] = sum_{t >= s} K[h, t - s] dy[b, t, h]).
 * Two output times per pass (t and t + 1 share every loaded input value: 8 accumulators).
 */
function convolve(x: Float32Array, k: Float32Array, batch: number, length: number, channels: number, adjoint: boolean): Float32Array {
  const bp = Math.ceil(batch / 4) * 4;
  const xt = toChannelMajor(x, batch, length, channels, bp);
  const yt = new Float64Array(xt.length);
  const kk = new Float64Array(length + 1);
  for (let h = 0; h < channels; h++) {
    for (let s = 0; s < length; s++) kk[s] = k[h * length + s];
    const base = h * length * bp;
    for (let t = 0; t < length; t += 2) {
      const pair = t + 1 < length;
      for (let c = 0; c < bp; c += 4) {
        let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
        let b0 = 0; let b1 = 0; let b2 = 0; let b3 = 0;
        const o = base + t * bp + c;
        if (adjoint) {
          // a = sum_{j=0}^{L-1-t} K[j] x[t + j];  b = sum_{j=1}^{L-1-t} K[j - 1] x[t + j]
          a0 = kk[0] * xt[o]; a1 = kk[0] * xt[o + 1]; a2 = kk[0] * xt[o + 2]; a3 = kk[0] * xt[o + 3];
          let p = o + bp;
          let kPrev = kk[0];
          for (let j = 1; j < length - t; j++, p += bp) {
            const kj = kk[j];
            const x0 = xt[p]; const x1 = xt[p + 1]; const x2 = xt[p + 2]; const x3 = xt[p + 3];
            a0 += kj * x0; a1 += kj * x1; a2 += kj * x2; a3 += kj * x3;
            b0 += kPrev * x0; b1 += kPrev * x1; b2 += kPrev * x2; b3 += kPrev * x3;
            kPrev = kj;
          }
        } else {
          // a = sum_{s=0}^{t} K[s] x[t - s];  b = K[0] x[t + 1] + sum_{s=0}^{t} K[s + 1] x[t - s]
          if (pair) { const q = o + bp; b0 = kk[0] * xt[q]; b1 = kk[0] * xt[q + 1]; b2 = kk[0] * xt[q + 2]; b3 = kk[0] * xt[q + 3]; }
          let p = o;
          let ks = kk[0];
          for (let s = 0; s <= t; s++, p -= bp) {
            const kn = kk[s + 1];
            const x0 = xt[p]; const x1 = xt[p + 1]; const x2 = xt[p + 2]; const x3 = xt[p + 3];
            a0 += ks * x0; a1 += ks * x1; a2 += ks * x2; a3 += ks * x3;
            b0 += kn * x0; b1 += kn * x1; b2 += kn * x2; b3 += kn * x3;
            ks = kn;
          }
        }
        yt[o] = a0; yt[o + 1] = a1; yt[o + 2] = a2; yt[o + 3] = a3;
        if (pair) { const q = o + bp; yt[q] = b0; yt[q + 1] = b1; yt[q + 2] = b2; yt[q + 3] = b3; }
      }
    }
  }
  return fromChannelMajor(yt, batch, length, channels, bp);
}

/** dK[h, d] = sum_b sum_{t >= d} dy[b, t, h] u[b, t - d, h], two lags d, d + 1 per pass. */
function kernelGradient(u: Float32Array, dy: Float32Array, batch: number, length: number, channels: number): Float32Array {
  const bp = Math.ceil(batch / 4) * 4;
  const ut = toChannelMajor(u, batch, length, channels, bp);
  const gt = toChannelMajor(dy, batch, length, channels, bp);
  const out = new Float32Array(channels * length);
  for (let h = 0; h < channels; h++) {
    const base = h * length * bp;
    for (let d = 0; d < length; d += 2) {
      // a = sum_{i=0}^{L-1-d} g[i + d] . u[i];  b = sum_{i=0}^{L-2-d} g[i + d + 1] . u[i]  (. over the 4-row block)
      let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
      let b0 = 0; let b1 = 0; let b2 = 0; let b3 = 0;
      for (let c = 0; c < bp; c += 4) {
        let pu = base + c;
        let pg = base + d * bp + c;
        let g0 = gt[pg]; let g1 = gt[pg + 1]; let g2 = gt[pg + 2]; let g3 = gt[pg + 3];
        for (let i = 0; i < length - 1 - d; i++, pu += bp) {
          pg += bp;
          const u0 = ut[pu]; const u1 = ut[pu + 1]; const u2 = ut[pu + 2]; const u3 = ut[pu + 3];
          a0 += g0 * u0; a1 += g1 * u1; a2 += g2 * u2; a3 += g3 * u3;
          g0 = gt[pg]; g1 = gt[pg + 1]; g2 = gt[pg + 2]; g3 = gt[pg + 3];
          b0 += g0 * u0; b1 += g1 * u1; b2 += g2 * u2; b3 += g3 * u3;
        }
        a0 += g0 * ut[pu]; a1 += g1 * ut[pu + 1]; a2 += g2 * ut[pu + 2]; a3 += g3 * ut[pu + 3];
      }
      out[h * length + d] = a0 + a1 + a2 + a3;
      if (d + 1 < length) out[h * length + d + 1] = b0 + b1 + b2 + b3;
    }
  }
  return out;
}

type Op = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const shapeOf = (x: tf.Tensor): [number, number, number] => x.shape as [number, number, number];
const values = (x: tf.Tensor): Float32Array => x.dataSync() as Float32Array;

/**
 * A two-input custom op of this closed set: `value(x, y, [b, l, h])` from the host values (shape of
 * the first input), `grads(dz, x, y)` made of the set's ops again.
 */
function closedOp(
  value: (x: Float32Array, y: Float32Array, shape: [number, number, number]) => tf.Tensor,
  grads: (dz: tf.Tensor, x: tf.Tensor, y: tf.Tensor) => tf.Tensor[],
): Op {
  return (p, q) => tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: value(values(x), values(y), shapeOf(x)),
      gradFunc: (dz: tf.Tensor, [xs, ys]: tf.Tensor[]) => grads(dz, xs as tf.Tensor, ys as tf.Tensor),
    };
  })(p, q);
}

/** y = K * u (causal); gradients du = adjoint(dy, K), dK = kernelGradient(u, dy). */
const convOp: Op = closedOp(
  (x, k, [b, l, h]) => tf.tensor3d(convolve(x, k, b, l, h, false), [b, l, h]),
  (dy, xs, ks) => [adjointOp(dy, ks), kernelGradOp(xs, dy)],
);

/** a[s] = sum_{t >= s} K[t - s] g[t]; gradients dg = K * d (causal), dK = kernelGradient(d, g). */
const adjointOp: Op = closedOp(
  (x, k, [b, l, h]) => tf.tensor3d(convolve(x, k, b, l, h, true), [b, l, h]),
  (d, xs, ks) => [convOp(d, ks), kernelGradOp(d, xs)],
);

/** c[h, j] = sum_b sum_t g[b, t, h] u[b, t - j, h]; gradients du = adjoint(g, dc), dg = dc * u (causal). */
const kernelGradOp: Op = closedOp(
  (x, gy, [b, l, h]) => tf.tensor2d(kernelGradient(x, gy, b, l, h), [h, l]),
  (dc, xs, gs) => [adjointOp(gs, dc), convOp(xs, dc)],
);

/**
 * The causal per-channel convolution y[b, t, h] = sum_{s <= t} K[h, t - s] u[b, s, h] by direct
 * summation in JavaScript (float64 accumulation, only the causal half: B H L(L+1)/2
 * multiply-adds), with a custom gradient made of the two adjoint sums
 *
 *   du[b, s, h] = sum_{t >= s} K[h, t - s] dy[b, t, h],   dK[h, d] = sum_b sum_{t >= d} dy[b, t, h] u[b, t - d, h],
 *
 * each again a custom op whose gradient is made of the three (the set is closed under
 * differentiation), so gradients of any order are exact (gradient penalties included).
 * Reads its inputs with `dataSync` (synchronous; cheap on the wasm and cpu backends, a GPU
 * read-back elsewhere). Exact up to float32 rounding of the results.
 */
export function causalConvolutionDirect(u: tf.Tensor3D, k: tf.Tensor2D): tf.Tensor3D {
  return convOp(u, k) as tf.Tensor3D;
}
