import type { LayerChain } from './chainTypes.js';
import { certifyFeasible } from './certifyFeasible.js';
import { choleskyInPlace, rightSolveTransposed, rowGram, topEigen, transpose } from '../linalg64.js';
import { lipsdpObjective } from './lipsdpObjective.js';
import { blockSizes } from './schurRecursion.js';

/** A certified bound from LipSDP-Neuron multipliers. */
export interface SdpBound {
  /** CERTIFIED upper bound (sqrt(rho) times the post factor), or Infinity when certification failed. */
  upperBound: number;
  /** sqrt of the uncertified rho(T) before the rounding margin, for comparison. */
  estimate: number;
  /** The multipliers T_k (normalized: block 0 is the identity). */
  multipliers: Float64Array[];
  method: string;
  notes: string[];
}

/**
 * ECLipsE-Fast (Xu & Sivaranjani, NeurIPS 2024): one scalar multiplier per layer in closed form,
 * lambda_k = 1 / (2 mbar_k^2 lambda_max(W_k X_{k-1}^{-1} W_k^T)), X_k = lambda_k I - mbar_k^2 lambda_k^2
 * W_k X_{k-1}^{-1} W_k^T, X_0 = I, then L^2 = lambda_max(W_m X_{m-1}^{-1} W_m^T) (layers indexed from 1;
 * for activations with alpha beta != 0 the alpha beta W^T T W terms of LipSDP-Neuron are included and
 * lambda_k is shrunk until the recursion stays positive definite). The multipliers are a feasible point
 * of LipSDP-Neuron; the bound is certified by `certifySdpBound` (float64 Cholesky with a rounding margin).
 */
export function eclipseFast(chain: LayerChain): SdpBound {
  const t = eclipseFastMultipliers(chain);
  return certifySdpBound(chain, t, 'ECLipsE-Fast');
}

/** The ECLipsE-Fast multipliers (one value per layer, repeated per neuron). */
export function eclipseFastMultipliers(chain: LayerChain): Float64Array[] {
  const { linears, activations } = chain;
  const m = linears.length;
  const n = blockSizes(chain);
  const t: Float64Array[] = [];
  let xPrev: Float64Array | null = null; // null: identity
  for (let k = 1; k < m; k++) {
    const w = linears[k - 1];
    const { alpha, beta } = activations[k - 1];
    const mbar = (alpha + beta) / 2 || 1;
    const a = alpha * beta;
    const gOf = (x: Float64Array | null): Float64Array | null => {
      if (x === null) return rowGram(w.weight, w.rows, w.cols);
      const l = Float64Array.from(x);
      if (!choleskyInPlace(l, n[k - 1])) return null;
      return rowGram(rightSolveTransposed(w.weight, w.rows, l, n[k - 1]), w.rows, n[k - 1]);
    };
    let g = gOf(xPrev) as Float64Array;
    let lambda = 1 / (2 * mbar * mbar * Math.max(topEigen(g, n[k]).value, 1e-300));
    if (a !== 0) {
      const wtw = transpose(rowGram(transpose(w.weight, w.rows, w.cols), w.cols, w.rows), n[k - 1], n[k - 1]);
      for (let it = 0; it < 60; it++) {
        const base: Float64Array = xPrev ?? identity(n[k - 1]);
        const full = base.map((v, i) => v + a * lambda * wtw[i]);
        const gFull = gOf(full);
        if (!gFull) { lambda /= 2; continue; }
        g = gFull;
        const next = 1 / (2 * mbar * mbar * Math.max(topEigen(g, n[k]).value, 1e-300));
        if (next >= lambda * (1 - 1e-9)) break;
        lambda = next;
      }
    }
    t.push(new Float64Array(n[k]).fill(lambda));
    const x = new Float64Array(n[k] * n[k]);
    for (let i = 0; i < n[k]; i++) {
      for (let j = 0; j < n[k]; j++) x[i * n[k] + j] = -mbar * mbar * lambda * lambda * g[i * n[k] + j];
      x[i * n[k] + i] += lambda;
    }
    xPrev = x;
  }
  return t;
}

function identity(n: number): Float64Array {
  const x = new Float64Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  return x;
}

/**
 * Turns normalized multipliers into a CERTIFIED bound: rho = rho(T) (`lipsdpObjective`), then
 * rho_c = rho (1 + delta) and `certifyFeasible(chain, rho_c, rho_c T)`; delta grows (1e-9 ... 1e-2)
 * until the float64 check passes. L <= sqrt(rho_c) * postFactor.
 */
export function certifySdpBound(chain: LayerChain, t: Float64Array[], name: string, interior?: Float64Array[]): SdpBound {
  const notes: string[] = [];
  const rho0 = lipsdpObjective(chain, t, false).rho;
  const estimate = Math.sqrt(rho0) * chain.postFactor;
  if (!Number.isFinite(rho0)) {
    return { upperBound: Infinity, estimate, multipliers: t, method: `${name}: infeasible multipliers`, notes: [`${name}: a Schur complement was not positive definite`] };
  }
  // An optimum can sit where some Schur complement is nearly singular (in directions the output does
  // not see). Mixing with a strictly feasible point (ECLipsE-Fast's) restores a margin; rho is
  // convex in T, so rho(mix) <= (1 - theta) rho(T) + theta rho(interior).
  const thetas = interior ? [0, 1e-4, 1e-3, 1e-2, 0.1] : [0];
  for (const theta of thetas) {
    const tm = theta === 0 ? t : t.map((tk, k) => tk.map((v, i) => (1 - theta) * v + theta * (interior as Float64Array[])[k][i]));
    const rho = theta === 0 ? rho0 : lipsdpObjective(chain, tm, false).rho;
    if (!Number.isFinite(rho)) continue;
    for (const delta of [1e-9, 1e-6, 1e-4, 1e-2]) {
      const rc = rho * (1 + delta);
      const cert = certifyFeasible(chain, rc, tm.map((tk) => tk.map((v) => v * rc)));
      if (cert.ok) {
        if (theta > 0) notes.push(`${name}: certified after mixing ${theta} of the ECLipsE-Fast multipliers`);
        return {
          upperBound: Math.sqrt(rc) * (1 + 2 ** -52) * chain.postFactor, estimate, multipliers: tm,
          method: `${name} (LipSDP-Neuron feasible point, float64 Cholesky certificate, margin ${delta})`, notes,
        };
      }
    }
  }
  notes.push(`${name}: the float64 certificate failed at every margin`);
  return { upperBound: Infinity, estimate, multipliers: t, method: `${name}: not certified`, notes };
}
