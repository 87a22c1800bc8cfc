import type { ConvGeometry } from './convGeometry.js';
import type { ConvNormBound } from './convNormBound.js';
import { frequencyBlock, spectrumPlan, type SpectrumPlan } from './convSpectrum.js';
import { blockGram, gramIterationOnGram } from './gramIteration.js';
import { hermitianBelow } from './hermitianBelow.js';

const U = 2 ** -53;

/** Options of `convGramScan`. */
export interface ConvGramScanOptions {
  /** Allowed relative gap between the bound and the largest block norm; default 1e-3. */
  relativeSlack?: number;
  /** The caller only needs the bound when it exceeds this value (blocks below it are not refined); default 0. */
  stopBelow?: number;
}

/**
 * CERTIFIED operator norm bound of a convolution by Gram iteration on its DFT blocks (the fast
 * path for general kernels; Delattre et al., ICML 2023, on the frequency blocks of Sedghi et al.
 * 2019, with strides by polyphase components, see `spectrumPlan`).
 *
 * - The blocks M(w) (cout x s cin) live on the circular grid of `spectrumPlan`; for zero padding
 *   that grid embeds the layer's operator, so max_w ||M(w)|| bounds it; for circular padding with
 *   sizes divisible by the strides it is the norm.
 * - Work is shared: conjugate frequencies (-w gives the conjugate block, same singular values) are
 *   visited once, and frequencies whose phases agree on every tap of an axis give identical blocks
 *   (e.g. every height frequency of a 1 x k kernel), visited once.
 * - Blocks are visited in decreasing Frobenius norm. A block whose Frobenius bound cannot exceed
 *   the threshold T = max(largest bound so far, (1 + slack) x largest estimate so far) is skipped.
 *   For the others G_1 = M^H M (smaller side) is formed; a Cholesky factorization of
 *   T^2 I - G_1 (`hermitianBelow`, rounding included) certifies ||M(w)|| <= T at a third of the
 *   cost of a Gram step, and only blocks that fail it get Gram iteration
 *   (`gramIterationOnGram`), stopping at T or once within 1 + slack of their own top singular
 *   value. The result is the maximum of the per-block
 *   certified bounds, so it is certified, and it is at most (1 + slack) max_w ||M(w)|| up to
 *   rounding.
 * - Rounding: each block gets the guard (2 taps + max(rows, cols) + 20) u (sum_t ||K_t||_F)^2 on
 *   sigma^2 for forming it from the kernel in float64, plus `gramIterationBound`'s own margin.
 */
export function convGramScan(g: ConvGeometry, options: ConvGramScanOptions = {}): ConvNormBound {
  const { relativeSlack = 1e-3, stopBelow = 0 } = options;
  const plan = spectrumPlan(g);
  const rows = plan.cout;
  const cols = plan.S * plan.cin;
  const re = new Float64Array(rows * cols);
  const im = new Float64Array(rows * cols);
  const blocks = distinctBlocks(plan);
  const fro2 = blocks.map((f) => frequencyBlock(plan, f, re, im));
  const order = blocks.map((_, i) => i).sort((i, j) => fro2[j] - fro2[i]);
  const guard = (2 * plan.taps.length + Math.max(rows, cols) + 20) * U * plan.tapNormSum * plan.tapNormSum;

  let upper = 0;
  let estimate = 0;
  let evaluated = 0;
  let iterations = 0;
  let dismissed = 0;
  for (const i of order) {
    const threshold = Math.max(upper, estimate * (1 + relativeSlack), stopBelow);
    const fro = Math.sqrt(fro2[i] * (1 + 1e-12) + guard) * (1 + 4 * U);
    if (fro <= threshold) { upper = Math.max(upper, fro); continue; }
    frequencyBlock(plan, blocks[i], re, im);
    // frequencyBlock writes M(w)^T as [cols][rows]: same singular values as M(w).
    const gram = blockGram(re, im, cols, rows);
    if (gram === null) { upper = Math.max(upper, Math.sqrt(guard) * (1 + 4 * U)); continue; }
    evaluated++;
    // Below the threshold? One Cholesky of t I - G_1 certifies it (a third of a Gram step).
    const t = (threshold / (1 + 4 * U)) ** 2 - guard - gram.guard;
    if (threshold > 0 && hermitianBelow(gram.re, gram.im, gram.n, t)) {
      upper = Math.max(upper, threshold);
      dismissed++;
      continue;
    }
    const r = gramIterationOnGram(gram, { relativeSlack, stopBelow: threshold, formingError: guard });
    upper = Math.max(upper, Math.min(fro, r.upperBound));
    estimate = Math.max(estimate, r.estimate);
    iterations += r.iterations;
  }
  const [ah, aw] = plan.axes;
  const grid = g.rank === 1 ? `${aw.N}` : `${ah.N}x${aw.N}`;
  const kind = g.padding === 'circular' ? (plan.exact ? 'exact circulant' : 'circular, stride not dividing the size: stride-1 circulant') : 'zero padding embedded';
  return {
    upperBound: upper,
    estimate,
    exact: null,
    method: `Gram iteration on DFT blocks (${rows}x${cols}) on a ${grid} circular grid (${kind}${plan.S > 1 ? `, ${plan.S} polyphase components` : ''}): ${blocks.length} distinct of ${ah.M * aw.M} frequencies, ${evaluated} formed: ${dismissed} certified below the running maximum by a Cholesky factorization, ${evaluated - dismissed} by Gram iteration (${iterations} steps); the rest below it by their Frobenius norm`,
  };
}

/**
 * One frequency index `a * Mw + b` per class of identical-or-conjugate blocks: along each axis,
 * indices whose phases a q(t) mod M agree on every tap in use give the same factor; a pair of
 * classes and its negation give conjugate blocks.
 */
function distinctBlocks(plan: SpectrumPlan): number[] {
  const [ph, pw] = plan.axes;
  const used = (axis: 0 | 1): number[] => [...new Set(plan.taps.map((t) => (axis === 0 ? t.th : t.tw)))];
  const classes = (M: number, cos: Float64Array, sin: Float64Array, k: number, taps: number[]): Int32Array => {
    const cls = new Int32Array(M);
    const seen = new Map<string, number>();
    for (let a = 0; a < M; a++) {
      const key = taps.map((t) => `${cos[a * k + t]},${sin[a * k + t]}`).join(';');
      let c = seen.get(key);
      if (c === undefined) { c = a; seen.set(key, a); }
      cls[a] = c;
    }
    return cls;
  };
  const ch = classes(ph.M, ph.cos, ph.sin, ph.r.length, used(0));
  const cw = classes(pw.M, pw.cos, pw.sin, pw.r.length, used(1));
  const out: number[] = [];
  for (let a = 0; a < ph.M; a++) {
    if (ch[a] !== a) continue;
    for (let b = 0; b < pw.M; b++) {
      if (cw[b] !== b) continue;
      const na = ch[(ph.M - a) % ph.M];
      const nb = cw[(pw.M - b) % pw.M];
      if (na * pw.M + nb < a * pw.M + b) continue; // its conjugate class was listed
      out.push(a * pw.M + b);
    }
  }
  return out;
}
