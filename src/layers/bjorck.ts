import type * as tf from '@tensorflow/tfjs-core';
import { bjorckStep, oddPolynomialIteration, type OddStep } from '../optim/oddPolynomial.js';

/**
 * Björck–Bowie orthonormalization, first order (Björck & Bowie 1971; deel-lip, orthogonium):
 *
 *   W <- (1 + beta) W - beta W W^T W,
 *
 * `iterations` times. Each singular value s moves by s <- (1 + beta) s - beta s^3, which
 * converges to 1 for every 0 < s < sqrt((1 + beta) / beta) (sqrt(3) for beta 0.5): small s
 * grow by the factor 1 + beta per step, and near 1 the rate is quadratic at beta 0.5. The
 * singular vectors are kept (the limit is the polar factor). The Gram product is formed on
 * the smaller side (W^T W for tall W, W W^T for wide W). Differentiable
 * (matMuls only); no SVD. Callers scale W first so that its largest singular value is about 1.
 */
export function bjorck(w: tf.Tensor2D, iterations: number, beta: number): tf.Tensor2D {
  return oddPolynomialIteration(w, new Array<OddStep>(iterations).fill(bjorckStep(beta)));
}
