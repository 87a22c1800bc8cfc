import type { LayerChain } from './chainTypes.js';
import { matMul, transpose } from '../linalg64.js';
import type { SchurFactors } from './schurRecursion.js';

/**
 * The log-det barrier B(T) = sum_k log det X_k(T) of the Schur complements of the normalized
 * LipSDP-Neuron matrix (`schurFactor` with rho = 1, without the output term; X_0 skipped when it is
 * the identity), and dB/dt. It keeps an optimizer of rho(T) away from the boundary where a Schur
 * complement turns singular. Adjoint: Gbar_k = X_k^{-1} + mbar_{k+1}^2 P_k W_{k+1}^T T_{k+1}
 * Gbar_{k+1} T_{k+1} W_{k+1} P_k (P = X^{-1}), and
 *   dB/dt_{k,i} = Gbar_k[i,i] - 2 mbar_k^2 (Gbar_k T_k G_k)[i,i] + a_k (W_k Gbar_{k-1} W_k^T)[i,i].
 */
export function schurBarrier(chain: LayerChain, t: Float64Array[], f: SchurFactors): { value: number; gradient: Float64Array[] } {
  const { linears, activations } = chain;
  const m = linears.length;
  const n = [linears[0].cols, ...linears.slice(0, -1).map((l) => l.rows)];
  let value = 0;
  const p: (Float64Array | null)[] = [];
  for (let k = 0; k < m; k++) {
    const l = f.chol[k];
    if (!l) { p.push(null); continue; }
    for (let i = 0; i < n[k]; i++) value += 2 * Math.log(l[i * n[k] + i]);
    p.push(inverseFromCholesky(l, n[k]));
  }
  const gbar: (Float64Array | null)[] = new Array<Float64Array | null>(m).fill(null);
  for (let k = m - 1; k >= 0; k--) {
    const pk = p[k];
    if (!pk) continue;
    const g = Float64Array.from(pk);
    if (k + 1 <= m - 1 && gbar[k + 1]) {
      const w = linears[k]; // W_{k+1}: n_{k+1} x n_k
      const tk = t[k];
      const mbar = (activations[k].alpha + activations[k].beta) / 2;
      const nn = n[k + 1];
      const s = (gbar[k + 1] as Float64Array).map((v, idx) => v * tk[Math.floor(idx / nn)] * tk[idx % nn]);
      const wp = matMul(w.weight, nn, n[k], pk, n[k]); // W P : nn x n_k
      const inner = matMul(transpose(wp, nn, n[k]), n[k], nn, matMul(s, nn, nn, wp, n[k]), n[k]);
      for (let i = 0; i < g.length; i++) g[i] += mbar * mbar * inner[i];
    }
    gbar[k] = g;
  }
  const gradient: Float64Array[] = [];
  for (let k = 1; k < m; k++) {
    const nk = n[k];
    const { alpha, beta } = activations[k - 1];
    const mbar = (alpha + beta) / 2;
    const a = alpha * beta;
    const gb = gbar[k] as Float64Array;
    const tk = t[k - 1];
    const gk = f.g[k];
    const out = new Float64Array(nk);
    for (let i = 0; i < nk; i++) {
      let s = 0;
      for (let j = 0; j < nk; j++) s += gb[i * nk + j] * tk[j] * gk[j * nk + i];
      out[i] = gb[i * nk + i] - 2 * mbar * mbar * s;
    }
    const prev = gbar[k - 1];
    if (a !== 0 && prev) {
      const w = linears[k - 1];
      const wg = matMul(w.weight, nk, n[k - 1], prev, n[k - 1]);
      for (let i = 0; i < nk; i++) {
        let s = 0;
        for (let j = 0; j < n[k - 1]; j++) s += wg[i * n[k - 1] + j] * w.weight[i * n[k - 1] + j];
        out[i] += a * s;
      }
    }
    gradient.push(out);
  }
  return { value, gradient };
}

/** X^{-1} = L^{-T} L^{-1} from the lower Cholesky factor. */
function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const li = new Float64Array(n * n); // L^{-1}, lower
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * n + k] * li[k * n + j];
      li[i * n + j] = -s / l[i * n + i];
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}
