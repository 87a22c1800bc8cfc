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

/** y[b, t, h] = sum_{s <= t} K[h, s] u[b, t - s, h]  (or, with `adjoint`, dx[b, s, h] = sum_{t >= s} K[h, t - s] dy[b, t, h]). */
function convolve(x: Float32Array, k: Float32Array, batch: number, length: number, channels: number, adjoint: boolean): Float32Array {
  const bp = Math.ceil(batch / 4) * 4;
  const xt = toChannelMajor(x, batch, length, channels, bp);
  const yt = new Float64Array(xt.length);
  const kk = new Float64Array(length);
  for (let h = 0; h < channels; h++) {
    for (let s = 0; s < length; s++) kk[s] = k[h * length + s];
    const base = h * length * bp;
    for (let t = 0; t < length; t++) {
      for (let c = 0; c < bp; c += 4) {
        let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
        if (adjoint) {
          // sum over t' = t .. L-1 of K[t' - t] x[t']
          let p = base + t * bp + c;
          for (let j = 0; j < length - t; j++, p += bp) {
            const kj = kk[j];
            a0 += kj * xt[p]; a1 += kj * xt[p + 1]; a2 += kj * xt[p + 2]; a3 += kj * xt[p + 3];
          }
        } else {
          // sum over s = 0 .. t of K[s] x[t - s]
          let p = base + t * bp + c;
          for (let s = 0; s <= t; s++, p -= bp) {
            const ks = kk[s];
            a0 += ks * xt[p]; a1 += ks * xt[p + 1]; a2 += ks * xt[p + 2]; a3 += ks * xt[p + 3];
          }
        }
        const o = base + t * bp + c;
        yt[o] = a0; yt[o + 1] = a1; yt[o + 2] = a2; yt[o + 3] = a3;
      }
    }
  }
  return fromChannelMajor(yt, batch, length, channels, bp);
}

/** dK[h, d] = sum_b sum_{t >= d} dy[b, t, h] u[b, t - d, h]. */
function kernelGradient(u: Float32Array, dy: Float32Array, batch: number, length: number, channels: number): Float32Array {
  const bp = Math.ceil(batch / 4) * 4;
  const ut = toChannelMajor(u, batch, length, channels, bp);
  const gt = toChannelMajor(dy, batch, length, channels, bp);
  const out = new Float32Array(channels * length);
  const n = length * bp;
  for (let h = 0; h < channels; h++) {
    const base = h * n;
    for (let d = 0; d < length; d++) {
      // sum over flat index i of g[base + d bp + i] u[base + i], i < (L - d) bp
      let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
      const m = (length - d) * bp;
      const g0 = base + d * bp;
      for (let i = 0; i < m; i += 4) {
        a0 += gt[g0 + i] * ut[base + i]; a1 += gt[g0 + i + 1] * ut[base + i + 1];
        a2 += gt[g0 + i + 2] * ut[base + i + 2]; a3 += gt[g0 + i + 3] * ut[base + i + 3];
      }
      out[h * length + d] = a0 + a1 + a2 + a3;
    }
  }
  return out;
}

/**
 * The causal per-channel convolution y[b, t, h] = sum_{s <= t} K[h, t - s] u[b, s, h] by direct
 * summation in JavaScript (float64 accumulation, only the causal half: B H L(L+1)/2
 * multiply-adds), with a custom gradient made of the two adjoint sums
 *
 *   du[b, s, h] = sum_{t >= s} K[h, t - s] dy[b, t, h],   dK[h, d] = sum_b sum_{t >= d} dy[b, t, h] u[b, t - d, h].
 *
 * Reads its inputs with `dataSync` (synchronous; cheap on the wasm and cpu backends, a GPU
 * read-back elsewhere). Exact up to float32 rounding of the results.
 */
export function causalConvolutionDirect(u: tf.Tensor3D, k: tf.Tensor2D): tf.Tensor3D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [batch, length, channels] = x.shape as [number, number, number];
    const value = tf.tensor3d(convolve(x.dataSync() as Float32Array, kernel.dataSync() as Float32Array, batch, length, channels, false), [batch, length, channels]);
    save([x, kernel]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ks] = saved;
      const g = dy.dataSync() as Float32Array;
      const dx = tf.tensor3d(convolve(g, ks.dataSync() as Float32Array, batch, length, channels, true), [batch, length, channels]);
      const dk = tf.tensor2d(kernelGradient(xs.dataSync() as Float32Array, g, batch, length, channels), [channels, length]);
      return [dx, dk];
    };
    return { value, gradFunc };
  });
  return f(u, k) as tf.Tensor3D;
}
