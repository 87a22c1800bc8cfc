import * as tf from '@tensorflow/tfjs-core';
import type { InvertibleResidual } from '../../layers/InvertibleResidual.js';
import { fixedPointErrorBound, type FixedPointStage } from './banachBound.js';
import { distance, forward64, inverse64, readBlock64 } from './float64Blocks.js';
import { readValues } from '../../util/readValues.js';

/**
 * Assumed relative rounding of one float32 evaluation of x +- g(x) (64 float32 ulps, 2^-18):
 * the allowance added to the exact-arithmetic bound for lipkit's float32 inverse. Not certified
 * (the wasm backend's exp, inside elu, has no documented accuracy).
 */
export const FLOAT32_ROUNDING = 2 ** -18;
/** The same for the float64 mirror (512 float64 ulps, 2^-44). */
export const FLOAT64_ROUNDING = 2 ** -44;

/** Summary over the points of one reconstruction experiment. */
export interface ErrorStats {
  median: number;
  max: number;
}

/** Reconstruction errors ||x - F^{-1}(F(x))|| after `iterations` fixed-point updates per block. */
export interface InverseMeasurement {
  iterations: number;
  /** lipkit's `InvertibleResidual.inverse` (float32, the backend's arithmetic). */
  float32: ErrorStats;
  /** The same iteration on the float64 mirror of the blocks. */
  float64: ErrorStats;
  /** Exact-arithmetic Banach bound (certified q, first steps of the float64 run). */
  banach: ErrorStats;
  /** Banach bound plus the float32 rounding allowance, per point, for the float32 errors. */
  bound32: ErrorStats;
  /**
   * A-posteriori bound ||x_hat - x|| <= ||F(x_hat) - F(x)|| prod_k 1 / (1 - q_k) with F evaluated
   * on the float64 mirror (plus a 2^-44 allowance): CERTIFIED for lipkit's float32 result, since
   * x_hat is just a point and F^-1 is prod 1 / (1 - q_k)-Lipschitz.
   */
  posterior32: ErrorStats;
  /** The same for the float64 mirror's result. */
  posterior64: ErrorStats;
  /** Largest measured / a-priori bound over the points (<= 1: the bound held at every point). */
  worstRatio32: number;
  worstRatio64: number;
  /** Largest measured / a-posteriori bound over the points. */
  worstPosterior32: number;
  worstPosterior64: number;
}

const stats = (v: number[]): ErrorStats => {
  const s = [...v].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
};

function rowNorms(t: tf.Tensor): Float32Array {
  return readValues(() => tf.norm(t, 'euclidean', 1));
}

/**
 * Reconstruction error of the blockwise fixed-point inverse of F = G_K o ... o G_1 at the points
 * `x` ([n, d]) for each iteration count: float32 through lipkit's `inverse` (tolerance 0, exactly
 * `iterations` updates per block), float64 on the mirror, against `fixedPointErrorBound` per
 * point with the certified q of each block (float64 bound: exact Banach + 2^-44 allowance; float32
 * bound: Banach at the float32 first steps + 2^-18 allowance for each update and for the forward
 * pass), and against the a-posteriori bound ||F(x_hat) - F(x)|| prod 1 / (1 - q_k) (float64).
 * Disposes what it creates.
 */
