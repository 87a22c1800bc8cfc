import type { LayerChain } from '../global/chainTypes.js';
import { topEigen } from '../linalg64.js';
import { jacobianTransposeTimes, type Pattern } from './chainPatterns.js';

/** Outputs up to which `firstLayerFlips` runs (its Gram matrices are m x m, solved exactly by Jacobi). */
export const FLIP_MAX_OUTPUTS = 32;

/**
 * Greedy single bit flips of the first hidden layer's slopes, each evaluated EXACTLY: with
 * J = B D_1 W_1 (B = W_m D_{m-1} ... W_2, m x n_1), flipping unit i changes J by the rank-one
 * delta c_i r_i^T (c_i = B's column i, r_i = W_1's row i, delta = s' - s), so the Gram matrix
 * G = J J^T (m x m) of each flip is G + delta (c p^T + p c^T) + delta^2 ||r_i||^2 c c^T with p = J r_i,
 * and its largest eigenvalue (cyclic Jacobi) is ||J'||^2. The best improving flip is applied and the
 * pass repeats, up to `maxFlips`. Finds the local maxima that the coordinate ascent on
 * u^T J v (which fixes u and v) misses. Modifies `d` in place; returns ||J_D||^2 and the flips made.
 * Realizability is not considered here (the caller realizes the pattern).
 */
export function firstLayerFlips(
  chain: LayerChain, d: Pattern, lo: number, maxFlips: number, stop: () => boolean = () => false,
): { sigma2: number; flips: number } {
  const w1 = chain.linears[0];
  const n1 = w1.rows;
  const dim = w1.cols;
  const m = chain.linears[chain.linears.length - 1].rows;
  // B (m x n1): row j is the backward pass of e_j down to the first hidden layer's output.
  const b = new Float64Array(m * n1);
  const refreshB = (): void => {
    for (let j = 0; j < m; j++) {
      const e = new Float64Array(m);
      e[j] = 1;
      b.set(jacobianTransposeTimes(chain, d, e).back[0], j * n1);
    }
  };
  const rr = new Float64Array(n1);
  for (let i = 0; i < n1; i++) { let s = 0; for (let k = 0; k < dim; k++) s += w1.weight[i * dim + k] ** 2; rr[i] = s; }
  refreshB(); // B does not depend on D_1
  // J = B D_1 W_1 (m x dim), G = J J^T, P = J W_1^T (m x n1), kept up to date by the rank-one flips.
  const j = new Float64Array(m * dim);
  for (let a = 0; a < m; a++) for (let i = 0; i < n1; i++) {
    const c = b[a * n1 + i] * d[0][i];
    if (c !== 0) for (let k = 0; k < dim; k++) j[a * dim + k] += c * w1.weight[i * dim + k];
  }
  const p = new Float64Array(m * n1);
  for (let a = 0; a < m; a++) for (let i = 0; i < n1; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += j[a * dim + k] * w1.weight[i * dim + k];
    p[a * n1 + i] = s;
  }
  const g = new Float64Array(m * m);
  const gram = (): void => {
    for (let a = 0; a < m; a++) for (let c = a; c < m; c++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += j[a * dim + k] * j[c * dim + k];
      g[a * m + c] = s; g[c * m + a] = s;
    }
  };
  gram();
  let top = topEigen(g, m);
  let flips = 0;
  const gi = new Float64Array(m * m);
  const flipped = (i: number): Float64Array => {
    const delta = (d[0][i] === 1 ? lo : 1) - d[0][i];
    for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
      const ca = b[a * n1 + i]; const cc = b[c * n1 + i];
      gi[a * m + c] = g[a * m + c] + delta * (ca * p[c * n1 + i] + p[a * n1 + i] * cc) + delta * delta * rr[i] * ca * cc;
    }
    return gi;
  };
  while (flips < maxFlips && !stop()) {
    // Screen every flip by 6 power steps from the current top eigenvector (a lower estimate of
    // its lambda_max), then confirm the best one exactly.
    let best = { i: -1, value: top.value * (1 + 1e-9) };
    for (let i = 0; i < n1; i++) {
      const value = warmPower(flipped(i), m, top.vector, 6);
      if (value > best.value) best = { i, value };
    }
    if (best.i < 0) break;
    const exact = topEigen(Float64Array.from(flipped(best.i)), m);
    if (!(exact.value > top.value * (1 + 1e-9))) break;
    const i = best.i;
    const delta = (d[0][i] === 1 ? lo : 1) - d[0][i];
    d[0][i] += delta;
    const ri = w1.weight.subarray(i * dim, (i + 1) * dim);
    for (let a = 0; a < m; a++) {
      const c = delta * b[a * n1 + i];
      if (c === 0) continue;
      for (let k = 0; k < dim; k++) j[a * dim + k] += c * ri[k];
    }
    for (let q = 0; q < n1; q++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += w1.weight[q * dim + k] * ri[k];
      for (let a = 0; a < m; a++) p[a * n1 + q] += delta * b[a * n1 + i] * s;
    }
    gram();
    top = topEigen(g, m);
    flips++;
  }
  const sigma2 = top.value;
  return { sigma2, flips };
}

/** Rayleigh quotient after `steps` power steps on the symmetric PSD g from `start`. */
function warmPower(g: Float64Array, m: number, start: Float64Array, steps: number): number {
  let v = start;
  let value = 0;
  for (let t = 0; t < steps; t++) {
    const w = new Float64Array(m);
    for (let a = 0; a < m; a++) { let s = 0; for (let c = 0; c < m; c++) s += g[a * m + c] * v[c]; w[a] = s; }
    let vw = 0; let vv = 0; let ww = 0;
    for (let a = 0; a < m; a++) { vw += v[a] * w[a]; vv += v[a] * v[a]; ww += w[a] * w[a]; }
    value = vw / vv;
    const n = Math.sqrt(ww);
    if (n === 0) return 0;
    v = w.map((e) => e / n);
  }
  return value;
}
