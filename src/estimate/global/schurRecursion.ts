import type { LayerChain } from './chainTypes.js';
import { choleskyInPlace, rightSolveTransposed, rowGram, transpose } from '../linalg64.js';

/**
 * The block-tridiagonal matrix of LipSDP-Neuron (Fazlyab et al. 2019) for the chain
 * `W_m s(W_{m-1} ... s(W_1 x))`, activations of layer k with slopes in [alpha_k, beta_k],
 * a_k = alpha_k beta_k, mbar_k = (alpha_k + beta_k) / 2, multipliers T_k = diag(t_k) >= 0:
 *
 *   block 0:      rho I + a_1 W_1^T T_1 W_1
 *   block k:      T_k + a_{k+1} W_{k+1}^T T_{k+1} W_{k+1}       (1 <= k <= m-2)
 *   block m-1:    T_{m-1} - W_m^T W_m        (or T_{m-1} alone when `includeOutput` is false)
 *   off-diagonal: block (k, k-1) = -mbar_k T_k W_k.
 *
 * M >= 0 implies ||f(x) - f(y)|| <= sqrt(rho) ||x - y|| (sum of the slope quadratic constraints
 * (dx - alpha dv)(beta dv - dx) >= 0 per neuron). This runs the block Cholesky factorization
 * of `M - shift I` (the sequential Schur complements X_k = block_k - mbar_k^2 T_k G_k T_k with
 * G_k = W_k X_{k-1}^{-1} W_k^T, as in ECLipsE) and keeps what the bounds need.
 */
export interface SchurFactors {
  /** Lower Cholesky factor of each Schur complement X_k, k = 0..m-1 (null for a diagonal X_0: see `diag0`). */
  chol: (Float64Array | null)[];
  /** When X_0 = (rho - shift) I exactly (a_1 = 0), its scalar. */
  diag0: number | null;
  /** Z_k = W_k L_{k-1}^{-T} (n_k x n_{k-1}), k = 1..m-1 (index 0 unused). */
  z: Float64Array[];
  /** G_k = Z_k Z_k^T, k = 1..m-1 (index 0 unused). */
  g: Float64Array[];
  /** Sum of squares of all entries of the full Cholesky factor of M - shift I. */
  factorFrobenius2: number;
}

/** Sizes n_0..n_{m-1} of the blocks. */
export function blockSizes(chain: LayerChain): number[] {
  return [chain.linears[0].cols, ...chain.linears.slice(0, -1).map((l) => l.rows)];
}

const gramCache = new WeakMap<Float64Array, Float64Array>();

/** W W^T of the first layer (cached: it does not depend on the multipliers). */
function firstGram(w: Float64Array, rows: number, cols: number): Float64Array {
  let g = gramCache.get(w);
  if (!g) { g = rowGram(w, rows, cols); gramCache.set(w, g); }
  return g;
}

/** sum_l t_l w_l w_l^T over the rows w_l of W (r x c): the c x c matrix W^T diag(t) W, added (times a) into `out`. */
function addWeightedGram(out: Float64Array, w: Float64Array, r: number, c: number, t: Float64Array, a: number): void {
  const wt = transpose(w, r, c); // c x r
  for (let i = 0; i < c; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let l = 0; l < r; l++) s += wt[i * r + l] * t[l] * wt[j * r + l];
      out[i * c + j] += a * s;
      if (j !== i) out[j * c + i] += a * s;
    }
  }
}

/**
 * Factors `M(rho, T) - shift I` block by block (see `SchurFactors`); returns null as soon as a
 * Schur complement is not positive definite in float64.
 */
export function schurFactor(
  chain: LayerChain, rho: number, t: Float64Array[], options: { includeOutput: boolean; shift: number },
): SchurFactors | null {
  const { linears, activations } = chain;
  const m = linears.length;
  const n = blockSizes(chain);
  const { shift, includeOutput } = options;
  const chol: (Float64Array | null)[] = [];
  const z: Float64Array[] = [new Float64Array(0)];
  const g: Float64Array[] = [new Float64Array(0)];
  let frob = 0;
  let diag0: number | null = null;
  const aOf = (k: number): number => activations[k - 1].alpha * activations[k - 1].beta; // k = 1..m-1
  const mbarOf = (k: number): number => (activations[k - 1].alpha + activations[k - 1].beta) / 2;

  // Block 0.
  if (m === 1 || aOf(1) === 0) {
    if (!(rho - shift > 0)) return null;
    diag0 = rho - shift;
    chol.push(null);
    frob += n[0] * diag0;
  } else {
    const x0 = new Float64Array(n[0] * n[0]);
    for (let i = 0; i < n[0]; i++) x0[i * n[0] + i] = rho - shift;
    addWeightedGram(x0, linears[0].weight, linears[0].rows, linears[0].cols, t[0], aOf(1));
    if (!choleskyInPlace(x0, n[0])) return null;
    chol.push(x0);
    frob += sumSq(x0);
  }
  for (let k = 1; k < m; k++) {
    const w = linears[k - 1];
    const nk = n[k];
    const tk = t[k - 1];
    const mbar = mbarOf(k);
    let zk: Float64Array;
    let gk: Float64Array;
    if (k === 1 && diag0 !== null) {
      const s = 1 / Math.sqrt(diag0);
      zk = w.weight.map((v) => v * s);
      gk = firstGram(w.weight, w.rows, w.cols).map((v) => v / diag0!);
    } else {
      zk = rightSolveTransposed(w.weight, w.rows, chol[k - 1] as Float64Array, n[k - 1]);
      gk = rowGram(zk, nk, n[k - 1]);
    }
    z.push(zk);
    g.push(gk);
    // Off-diagonal factor block L_{k,k-1} = -mbar T_k Z_k.
    for (let i = 0; i < nk; i++) {
      let s = 0;
      for (let j = 0; j < n[k - 1]; j++) s += zk[i * n[k - 1] + j] ** 2;
      frob += mbar * mbar * tk[i] * tk[i] * s;
    }
    const x = new Float64Array(nk * nk);
    for (let i = 0; i < nk; i++) {
      for (let j = 0; j < nk; j++) x[i * nk + j] = -mbar * mbar * tk[i] * gk[i * nk + j] * tk[j];
      x[i * nk + i] += tk[i] - shift;
    }
    if (k < m - 1) {
      const a = aOf(k + 1);
      if (a !== 0) addWeightedGram(x, linears[k].weight, linears[k].rows, linears[k].cols, t[k], a);
    } else if (includeOutput) {
      addWeightedGram(x, linears[m - 1].weight, linears[m - 1].rows, linears[m - 1].cols, new Float64Array(linears[m - 1].rows).fill(1), -1);
    }
    if (!choleskyInPlace(x, nk)) return null;
    chol.push(x);
    frob += sumSq(x);
  }
  return { chol, diag0, z, g, factorFrobenius2: frob };
}

function sumSq(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
