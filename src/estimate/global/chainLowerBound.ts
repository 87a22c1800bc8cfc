import { LipkitError } from '../../util/errors.js';
import { mulberry32 } from '../../util/random.js';
import type { LayerChain } from './chainTypes.js';
import { topEigen } from '../linalg64.js';

/** Options of `chainLowerBound`. */
export interface ChainLowerBoundOptions {
  /** Random starting points (normal, standard deviation `scale` times 0.3, 1, 3, 10 in turn). Default 64. */
  samples?: number;
  /** Standard deviation of the starting points. Default 1. */
  scale?: number;
  /** Hill-climbing moves between linear regions. Default 400. */
  moves?: number;
  /** Extra starting points (e.g. the exact method's argmax region). */
  starts?: number[][];
  /** Seed. Default 0. */
  seed?: number;
}

/** A realized lower bound and the pair that realizes it. */
export interface ChainLowerBound {
  /** max ||f(x) - f(y)|| / ||x - y|| over the pairs tried: a lower bound on the true constant (never above it). */
  lowerBound: number;
  x: number[];
  y: number[];
}

/**
 * An empirical LOWER bound for a piecewise-linear (or any) layer chain: Jacobian norms guide the
 * search, but the number reported is a realized difference quotient ||f(x) - f(y)|| / ||x - y|| of the
 * chain map evaluated in float64 (the model in exact arithmetic with its float32 weights), with
 * y = x + h v, v the top right singular vector of the Jacobian at x. The search hill-climbs between
 * linear regions: from the best point so far it tries random moves of shrinking size and keeps those
 * whose region Jacobian has a larger norm (the activation pattern D in W_m D ... D W_1 is only a guide).
 */
export function chainLowerBound(chain: LayerChain, options: ChainLowerBoundOptions = {}): ChainLowerBound {
  const { samples = 64, scale = 1, moves = 400, starts = [], seed = 0 } = options;
  if (chain.postFactor !== 1) throw new LipkitError('chain', 'ends in a nonlinearity (softmax / final activation): only logits chains are supported');
  const bad = chain.activations.find((a) => a.negativeSlope === null);
  if (bad) throw new LipkitError('chain', `activation ${bad.name} is not piecewise linear`);
  const gen = mulberry32(seed);
  const uni = (): number => gen() / 4294967296;
  const rnd = (): number => Math.sqrt(-2 * Math.log(uni() + 1e-300)) * Math.cos(2 * Math.PI * uni());
  const n = chain.inputDim;
  let best = { norm: -1, x: new Array<number>(n).fill(0) };
  const consider = (x: number[]): number => {
    const norm = jacobianTop(chain, x).norm;
    if (norm > best.norm) best = { norm, x };
    return norm;
  };
  for (const s of starts) consider(s);
  const spread = [0.3, 1, 3, 10];
  for (let i = 0; i < samples; i++) consider(Array.from({ length: n }, () => rnd() * scale * spread[i % spread.length]));
  let step = scale * 0.5;
  for (let i = 0; i < moves; i++) {
    const x = best.x.map((v) => v + rnd() * step);
    const before = best.norm;
    consider(x);
    if (best.norm <= before) step = Math.max(step * 0.97, scale * 1e-4);
  }
  // Realize the guide: difference quotients along the top singular direction, several step sizes.
  let out: ChainLowerBound = { lowerBound: 0, x: best.x, y: best.x };
  const { v } = jacobianTop(chain, best.x);
  for (const h of [1e-6, 1e-5, 1e-4, 1e-3, 1e-2].map((e) => e * Math.max(1, Math.hypot(...best.x)))) {
    const y = best.x.map((xi, j) => xi + h * v[j]);
    const fx = forward(chain, best.x);
    const fy = forward(chain, y);
    let num = 0;
    for (let j = 0; j < fx.length; j++) num += (fy[j] - fx[j]) ** 2;
    let den = 0;
    for (let j = 0; j < n; j++) den += (y[j] - best.x[j]) ** 2;
    // Rounded down by a generous bound on the float64 error of the two forward passes
    // (1e-13 relative per output), so cancellation never inflates the quotient.
    let fmag = 0;
    for (let j = 0; j < fx.length; j++) fmag += Math.abs(fx[j]) + Math.abs(fy[j]);
    const q = Math.max(0, Math.sqrt(num) - 1e-13 * (fmag + 1)) / Math.sqrt(den);
    if (q > out.lowerBound) out = { lowerBound: q, x: best.x, y };
  }
  return out;
}

function activation(chain: LayerChain, k: number, z: number): { value: number; slope: number } {
  const a = chain.activations[k];
  const s = a.negativeSlope ?? 0;
  return z > 0 ? { value: z, slope: 1 } : { value: s * z, slope: s };
}

/** The chain map in float64 (piecewise-linear activations). */
export function forward(chain: LayerChain, x: number[]): number[] {
  let h = x;
  chain.linears.forEach((l, k) => {
    const z = new Array<number>(l.rows);
    for (let i = 0; i < l.rows; i++) {
      let s = l.bias[i];
      for (let j = 0; j < l.cols; j++) s += l.weight[i * l.cols + j] * h[j];
      z[i] = k < chain.linears.length - 1 ? activation(chain, k, s).value : s;
    }
    h = z;
  });
  return h;
}

/** The Jacobian at x (region Jacobian W_m D ... D W_1, built from the output side) and its top right singular vector. */
function jacobianTop(chain: LayerChain, x: number[]): { norm: number; v: Float64Array } {
  const m = chain.linears.length;
  const slopes: Float64Array[] = [];
  let h = x;
  for (let k = 0; k < m - 1; k++) {
    const l = chain.linears[k];
    const d = new Float64Array(l.rows);
    const hz = new Array<number>(l.rows);
    for (let i = 0; i < l.rows; i++) {
      let s = l.bias[i];
      for (let j = 0; j < l.cols; j++) s += l.weight[i * l.cols + j] * h[j];
      const a = activation(chain, k, s);
      hz[i] = a.value;
      d[i] = a.slope;
    }
    slopes.push(d);
    h = hz;
  }
  const out = chain.linears[m - 1];
  let r = Float64Array.from(out.weight); // out.rows x n_{m-1}
  let cols = out.cols;
  for (let k = m - 2; k >= 0; k--) {
    const l = chain.linears[k];
    const next = new Float64Array(out.rows * l.cols);
    for (let a = 0; a < out.rows; a++) {
      for (let i = 0; i < l.rows; i++) {
        const c = r[a * cols + i] * slopes[k][i];
        if (c === 0) continue;
        for (let j = 0; j < l.cols; j++) next[a * l.cols + j] += c * l.weight[i * l.cols + j];
      }
    }
    r = next;
    cols = l.cols;
  }
  const p = out.rows;
  const g = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) { let s = 0; for (let j = 0; j < cols; j++) s += r[a * cols + j] * r[b * cols + j]; g[a * p + b] = s; }
  const top = topEigen(g, p);
  const norm = Math.sqrt(Math.max(0, top.value));
  const v = new Float64Array(cols);
  for (let a = 0; a < p; a++) for (let j = 0; j < cols; j++) v[j] += r[a * cols + j] * top.vector[a];
  const vn = Math.hypot(...v) || 1;
  return { norm, v: v.map((e) => e / vn) };
}
