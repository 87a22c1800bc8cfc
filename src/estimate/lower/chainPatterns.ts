import type { LayerChain } from '../global/chainTypes.js';

/**
 * Activation patterns of a piecewise-linear layer chain `f(x) = W_m s(... s(W_1 x + b_1) ...) + b_m`
 * (ReLU / leaky ReLU / linear, one kink at 0): on the linear region with pattern D the map is
 * affine with Jacobian `J_D = W_m D_{m-1} W_{m-1} ... D_1 W_1`, D_k = diag of the slopes
 * (1 right of the kink, the negative slope left of it). All arithmetic in float64; these are
 * search tools, never bounds by themselves.
 */

/** One slope vector per hidden layer (values: 1 or the layer's negative slope). */
export type Pattern = Float64Array[];

/** The negative slope of each hidden layer (throws nothing: callers check `patternChainReason` first). */
export function lowSlopes(chain: LayerChain): number[] {
  return chain.activations.map((a) => a.negativeSlope ?? 0);
}

/** Why the chain is not one the pattern search works on, or null when it is. */
export function patternChainReason(chain: LayerChain): string | null {
  if (chain.postFactor !== 1) return 'the model ends in a nonlinearity (softmax / final activation)';
  const bad = chain.activations.find((a) => a.negativeSlope === null || a.negativeSlope > 1 || a.negativeSlope < -1);
  return bad ? `activation '${bad.name}' is not piecewise linear with one kink` : null;
}

/** Pre-activations z_k of every hidden layer at x, and the realized pattern, with `masks` forcing the slopes when given. */
export function preActivations(chain: LayerChain, x: Float64Array, masks?: Pattern): { z: Float64Array[]; pattern: Pattern } {
  const lo = lowSlopes(chain);
  const z: Float64Array[] = [];
  const pattern: Pattern = [];
  let h = x;
  for (let k = 0; k < chain.linears.length - 1; k++) {
    const zk = affine(chain, k, h, true);
    const d = masks ? masks[k] : zk.map((v) => (v > 0 ? 1 : lo[k]));
    z.push(zk);
    pattern.push(d);
    h = zk.map((v, i) => v * d[i]);
  }
  return { z, pattern };
}

/** The chain map at x in float64. */
export function chainValue(chain: LayerChain, x: Float64Array): Float64Array {
  const lo = lowSlopes(chain);
  let h = x;
  for (let k = 0; k < chain.linears.length; k++) {
    const z = affine(chain, k, h, true);
    h = k < chain.linears.length - 1 ? z.map((v) => (v > 0 ? v : lo[k] * v)) : z;
  }
  return h;
}

/** J_D v, and the pre-activation direction W_k D_{k-1} ... W_1 v at every hidden layer (`fwd`). */
export function jacobianTimes(chain: LayerChain, d: Pattern, v: Float64Array): { value: Float64Array; fwd: Float64Array[] } {
  const fwd: Float64Array[] = [];
  let h = v;
  for (let k = 0; k < chain.linears.length; k++) {
    const z = affine(chain, k, h, false);
    if (k < chain.linears.length - 1) {
      fwd.push(z);
      h = z.map((e, i) => e * d[k][i]);
    } else h = z;
  }
  return { value: h, fwd };
}

/** J_D^T u, and at every hidden layer the gradient of <u, J_D v> with respect to its activation output (`back`). */
export function jacobianTransposeTimes(chain: LayerChain, d: Pattern, u: Float64Array): { value: Float64Array; back: Float64Array[] } {
  const m = chain.linears.length;
  const back: Float64Array[] = new Array<Float64Array>(m - 1);
  let g = u;
  for (let k = m - 1; k >= 0; k--) {
    g = transposeTimes(chain, k, g);
    if (k > 0) {
      back[k - 1] = g;
      g = g.map((e, i) => e * d[k - 1][i]);
    }
  }
  return { value: g, back };
}

/**
 * Top singular value and vectors of J_D by power iteration on J_D^T J_D from `start` (an ESTIMATE
 * from below, converged to relative change `tolerance` or `iterations`).
 */
export function topSingular(
  chain: LayerChain, d: Pattern, start: Float64Array, iterations = 60, tolerance = 1e-10,
): { sigma: number; u: Float64Array; v: Float64Array } {
  let v = normalized(start);
  let sigma = 0;
  let u = new Float64Array(chain.linears[chain.linears.length - 1].rows);
  for (let it = 0; it < iterations; it++) {
    const jv = jacobianTimes(chain, d, v).value;
    const s = norm(jv);
    if (s === 0) return { sigma: 0, u, v };
    u = jv.map((e) => e / s);
    const next = jacobianTransposeTimes(chain, d, u).value;
    const t = norm(next);
    v = next.map((e) => e / t);
    const done = Math.abs(t - sigma) <= tolerance * t;
    sigma = t;
    if (done) break;
  }
  return { sigma, u, v };
}

/** W_k h (+ b_k when `bias`). */
function affine(chain: LayerChain, k: number, h: Float64Array, bias: boolean): Float64Array {
  const l = chain.linears[k];
  const z = new Float64Array(l.rows);
  for (let i = 0; i < l.rows; i++) {
    let s = bias ? l.bias[i] : 0;
    const o = i * l.cols;
    for (let j = 0; j < l.cols; j++) s += l.weight[o + j] * h[j];
    z[i] = s;
  }
  return z;
}

/** W_k^T g. */
export function transposeTimes(chain: LayerChain, k: number, g: Float64Array): Float64Array {
  const l = chain.linears[k];
  const y = new Float64Array(l.cols);
  for (let i = 0; i < l.rows; i++) {
    const gi = g[i];
    if (gi === 0) continue;
    const o = i * l.cols;
    for (let j = 0; j < l.cols; j++) y[j] += l.weight[o + j] * gi;
  }
  return y;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function normalized(a: Float64Array): Float64Array {
  const n = norm(a) || 1;
  return a.map((e) => e / n);
}