export function measureInverse(blocks: InvertibleResidual[], x: tf.Tensor2D, iterationCounts: readonly number[]): { q: number[]; results: InverseMeasurement[] } {
  const mirrors = blocks.map(readBlock64);
  const q = mirrors.map((b) => b.lipG);
  const n = x.shape[0];
  const xs = x.arraySync().map((row) => Float64Array.from(row));
  // Float32 forward pass, keeping each block's input and residual magnitude for the rounding allowance.
  const hs: tf.Tensor2D[] = [tf.clone(x)];
  for (const b of blocks) hs.push(tf.tidy(() => b.apply(hs[hs.length - 1]) as tf.Tensor2D));
  const forwardError = new Float64Array(n);
  blocks.forEach((_, k) => {
    const hNorm = rowNorms(hs[k]);
    const gNorm = readValues(() => tf.norm(tf.sub(hs[k + 1], hs[k]), 'euclidean', 1));
    for (let i = 0; i < n; i++) forwardError[i] = forwardError[i] * (1 + q[k]) + FLOAT32_ROUNDING * (hNorm[i] + gNorm[i]);
  });
  const z64 = xs.map((p) => forward64(mirrors, p));
  const inverseLip = q.reduce((p, v) => p / (1 - v), 1);
  const results = iterationCounts.map((iterations): InverseMeasurement => {
    let zHat = tf.clone(hs[blocks.length]) as tf.Tensor2D;
    const stages32: FixedPointStage[][] = Array.from({ length: n }, () => []);
    for (let k = blocks.length - 1; k >= 0; k--) {
      const zNorm = rowNorms(zHat);
      const first = readValues(() => tf.norm(blocks[k].g(zHat), 'euclidean', 1));
      for (let i = 0; i < n; i++) {
        const s = first[i] * (1 + FLOAT32_ROUNDING) + FLOAT32_ROUNDING * zNorm[i];
        stages32[i].push({ contraction: q[k], firstStep: s, stepError: FLOAT32_ROUNDING * (zNorm[i] + s / (1 - q[k])) });
      }
      const r = blocks[k].inverse(zHat, { iterations, tolerance: 0 });
      zHat.dispose();
      zHat = r.x as tf.Tensor2D;
    }
    const rec = zHat.arraySync();
    zHat.dispose();
    const e32: number[] = [];
    const e64: number[] = [];
    const banach: number[] = [];
    const b32: number[] = [];
    const post32: number[] = [];
    const post64: number[] = [];
    let worst32 = 0;
    let worst64 = 0;
    let worstPost32 = 0;
    let worstPost64 = 0;
    for (let i = 0; i < n; i++) {
      e32.push(distance(rec[i], xs[i]));
      const inv = inverse64(mirrors, z64[i], iterations);
      e64.push(distance(inv.x, xs[i]));
      const exact = inv.firstSteps.map((s, j) => ({ contraction: q[blocks.length - 1 - j], firstStep: s }));
      banach.push(fixedPointErrorBound(exact, iterations));
      const scale = Math.max(distance(xs[i]), distance(z64[i]));
      const with64 = exact.map((st) => ({ ...st, stepError: FLOAT64_ROUNDING * (scale + st.firstStep / (1 - st.contraction)) }));
      const bound64 = fixedPointErrorBound(with64, iterations, FLOAT64_ROUNDING * scale * blocks.length * 2 ** blocks.length);
      b32.push(fixedPointErrorBound(stages32[i], iterations, forwardError[i]));
      worst32 = Math.max(worst32, e32[i] / b32[i]);
      worst64 = Math.max(worst64, e64[i] / bound64);
      // A posteriori: the residual in F (float64 mirror) times Lip(F^-1) <= prod 1 / (1 - q_k).
      const slack = FLOAT64_ROUNDING * scale * blocks.length * 2 ** blocks.length;
      post32.push((distance(forward64(mirrors, Float64Array.from(rec[i])), z64[i]) + slack) * inverseLip);
      post64.push((distance(forward64(mirrors, inv.x), z64[i]) + slack) * inverseLip);
      worstPost32 = Math.max(worstPost32, e32[i] / post32[i]);
      worstPost64 = Math.max(worstPost64, e64[i] / post64[i]);
    }
    return {
      iterations, float32: stats(e32), float64: stats(e64), banach: stats(banach), bound32: stats(b32),
      posterior32: stats(post32), posterior64: stats(post64),
      worstRatio32: worst32, worstRatio64: worst64, worstPosterior32: worstPost32, worstPosterior64: worstPost64,
    };
  });
  tf.dispose(hs);
  return { q, results };
}
