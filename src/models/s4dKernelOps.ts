import * as tf from '@tensorflow/tfjs-core';
import type { S4DParameters } from './s4dKernel.js';

/**
 * The S4D convolution kernel [H, L] of `s4dKernel` built from differentiable tensor ops (complex
 * numbers as pairs of real tensors; exp(dt A l) for l = q c + r as exp(dt A q c) exp(dt A r),
 * c = ceil(sqrt(L)), so only H P (c + L/c) sines and cosines), so that it can be differentiated to
 * any order. `s4dKernel` computes the same kernel in float64 JavaScript and uses this graph only
 * for gradients of its gradient (gradient penalties). Exact up to float32 rounding (the phases
 * dt Im(A) l are rounded to float32).
 */
export function s4dKernelOps(params: S4DParameters<tf.Tensor>, length: number): tf.Tensor2D {
  const l = length;
  return tf.tidy(() => {
    const h = params.logDt.shape[0];
    const dt = tf.reshape(tf.exp(params.logDt), [h, 1]);
    const ar = tf.neg(tf.exp(params.logAReal)); // [H, P]
    const ai = params.aImag;
    const dtAr = tf.mul(ar, dt);
    const dtAi = tf.mul(ai, dt);
    // exp(dt A) - 1
    const decay = tf.exp(dtAr);
    const numR = tf.sub(tf.mul(decay, tf.cos(dtAi)), 1);
    const numI = tf.mul(decay, tf.sin(dtAi));
    // divide by A: num * conj(A) / |A|^2
    const abs2 = tf.add(tf.square(ar), tf.square(ai));
    const bR = tf.div(tf.add(tf.mul(numR, ar), tf.mul(numI, ai)), abs2);
    const bI = tf.div(tf.sub(tf.mul(numI, ar), tf.mul(numR, ai)), abs2);
    // C Bbar
    const cbR = tf.sub(tf.mul(params.cReal, bR), tf.mul(params.cImag, bI));
    const cbI = tf.add(tf.mul(params.cReal, bI), tf.mul(params.cImag, bR));
    // exp(dt A l) for l = q c + r (c = ceil(sqrt(L)), r < c, q < ceil(L / c)) as
    // exp(dt A q c) exp(dt A r): only H P (c + L/c) cosines and sines instead of H P L
    // (they dominated a training step), then 2 Re(sum_n cb_n exp(dt A_n q c) exp(dt A_n r)) as
    // batched [H, Q, P] x [H, P, c] products.
    const p = ar.shape[1] as number;
    const c = Math.ceil(Math.sqrt(l));
    const q = Math.ceil(l / c);
    const powers = (count: number, stride: number): [tf.Tensor, tf.Tensor] => {
      const steps = tf.reshape(tf.range(0, count * stride, stride, 'float32'), [1, 1, count]);
      const mag = tf.exp(tf.mul(tf.reshape(dtAr, [h, p, 1]), steps));
      const phase = tf.mul(tf.reshape(dtAi, [h, p, 1]), steps);
      return [tf.mul(mag, tf.cos(phase)), tf.mul(mag, tf.sin(phase))]; // [H, P, count]
    };
    const [fineR, fineI] = powers(c, 1);
    const [coarseR, coarseI] = powers(q, c);
    // g = cb * exp(dt A q c): [H, P, Q], transposed to [H, Q, P]
    const cbR3 = tf.reshape(cbR, [h, p, 1]);
    const cbI3 = tf.reshape(cbI, [h, p, 1]);
    const gR = tf.transpose(tf.sub(tf.mul(cbR3, coarseR), tf.mul(cbI3, coarseI)), [0, 2, 1]);
    const gI = tf.transpose(tf.add(tf.mul(cbR3, coarseI), tf.mul(cbI3, coarseR)), [0, 2, 1]);
    const k = tf.sub(tf.matMul(gR, fineR), tf.matMul(gI, fineI)); // [H, Q, c]
    return tf.slice(tf.reshape(tf.mul(k, 2), [h, q * c]), [0, 0], [h, l]) as tf.Tensor2D;
  });
}
