import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { spectralNormUpperBound } from '../../estimate/spectralNormUpperBound.js';
import type { InvertibleResidual } from '../../layers/InvertibleResidual.js';

/** An i-ResNet block read out in float64: g = W_L o act o ... o act o W_1 with biases. */
export interface Block64 {
  /** Normalized kernels W_i / max(1, sigma_i / coeff) as the layer uses them at inference, row-major [in, out]. */
  kernels: { data: Float64Array; rows: number; cols: number }[];
  biases: Float64Array[];
  activation: (v: number) => number;
  /** CERTIFIED Lip(g) <= product of certified kernel norms x Lip(act)^(L-1) (the contraction rate q of the inverse). */
  lipG: number;
}

const ACTIVATIONS: Record<string, (v: number) => number> = {
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  relu: (v) => (v > 0 ? v : 0),
  tanh: (v) => Math.tanh(v),
  linear: (v) => v,
};

/**
 * Reads a built `InvertibleResidual` into float64: its normalized kernels (the stored power
 * estimates, as at inference), biases, activation, and the certified Lip(g) (each kernel norm by
 * `spectralNormUpperBound`, the same rule as `lipschitzBound`). A float64 mirror of the layer for
 * checking the fixed-point theory without float32 rounding. Activations: elu, relu, tanh, linear.
 */
export function readBlock64(block: InvertibleResidual): Block64 {
  const activation = ACTIVATIONS[block.activation];
  if (activation === undefined) throw new LipkitError('block', `activation '${block.activation}' has no float64 mirror (elu, relu, tanh, linear)`);
  const ws = block.effectiveKernels();
  const kernels = ws.map((w) => ({ data: Float64Array.from(w.dataSync()), rows: w.shape[0], cols: w.shape[1] }));
  tf.dispose(ws);
  const biases = kernels.map((_, i) => {
    const b = block.trainableWeights.find((v) => v.originalName.endsWith(`/bias_${i}`) || v.name.endsWith(`/bias_${i}`));
    if (b === undefined) throw new LipkitError('block', `bias_${i} not found`);
    return Float64Array.from(b.read().dataSync());
  });
  let lipG = Math.pow(block.activationLipschitz, kernels.length - 1);
  for (const k of kernels) lipG *= spectralNormUpperBound(k).upperBound;
  return { kernels, biases, activation, lipG };
}

/** g(x) of one point in float64. */
export function g64(block: Block64, x: Float64Array): Float64Array {
  let h = x;
  block.kernels.forEach(({ data, rows, cols }, l) => {
    if (h.length !== rows) throw new LipkitError('x', `has ${h.length} entries, the kernel expects ${rows}`);
    const out = Float64Array.from(block.biases[l]);
    for (let i = 0; i < rows; i++) {
      const hi = h[i];
      for (let j = 0; j < cols; j++) out[j] += hi * data[i * cols + j];
    }
    if (l + 1 < block.kernels.length) for (let j = 0; j < cols; j++) out[j] = block.activation(out[j]);
    h = out;
  });
  return h;
}

/** Euclidean norm of a - b (b omitted: of a). */
export function distance(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - (b === undefined ? 0 : b[i])) ** 2;
  return Math.sqrt(s);
}

/** F(x) = G_K o ... o G_1 (x), G_k(x) = x + g_k(x), one point in float64. */
export function forward64(blocks: Block64[], x: Float64Array): Float64Array {
  return blocks.reduce((h, b) => { const g = g64(b, h); return h.map((v, i) => v + g[i]); }, x);
}

/** Result of a float64 blockwise fixed-point inverse of one point. */
export interface Inverse64 {
  x: Float64Array;
  /** Per block, in the order inverted (last block first): the first step ||g_k(z_hat_k)|| of its iteration. */
  firstSteps: number[];
}

/**
 * F^{-1}(z) by `iterations` fixed-point updates x <- z_k - g_k(x) per block, starting at x = z_k,
 * from the last block to the first (i-ResNet), in float64.
 */
export function inverse64(blocks: Block64[], z: Float64Array, iterations: number): Inverse64 {
  const firstSteps: number[] = [];
  let target = z;
  for (let k = blocks.length - 1; k >= 0; k--) {
    let x = target;
    for (let it = 0; it < iterations; it++) {
      const g = g64(blocks[k], x);
      if (it === 0) firstSteps.push(distance(g));
      x = target.map((v, i) => v - g[i]);
    }
    if (iterations === 0) firstSteps.push(distance(g64(blocks[k], x)));
    target = x;
  }
  return { x: target, firstSteps };
}
