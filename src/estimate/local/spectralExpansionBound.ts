import { spectralNormUpperBound } from '../spectralNormUpperBound.js';
import type { Box } from './intervalBounds.js';
import type { LocalGraph } from './localGraph.js';
import { gamma, type SparseAffine } from './sparseMatrix.js';
import { matMul as matMul64 } from '../linalg64.js';

/** A dense row-major float64 matrix. */
interface Dense { data: Float64Array; rows: number; cols: number }

/** Largest rows x cols x inner product accepted per step (beyond: the method is skipped). */
const MAX_WORK = 3e8;

/**
 * CERTIFIED local Jacobian bound for chains `W_m D_{m-1} W_{m-1} ... D_1 W_1` (Dense / Conv /
 * BatchNorm / average pooling and elementwise activations, no branches or max pooling), by
 * splitting each activation's derivative D_k = M_k + E_k into the midpoint M_k of its range
 * over the ball and a deviation |E_k| <= Δ_k (half the range). Expanding the product over the
 * subsets of layers where E is taken and writing E_k = Δ_k^{1/2} Σ_k Δ_k^{1/2} (||Σ_k|| <= 1)
 * gives ||J|| <= T_m with T_0 = 1 and
 *   T_k = sum_{j<k} T_j ||S_k W_k M_{k-1} W_{k-1} ... M_{j+1} W_{j+1} S'_j||,
 * S_k = Δ_k^{1/2} (I at the output), S'_j = Δ_j^{1/2} (I at the input): a dynamic program
 * like Combettes & Pesquet's over cut points. Unlike the interval recursion it keeps the
 * cancellations inside each block, so it stays near ||J(x)|| while few neurons are unstable;
 * rows and columns where Δ = 0 drop out. Each norm is `spectralNormUpperBound` (certified);
 * products in float64 with a gamma_n relative margin. Returns Infinity when the graph is not a
 * chain or the products would be too large.
 */
export function spectralExpansionBound(graph: LocalGraph, boxes: Box[]): number {
  return spectralExpansionBounds(graph, boxes).bound;
}

/**
 * `spectralExpansionBound`, and with `top` also, per class j, a bound on ||grad (f_top - f_j)||
 * over the ball (the same program with the last block's norm replaced by the norm of the
 * difference of its rows top and j; 0 at j = top; Infinity when not a chain).
 */
export function spectralExpansionBounds(graph: LocalGraph, boxes: Box[], top?: number): { bound: number; pairs?: Float64Array } {
  const outSize = graph.ops[graph.ops.length - 1].size;
  const chain = toChain(graph, boxes);
  if (!chain) return { bound: Infinity, pairs: top === undefined ? undefined : new Float64Array(outSize).fill(Infinity) };
  const { weights, mid, half } = chain;
  const m = weights.length;
  const T = new Float64Array(m + 1);
  const P = new Float64Array(outSize);
  T[0] = 1;
  const unstable = half.map((h) => { const idx: number[] = []; h.forEach((v, i) => { if (v > 0) idx.push(i); }); return idx; });
  for (let j = 0; j < m; j++) {
    if (j > 0 && (unstable[j - 1].length === 0 || T[j] === 0)) continue;
    // G = W_{j+1} S'_j, restricted to the unstable columns of layer j (all columns at the input).
    const W = weights[j];
    let G: Dense;
    if (j === 0) {
      G = W;
    } else {
      const cols = unstable[j - 1];
      const s = half[j - 1];
      G = { rows: W.rows, cols: cols.length, data: new Float64Array(W.rows * cols.length) };
      for (let r = 0; r < W.rows; r++) cols.forEach((c, q) => { G.data[r * cols.length + q] = W.data[r * W.cols + c] * Math.sqrt(s[c]); });
    }
    // errF bounds the Frobenius norm of G's accumulated rounding error (fl(AB) - AB has |.| <= gamma_q |A||B|, so
    // its Frobenius norm is <= gamma_q ||A||_F ||B||_F, and earlier errors are multiplied by ||W M||_2 <= ||W||_F max|M|).
    let errF = 0;
    for (let k = j + 1; k <= m; k++) {
      // Norm of S_k G (rows of the unstable neurons of layer k, scaled; all rows at the output).
      let n: number;
      if (k === m) {
        n = norm(G) + errF;
        if (top !== undefined) {
          for (let c = 0; c < outSize; c++) {
            if (c === top) continue;
            let sq = 0;
            for (let q = 0; q < G.cols; q++) sq += (G.data[top * G.cols + q] - G.data[c * G.cols + q]) ** 2;
            P[c] += T[j] * (Math.sqrt(sq) * (1 + gamma(G.cols + 2)) + 2 * errF);
          }
        }
      } else {
        const rows = unstable[k - 1];
        if (rows.length > 0) {
          const s = half[k - 1];
          const sub = new Float64Array(rows.length * G.cols);
          rows.forEach((r, p) => { for (let q = 0; q < G.cols; q++) sub[p * G.cols + q] = G.data[r * G.cols + q] * Math.sqrt(s[r]); });
          let maxS = 0;
          for (const r of rows) maxS = Math.max(maxS, Math.sqrt(s[r]));
          n = norm({ data: sub, rows: rows.length, cols: G.cols }) + maxS * errF;
        } else {
          n = 0;
        }
      }
      T[k] += T[j] * n;
      if (k === m) break;
      // G <- W_{k+1} M_k G
      const next = weights[k];
      if (next.rows * next.cols * G.cols > MAX_WORK) return { bound: Infinity, pairs: top === undefined ? undefined : new Float64Array(outSize).fill(Infinity) };
      const mk = mid[k - 1];
      const scaled = new Float64Array(G.data.length);
      for (let r = 0; r < G.rows; r++) for (let q = 0; q < G.cols; q++) scaled[r * G.cols + q] = G.data[r * G.cols + q] * mk[r];
      let maxM = 0;
      for (const v of mk) maxM = Math.max(maxM, Math.abs(v));
      const wF = frobenius(next.data);
      errF = wF * maxM * errF + gamma(next.cols) * wF * frobenius(scaled);
      G = matMul(next, { data: scaled, rows: G.rows, cols: G.cols });
    }
  }
  // Rounding of the sums in the dynamic program (m(m+1)/2 nonnegative terms).
  const g = 1 + gamma(m * m + 4);
  return { bound: T[m] * g, pairs: top === undefined ? undefined : P.map((v) => v * g) };
}

