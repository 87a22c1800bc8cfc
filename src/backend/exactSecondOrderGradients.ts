import type * as tf from '@tensorflow/tfjs-core';
import { maskedGradients } from './maskedGradients.js';
import { replaceGradient, restoreGradient } from './registry.js';
import { smoothGradients } from './smoothGradients.js';

/**
 * The exact higher-order gradient fix. TF.js 4.22 gradients that (a) reuse the
 * op's saved output (Tanh, Sigmoid, Exp, Elu, Pow, Softmax, LogSoftmax) or (b)
 * build 0/1 masks with comparison ops on the tape (LeakyRelu, Prelu, Relu6, Selu,
 * ClipByValue, Max, Min, Maximum, Minimum) cannot be differentiated twice: the
 * second differentiation throws or silently drops terms (gradient penalties come
 * out wrong). The replacements (see `smoothGradients.ts`, `maskedGradients.ts`)
 * recompute from saved inputs and compute masks off the tape, so `tf.grad(tf.grad(f))`
 * is exact (closed-form derivatives, float32 rounding only).
 *
 * Already exact in TF.js and left alone: Relu, Softplus (via sigmoid), Erf (gelu),
 * Log, Log1p, Sqrt, Rsqrt, Reciprocal, Square, Sin, Cos, MatMul, Conv2D.
 * Not fixable here: op-level `customGrad`s that save outputs (`tf.logSoftmax`,
 * `tf.losses.softmaxCrossEntropy`), MaxPool and LRN.
 */
const EXACT: readonly tf.GradConfig[] = [...smoothGradients, ...maskedGradients];

/** The kernels whose gradients `installExactSecondOrderGradients` replaces. */
export const EXACT_GRADIENT_KERNELS: readonly string[] = EXACT.map((g) => g.kernelName);

/** Registers the exact higher-order gradients (idempotent, no "overriding" warning). */
export function installExactSecondOrderGradients(): void {
  for (const g of EXACT) replaceGradient(g);
}

/** Restores TF.js's own gradients for `EXACT_GRADIENT_KERNELS`. */
export function uninstallExactSecondOrderGradients(): void {
  for (const name of EXACT_GRADIENT_KERNELS) restoreGradient(name);
}
