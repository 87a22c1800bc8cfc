import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { causalConvolutionDirect } from './causalConvolutionDirect.js';

/** How `causalConvolution` computes K * u. */
export type CausalConvolutionMethod = 'toeplitz' | 'toeplitzBroadcast' | 'depthwise' | 'direct';

const indexCache = new Map<number, Int32Array>();

/** Flat [L, L] gather indices of the upper-triangular Toeplitz matrix: U[i][j] = K[j - i] (j >= i), else index L (a zero). */
function toeplitzIndices(length: number): Int32Array {
  let idx = indexCache.get(length);
  if (idx === undefined) {
    idx = new Int32Array(length * length);
    for (let i = 0; i < length; i++) {
      for (let j = 0; j < length; j++) idx[i * length + j] = j >= i ? j - i : length;
    }
    if (indexCache.size > 16) indexCache.clear();
    indexCache.set(length, idx);
  }
  return idx;
}

/** Toeplitz view: y[h] = u[h] U[h] with U[h] the [L, L] upper-triangular Toeplitz matrix of K[h] (a gather), one batched matMul. */
function toeplitz(u: tf.Tensor3D, k: tf.Tensor2D): tf.Tensor3D {
  const [, length, channels] = u.shape;
  const kPad = tf.concat([k, tf.zeros([channels, 1])], 1);
  const idx = tf.tensor1d(toeplitzIndices(length), 'int32');
  const t = tf.reshape(tf.gather(kPad, idx, 1), [channels, length, length]);
  const uh = tf.transpose(u, [2, 0, 1]); // [H, B, L]
  const y = tf.matMul(uh, t); // [H, B, L]
  return tf.transpose(y, [1, 2, 0]) as tf.Tensor3D;
}

/** The same Toeplitz matrices without a gather: rows of [K, 0_L] broadcast, flattened and re-cut with row stride 2L-1 shift each row by one. */
function toeplitzBroadcast(u: tf.Tensor3D, k: tf.Tensor2D): tf.Tensor3D {
  const [, length, channels] = u.shape;
  const r = tf.concat([k, tf.zeros([channels, length])], 1); // [H, 2L]
  const rows = tf.mul(tf.reshape(r, [channels, 1, 2 * length]), tf.ones([1, length, 1])); // [H, L, 2L]
  const flat = tf.slice(tf.reshape(rows, [channels, 2 * length * length]), [0, 0], [channels, length * (2 * length - 1)]);
  const t = tf.slice(tf.reshape(flat, [channels, length, 2 * length - 1]), [0, 0, 0], [channels, length, length]);
  const y = tf.matMul(tf.transpose(u, [2, 0, 1]), t);
  return tf.transpose(y, [1, 2, 0]) as tf.Tensor3D;
}

/** Depthwise view: one depthwise 2-D convolution of width L (flipped kernel, left padding L-1), with a custom gradient made of depthwise convolutions (the wasm backend lacks their backprop kernels). */
function depthwise(u: tf.Tensor3D, k: tf.Tensor2D): tf.Tensor3D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [batch, length, channels] = x.shape as [number, number, number];
    const pad = (t: tf.Tensor, left: boolean): tf.Tensor =>
      tf.pad(t, [[0, 0], left ? [length - 1, 0] : [0, length - 1], [0, 0]]);
    const filter = tf.reshape(tf.reverse(tf.transpose(kernel), 0), [1, length, channels, 1]) as tf.Tensor4D;
    const xPad = tf.reshape(pad(x, true), [batch, 1, 2 * length - 1, channels]) as tf.Tensor4D;
    const value = tf.reshape(tf.depthwiseConv2d(xPad, filter, 1, 'valid'), [batch, length, channels]);
    save([x, kernel]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ks] = saved;
      const dyPad = tf.reshape(pad(dy, false), [batch, 1, 2 * length - 1, channels]) as tf.Tensor4D;
      const forward = tf.reshape(tf.transpose(ks), [1, length, channels, 1]) as tf.Tensor4D;
      const dx = tf.reshape(tf.depthwiseConv2d(dyPad, forward, 1, 'valid'), [batch, length, channels]);
      const uPad = tf.reshape(pad(xs, true), [1, batch, 2 * length - 1, channels]) as tf.Tensor4D;
      const dyFilter = tf.reshape(dy, [batch, length, channels, 1]) as tf.Tensor4D;
      const corr = tf.reshape(tf.depthwiseConv2d(uPad, dyFilter, 1, 'valid'), [length, channels]);
      return [dx, tf.transpose(tf.reverse(corr, 0))];
    };
    return { value, gradFunc };
  });
  return f(u, k) as tf.Tensor3D;
}

/**
 * Causal per-channel convolution y[b, t, h] = sum_{s <= t} K[h, t - s] u[b, s, h] of
 * u [batch, time, channels] with a kernel K [channels, time] as long as the sequence (the
 * convolution view of a linear time-invariant state space model; no FFT: the wasm backend has none).
 *
 * Methods, all exact and differentiable in u and K:
 * - 'direct' (default): float64 loops in JavaScript over the causal half only (B H L(L+1)/2
 *   multiply-adds), with a custom gradient made of the two adjoint sums (`causalConvolutionDirect`);
 *   reads u and K with `dataSync` (cheap on wasm and cpu; a GPU read-back on webgl/webgpu, where
 *   'depthwise' avoids it).
 * - 'depthwise': one depthwise 2-D convolution of width L (flipped kernel, left padding
 *   L-1) with a custom gradient made of two more depthwise convolutions (the wasm backend lacks
 *   the depthwise backprop kernels); memory O(B L H).
 * - 'toeplitz': gathers K into [H, L, L] triangular Toeplitz matrices, one batched matMul.
 * - 'toeplitzBroadcast': the same matrices built by broadcasting and re-slicing (no gather).
 *
 * Measured on wasm, forward + backward, median ms (bench/s4dConvolution.ts, 2 shared cores;
 * toeplitz / toeplitzBroadcast / depthwise / direct): batch 16, 32 channels, L = 64: 11 / 7.4 /
 * 7.7 / 4.1; L = 256: 116 / 77 / 106 / 36; L = 784: 1132 / 945 / 968 / 288; batch 4, 64
 * channels, L = 200 (a continuity-study step): 132 / 85 / 33 / 11; hence the default.
 */
export function causalConvolution(u: tf.Tensor3D, k: tf.Tensor2D, method: CausalConvolutionMethod = 'direct'): tf.Tensor3D {
  if (u.rank !== 3) throw new LipkitError('u', `must have shape [batch, time, channels], got [${u.shape.join(', ')}]`);
  if (k.rank !== 2 || k.shape[0] !== u.shape[2] || k.shape[1] !== u.shape[1]) {
    throw new LipkitError('k', `must have shape [channels, time] = [${u.shape[2]}, ${u.shape[1]}], got [${k.shape.join(', ')}]`);
  }
  const impl = { toeplitz, toeplitzBroadcast, depthwise, direct: causalConvolutionDirect }[method];
  if (impl === undefined) throw new LipkitError('method', `must be 'toeplitz', 'toeplitzBroadcast', 'depthwise' or 'direct', got ${String(method)}`);
  return tf.tidy(() => impl(u, k));
}