function frobenius(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s) * (1 + gamma(a.length));
}

function norm(a: Dense): number {
  if (a.rows === 0 || a.cols === 0) return 0;
  return spectralNormUpperBound(a, { relativeSlack: 1e-2 }).upperBound;
}

function matMul(a: Dense, b: Dense): Dense {
  return { data: matMul64(a.data, a.rows, a.cols, b.data, b.cols), rows: a.rows, cols: b.cols };
}

function toDense(m: SparseAffine): Dense {
  const data = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) data[i * m.cols + m.col[k]] = m.val[k];
  return { data, rows: m.rows, cols: m.cols };
}

/** The graph as alternating linear maps and activation slope ranges, or null when it is not such a chain. */
function toChain(graph: LocalGraph, boxes: Box[]): { weights: Dense[]; mid: Float64Array[]; half: Float64Array[] } | null {
  const weights: Dense[] = [];
  const mid: Float64Array[] = [];
  const half: Float64Array[] = [];
  let pendingLinear = false;
  for (let i = 1; i < graph.ops.length; i++) {
    const op = graph.ops[i];
    if (op.kind === 'sum') {
      if (op.srcs.length !== 1 || op.coef[0] !== 1 || op.srcs[0] !== i - 1) return null;
      continue; // reshape
    }
    if (op.kind === 'affine') {
      if (op.src !== i - 1) return null;
      if (op.m.rows * op.m.cols > 4e6) return null;
      const w = toDense(op.m);
      if (pendingLinear) {
        // Two linear maps in a row: an identity activation between them (M = 1, Δ = 0; exact).
        mid.push(new Float64Array(w.cols).fill(1));
        half.push(new Float64Array(w.cols));
      }
      weights.push(w);
      pendingLinear = true;
    } else if (op.kind === 'act') {
      if (!pendingLinear || op.src !== i - 1) return null;
      const b = boxes[op.src];
      const mk = new Float64Array(op.size);
      const hk = new Float64Array(op.size);
      for (let j = 0; j < op.size; j++) {
        const [dl, du] = op.act.slopeRange(b.lo[j], b.hi[j]);
        mk[j] = 0.5 * (dl + du);
        hk[j] = Math.max(du - mk[j], mk[j] - dl) * (1 + 2 ** -52);
      }
      mid.push(mk);
      half.push(hk);
      pendingLinear = false;
    } else {
      return null;
    }
  }
  if (!pendingLinear) {
    // Ends with an activation: append the identity as the last linear map.
    const n = graph.ops[graph.ops.length - 1].size;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) data[i * n + i] = 1;
    weights.push({ data, rows: n, cols: n });
  }
  return weights.length === mid.length + 1 ? { weights, mid, half } : null;
}
