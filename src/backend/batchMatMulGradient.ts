import * as tf from '@tensorflow/tfjs-core';
import { unbroadcast } from './constantMask.js';
import { replaceGradient, restoreGradient } from './registry.js';

/**
 * The BatchMatMul gradient with broadcast batch dimensions. TF.js 4.22 supports
 * `tf.matMul(a [k, m, n], b [n, p])` (and [1, m, n] x [k, n, p]) in the forward
 * pass, but its gradient returns the un-reduced [k, ...] gradient for the
 * broadcast operand and fails with "The gradient of input 'b' has shape ...".
 * Same formulas as TF.js (C = op(A) op(B), G = dL/dC):
 *
 *   dA = G op(B)^T (transposed back if tA),  dB = op(A)^T G (transposed back if tB),
 *
 * summed over the batch axes along which the operand was broadcast. Exact.
 */
const batchMatMulGrad: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b], attrs) => {
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const g = dy as tf.Tensor;
    let da: () => tf.Tensor;
    let db: () => tf.Tensor;
    if (!transposeA && !transposeB) {
      da = () => tf.matMul(g, b, false, true);
      db = () => tf.matMul(a, g, true, false);
    } else if (!transposeA && transposeB) {
      da = () => tf.matMul(g, b, false, false);
      db = () => tf.matMul(g, a, true, false);
    } else if (transposeA && !transposeB) {
      da = () => tf.matMul(b, g, false, true);
      db = () => tf.matMul(a, g, false, false);
    } else {
      da = () => tf.matMul(b, g, true, true);
      db = () => tf.matMul(g, a, true, true);
    }
    return { a: () => unbroadcast(da(), a.shape), b: () => unbroadcast(db(), b.shape) };
  },
};

/** Registers the broadcast-aware BatchMatMul gradient (idempotent). */
export function installBatchMatMulGradient(): void {
  replaceGradient(batchMatMulGrad);
}

/** Restores TF.js's own BatchMatMul gradient. */
export function uninstallBatchMatMulGradient(): void {
  restoreGradient(tf.BatchMatMul);
}
