import type { LayerChain } from './chainTypes.js';
import { backSolveRow, matTVec, matVec, rightSolveTransposed, rowGram, topEigen } from '../linalg64.js';
import { schurFactor, type SchurFactors } from './schurRecursion.js';

/** rho(T) and its gradient (see `lipsdpObjective`). */
export interface LipsdpValue {
  /** rho = lambda_max(W_m X_{m-1}^{-1} W_m^T): the squared bound for multipliers rho T (an estimate until certified). */
  rho: number;
  /** d rho / d t_k (one array per hidden layer), when asked. */
  gradient?: Float64Array[];
  /** The Schur factors behind it (for barrier terms). */
  factors?: SchurFactors;
}

/**
 * The LipSDP-Neuron value of fixed multipliers, normalized so that block 0 is I + a_1 W_1^T T_1 W_1:
 * rho(T) = min { rho : M(rho, rho T) >= 0 } = lambda_max(W_m X_{m-1}^{-1} W_m^T) with the Schur
 * complements X_k of `schurFactor` (without the output term). Infinity when some X_k is not
 * positive definite. rho is convex in T (a partial minimization of an LMI). The gradient
 * follows the recursion backwards: with u the top eigenvector, v_{m-1} = X_{m-1}^{-1} W_m^T u,
 * v_{k-1} = mbar_k X_{k-1}^{-1} W_k^T T_k v_k, and
 *   d rho / d t_{k,i} = -v_{k,i}^2 + 2 mbar_k^2 v_{k,i} (G_k T_k v_k)_i - a_k (W_k v_{k-1})_i^2.
 */
export function lipsdpObjective(chain: LayerChain, t: Float64Array[], withGradient: boolean): LipsdpValue {
  const { linears, activations } = chain;
  const m = linears.length;
  const f = schurFactor(chain, 1, t, { includeOutput: false, shift: 0 });
  if (!f) return { rho: Infinity };
  const out = linears[m - 1];
  const nLast = out.cols;
  const lLast = f.chol[m - 1] as Float64Array;
  const zm = rightSolveTransposed(out.weight, out.rows, lLast, nLast);
  const h = rowGram(zm, out.rows, nLast);
  const top = topEigen(h, out.rows);
  if (!withGradient) return { rho: top.value };
  const grad: Float64Array[] = [];
  // v_{m-1} = L^{-T} (Z_m^T u).
  let v = matTVec(zm, out.rows, nLast, top.vector);
  backSolveRow(lLast, nLast, v, 0);
  const vs: Float64Array[] = new Array<Float64Array>(m);
  vs[m - 1] = v;
  for (let k = m - 1; k >= 1; k--) {
    const mbar = (activations[k - 1].alpha + activations[k - 1].beta) / 2;
    const tv = vs[k].map((x, i) => x * t[k - 1][i]);
    let y = matTVec(f.z[k], linears[k - 1].rows, linears[k - 1].cols, tv);
    if (k === 1 && f.diag0 !== null) y = y.map((x) => x / Math.sqrt(f.diag0 as number));
    else backSolveRow(f.chol[k - 1] as Float64Array, linears[k - 1].cols, y, 0);
    vs[k - 1] = y.map((x) => x * mbar);
  }
  for (let k = 1; k < m; k++) {
    const { alpha, beta } = activations[k - 1];
    const mbar = (alpha + beta) / 2;
    const a = alpha * beta;
    const nk = linears[k - 1].rows;
    const vk = vs[k];
    const tv = vk.map((x, i) => x * t[k - 1][i]);
    const gtv = matVec(f.g[k], nk, nk, tv);
    const wv = a !== 0 ? matVec(linears[k - 1].weight, nk, linears[k - 1].cols, vs[k - 1]) : null;
    grad.push(vk.map((x, i) => -x * x + 2 * mbar * mbar * x * gtv[i] - (wv ? a * wv[i] * wv[i] : 0)));
  }
  return { rho: top.value, gradient: grad, factors: f };
}
