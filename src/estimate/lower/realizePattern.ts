import type { LayerChain } from '../global/chainTypes.js';
import { jacobianTimes, lowSlopes, norm, preActivations, transposeTimes, type Pattern } from './chainPatterns.js';

/** Relative pair step of the pattern search: pairs x -/+ (PAIR_STEP / 2) ||x|| v (twice the smallest step `realizedQuotients` accepts). */
export const PAIR_STEP = 0.02;

/** Options of `realizePattern`. */
export interface RealizeOptions {
  /** Per hidden unit weights of its constraint (e.g. its gain for the singular value); default 1. */
  weights?: Float64Array[];
  /** Subgradient iterations. Default 100. */
  iterations?: number;
  /** Floor of ||x|| for the pair step (inputs near 0). */
  floor: number;
}

/**
 * Searches for an input x whose linear region has the target pattern D with room for the pair
 * x -/+ (h / 2) v, h = PAIR_STEP max(||x||, floor): every hidden unit with target slope 1 needs
 * z(x) >= (h / 2) |a . v| and every other unit z(x) <= -(h / 2) |a . v|, where z = a . x + c is its
 * pre-activation on the target region (affine in x there). The system is solved by Polyak
 * subgradient steps on the weighted hinge loss sum w max(0, need - s z) (zero exactly when x is
 * feasible), starting from `start`, until feasible, `iterations`, or 15 steps without 1 % progress.
 * Returns the point with the smallest loss seen; the caller reads
 * the pattern x really has (an unrealizable target gives a point in some other region).
 */
export function realizePattern(
  chain: LayerChain, target: Pattern, v: Float64Array, start: Float64Array, options: RealizeOptions,
): { x: Float64Array; loss: number; iterations: number } {
  const { weights, iterations = 100, floor } = options;
  const lo = lowSlopes(chain);
  const fwd = jacobianTimes(chain, target, v).fwd;
  const hidden = chain.linears.length - 1;
  if (hidden === 0) return { x: Float64Array.from(start), loss: 0, iterations: 0 }; // affine: one region
  let x = Float64Array.from(start);
  let best = { x, loss: Infinity };
  let it = 0;
  let stalled = 0;
  for (; it < iterations; it++) {
    const nx = norm(x);
    const half = (PAIR_STEP / 2) * Math.max(nx, floor);
    const { z } = preActivations(chain, x, target);
    let loss = 0;
    let radial = 0; // d loss / d ||x|| (through the step h)
    const c: Float64Array[] = [];
    for (let k = 0; k < hidden; k++) {
      const ck = new Float64Array(z[k].length);
      if (lo[k] !== 1) {
        for (let i = 0; i < ck.length; i++) {
          const s = target[k][i] === 1 ? 1 : -1;
          const w = weights ? weights[k][i] : 1;
          const a = Math.abs(fwd[k][i]);
          const viol = half * a * 1.01 - s * z[k][i];
          if (viol > 0) {
            loss += w * viol;
            ck[i] = -w * s;
            if (nx > floor) radial += w * (PAIR_STEP / 2) * a * 1.01;
          }
        }
      }
      c.push(ck);
    }
    if (loss < best.loss) {
      if (loss < 0.99 * best.loss) stalled = 0;
      best = { x, loss };
    }
    if (loss === 0 || ++stalled > 15) break; // feasible, or no 1 % progress in 15 steps
    // Gradient of the loss: sum over layers of W_1^T D_1 ... W_k^T c_k, plus the radial term.
    let g = c[hidden - 1];
    for (let k = hidden - 1; k >= 1; k--) {
      const back = transposeTimes(chain, k, g);
      g = back.map((e, i) => e * target[k - 1][i] + c[k - 1][i]);
    }
    const gx = transposeTimes(chain, 0, g);
    if (radial > 0) for (let j = 0; j < gx.length; j++) gx[j] += (radial * x[j]) / nx;
    const g2 = gx.reduce((s, e) => s + e * e, 0);
    if (!(g2 > 0)) break;
    const step = loss / g2;
    x = x.map((e, j) => e - step * gx[j]);
  }
  return { x: best.x, loss: best.loss, iterations: it };
}
