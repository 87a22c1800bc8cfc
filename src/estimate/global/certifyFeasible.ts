import type { LayerChain } from './chainTypes.js';
import { gamma, U64 } from '../linalg64.js';
import { blockSizes, schurFactor } from './schurRecursion.js';

/** The verdict of `certifyFeasible`. */
export interface FeasibilityCertificate {
  /** True when M(rho, T) >= 0 is proved in float64 (then L <= sqrt(rho) * postFactor). */
  ok: boolean;
  /** The diagonal shift c the factorization was run with (M - c I was factored). */
  shift: number;
  /** The rounding bound c had to exceed: gamma_{N+1} ||L||_F^2 + ||fl(M) - M||_F. */
  required: number;
  reason: string;
}

/**
 * CERTIFIES that the LipSDP-Neuron matrix M(rho, T) (see `schurFactor`) is positive
 * semidefinite, in float64, for the chain's exact weights: Cholesky of fl(M) - c I succeeds, so
 * fl(M) - c I + E = L L^T with |E| <= gamma_{N+1} |L| |L^T| (Demmel 1989), hence
 * ||E||_2 <= gamma_{N+1} ||L||_F^2; and ||fl(M) - M||_2 <= F, a bound on the rounding made
 * while forming M plus the effect of the merge-rounding `mergeError` of each block. If
 * c >= gamma_{N+1} ||L||_F^2 + F then M >= (c - ||E|| - F) I >= 0. c is chosen as twice the
 * a-priori estimate and the inequality is checked a posteriori on the computed factor.
 */
export function certifyFeasible(chain: LayerChain, rho: number, t: Float64Array[]): FeasibilityCertificate {
  const { linears, activations } = chain;
  const m = linears.length;
  const sizes = blockSizes(chain);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (!(rho > 0) || !Number.isFinite(rho)) return { ok: false, shift: 0, required: NaN, reason: 'rho must be positive and finite' };
  for (const tk of t) for (const v of tk) if (!(v >= 0) || !Number.isFinite(v)) return { ok: false, shift: 0, required: NaN, reason: 'multipliers must be >= 0' };
  // F: forming errors and merge perturbations, Frobenius norms, generously (factor 2) rounded up.
  let form = 0;
  let traceAbs = rho * sizes[0];
  for (let k = 1; k < m; k++) {
    const w = linears[k - 1];
    const tk = t[k - 1];
    const { alpha, beta } = activations[k - 1];
    const a = Math.abs(alpha * beta);
    const mbar = Math.abs((alpha + beta) / 2);
    let tMax = 0;
    let weighted = 0; // sum_l t_l ||w_l||^2 = trace(W^T T W)
    let tw2 = 0; // ||T W||_F^2
    for (let l = 0; l < w.rows; l++) {
      let r2 = 0;
      for (let j = 0; j < w.cols; j++) r2 += w.weight[l * w.cols + j] ** 2;
      weighted += tk[l] * r2;
      tw2 += tk[l] * tk[l] * r2;
      tMax = Math.max(tMax, tk[l]);
      traceAbs += tk[l];
    }
    const wf = Math.sqrt(frob(w.weight));
    const e = w.mergeError;
    traceAbs += a * weighted;
    form += a * (gamma(w.rows + 2) * weighted + tMax * (2 * wf * e + e * e));
    form += 2 * (2 * U64 * mbar * Math.sqrt(tw2) + mbar * tMax * e);
  }
  const out = linears[m - 1];
  const of = frob(out.weight);
  traceAbs += of;
  form += gamma(out.rows + 2) * of + 2 * Math.sqrt(of) * out.mergeError + out.mergeError ** 2;
  form += 2 * U64 * traceAbs; // additions on the diagonal and the shift
  form *= 2;
  const g = gamma(total + 1);
  let shift = 2 * (g * traceAbs + form);
  for (let attempt = 0; attempt < 3; attempt++) {
    const f = schurFactor(chain, rho, t, { includeOutput: true, shift });
    if (!f) return { ok: false, shift, required: NaN, reason: 'a Schur complement is not positive definite (Cholesky failed)' };
    const required = (g * f.factorFrobenius2 * (1 + 4 * total * U64) + form) * (1 + 1e-12);
    if (shift >= required) return { ok: true, shift, required, reason: 'Cholesky of M - cI succeeded with c above the rounding bound' };
    shift = 2 * required;
  }
  return { ok: false, shift, required: NaN, reason: 'the rounding margin could not be met' };
}

function frob(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
