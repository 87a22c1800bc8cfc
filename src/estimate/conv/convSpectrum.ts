import type { ConvGeometry } from './convGeometry.js';

/** The circular grid used along one axis and the polyphase decomposition of the taps. */
interface AxisPlan {
  /** Circular grid size N (a multiple of `s`), frequencies M = N / s. */
  N: number;
  s: number;
  M: number;
  /** Per tap t: polyphase class r(t) = (t - p) mod s and shift q(t) = (t - p - r) / s. */
  r: Int32Array;
  /** cos / sin of 2 pi a q(t) / M, layout [a * k + t]. */
  cos: Float64Array;
  sin: Float64Array;
}

/**
 * The block-diagonalization of a (strided) circular convolution by the DFT.
 *
 * On the circular grid Z_Nh x Z_Nw with N = s M, a strided circular convolution
 * y[j] = sum_t K[t] x[(j s + t - p) mod N] splits into polyphase components
 * x_r[i] = x[i s + r]; in the unitary DFT basis of Z_M it is block-diagonal with, at each
 * frequency w, the cout x (s cin) block M(w) = [K_hat_r(w)]_r, where
 * K_hat_r(w) = sum_{t : (t - p) mod s = r} K[t] exp(2 pi i w q(t) / M) (2-D: per axis, product
 * of the phases, r = (r_h, r_w)). So ||conv|| = max_w ||M(w)||_2 (Sedghi, Gupta, Long 2019,
 * "The Singular Values of Convolutional Layers", ICLR; strided form by polyphase components).
 */
export interface SpectrumPlan {
  axes: [AxisPlan, AxisPlan];
  cin: number;
  cout: number;
  /** Number of polyphase classes sh * sw; M(w) has `cout` rows and `S * cin` columns. */
  S: number;
  /** Nonzero taps of the dilated kernel: (th, tw) and their offset into the kernel array. */
  taps: { th: number; tw: number; offset: number }[];
  kernel: Float64Array;
  /** True when max_w ||M(w)|| is exactly the norm of the operator tfjs applies (circular, N divisible by s). */
  exact: boolean;
  /** Sum over taps of the tap's Frobenius norm: bounds ||M(w)||_F at every frequency. */
  tapNormSum: number;
}

function axisPlan(n: number, k: number, s: number, before: number, out: number, circular: boolean): { plan: AxisPlan; exact: boolean } {
  let N: number;
  let sEff = s;
  let exact = true;
  if (circular) {
    N = n;
    // When s does not divide n the strided circular conv has no circulant structure; its
    // outputs are a subset of the stride-1 circular outputs, so use stride 1 (a bound).
    if (n % s !== 0) { sEff = 1; exact = false; }
  } else {
    // Zero padding: embed the input in Z_N with zeros around it. No computed output may see a
    // wrapped copy of the input: indices -before..-1 must land at >= n, the last index
    // hi = (out - 1) s + k - 1 - before must stay < N.
    const hi = (out - 1) * s + k - 1 - before;
    N = Math.max(n + before, hi + 1, n);
    N = Math.ceil(N / s) * s;
    exact = false;
  }
  const M = N / sEff;
  const r = new Int32Array(k);
  const q = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    const d = t - before;
    r[t] = ((d % sEff) + sEff) % sEff;
    q[t] = (d - r[t]) / sEff;
  }
  const cos = new Float64Array(M * k);
  const sin = new Float64Array(M * k);
  for (let a = 0; a < M; a++) {
    for (let t = 0; t < k; t++) {
      // Reduce a * q mod M in integers before the angle, for accurate phases.
      const m = (((a * q[t]) % M) + M) % M;
      const angle = (2 * Math.PI * m) / M;
      cos[a * k + t] = Math.cos(angle);
      sin[a * k + t] = Math.sin(angle);
    }
  }
  return { plan: { N, s: sEff, M, r, cos, sin }, exact };
}

/** Plans the frequency-domain evaluation of a conv geometry (see `SpectrumPlan`). */
export function spectrumPlan(g: ConvGeometry): SpectrumPlan {
  const circular = g.padding === 'circular';
  const [gh, gw] = g.axes;
  const h = axisPlan(gh.n, gh.k, gh.s, gh.before, gh.out, circular);
  const w = axisPlan(gw.n, gw.k, gw.s, gw.before, gw.out, circular);
  const block = g.cin * g.cout;
  const taps: SpectrumPlan['taps'] = [];
  let tapNormSum = 0;
  for (let th = 0; th < gh.k; th++) {
    for (let tw = 0; tw < gw.k; tw++) {
      const offset = (th * gw.k + tw) * block;
      let f2 = 0;
      for (let i = 0; i < block; i++) f2 += g.kernel[offset + i] * g.kernel[offset + i];
      if (f2 > 0) { taps.push({ th, tw, offset }); tapNormSum += Math.sqrt(f2); }
    }
  }
  return {
    axes: [h.plan, w.plan], cin: g.cin, cout: g.cout, S: h.plan.s * w.plan.s, taps,
    kernel: g.kernel, exact: circular && h.exact && w.exact, tapNormSum,
  };
}

/** Number of frequencies of the plan's grid (before conjugate-symmetry reduction). */
export function frequencyCount(p: SpectrumPlan): number {
  return p.axes[0].M * p.axes[1].M;
}

/**
 * Writes M(w)^T for frequency index `f = a * Mw + b` into `re`/`im` (layout [S * cin][cout],
 * i.e. column c of M(w) is row c here) and returns ||M(w)||_F^2.
 */
export function frequencyBlock(p: SpectrumPlan, f: number, re: Float64Array, im: Float64Array): number {
  const [ph, pw] = p.axes;
  const a = Math.floor(f / pw.M);
  const b = f - a * pw.M;
  const { cin, cout, kernel } = p;
  const kh = ph.r.length;
  const kw = pw.r.length;
  re.fill(0);
  im.fill(0);
  for (const { th, tw, offset } of p.taps) {
    const ca = ph.cos[a * kh + th];
    const sa = ph.sin[a * kh + th];
    const cb = pw.cos[b * kw + tw];
    const sb = pw.sin[b * kw + tw];
    const zr = ca * cb - sa * sb;
    const zi = ca * sb + sa * cb;
    const base = (ph.r[th] * pw.s + pw.r[tw]) * cin * cout;
    const n = cin * cout;
    for (let i = 0; i < n; i++) {
      const v = kernel[offset + i];
      re[base + i] += zr * v;
      im[base + i] += zi * v;
    }
  }
  let f2 = 0;
  for (let i = 0; i < re.length; i++) f2 += re[i] * re[i] + im[i] * im[i];
  return f2;
}

/** True when frequency f is the representative of {w, -w} (the blocks are complex conjugates, same singular values). */
export function isRepresentative(p: SpectrumPlan, f: number): boolean {
  const [ph, pw] = p.axes;
  const a = Math.floor(f / pw.M);
  const b = f - a * pw.M;
  const partner = ((ph.M - a) % ph.M) * pw.M + ((pw.M - b) % pw.M);
  return partner >= f;
}

/**
 * The Hermitian Gram matrix of the smaller side from M(w)^T (`re`/`im`, [cols][rows] with
 * rows = cout, cols = S cin): G = M M^H (rows x rows) if rows <= cols, else M^H M.
 * Writes into `gre`/`gim` (n x n row-major) and returns n.
 */
export function gramOfBlock(
  re: Float64Array, im: Float64Array, rows: number, cols: number, gre: Float64Array, gim: Float64Array,
): number {
  if (rows <= cols) {
    // G[i][j] = sum_k M[i,k] conj(M[j,k]) = sum_k T[k,i] conj(T[k,j]).
    const n = rows;
    gre.fill(0, 0, n * n);
    gim.fill(0, 0, n * n);
    for (let k = 0; k < cols; k++) {
      const o = k * rows;
      for (let i = 0; i < n; i++) {
        const ar = re[o + i];
        const ai = im[o + i];
        if (ar === 0 && ai === 0) continue;
        const gi = i * n;
        for (let j = i; j < n; j++) {
          const br = re[o + j];
          const bi = im[o + j];
          gre[gi + j] += ar * br + ai * bi;
          gim[gi + j] += ai * br - ar * bi;
        }
      }
    }
    mirror(gre, gim, n);
    return n;
  }
  // G[i][j] = sum_o conj(M[o,i]) M[o,j] = sum_o conj(T[i,o]) T[j,o].
  const n = cols;
  for (let i = 0; i < n; i++) {
    const oi = i * rows;
    for (let j = i; j < n; j++) {
      const oj = j * rows;
      let sr = 0;
      let si = 0;
      for (let o = 0; o < rows; o++) {
        const ar = re[oi + o];
        const ai = im[oi + o];
        const br = re[oj + o];
        const bi = im[oj + o];
        sr += ar * br + ai * bi;
        si += ar * bi - ai * br;
      }
      gre[i * n + j] = sr;
      gim[i * n + j] = si;
    }
  }
  mirror(gre, gim, n);
  return n;
}

function mirror(gre: Float64Array, gim: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    gim[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      gre[j * n + i] = gre[i * n + j];
      gim[j * n + i] = -gim[i * n + j];
    }
  }
}

/** Gershgorin bound on lambda_max of a Hermitian matrix: max_i sum_j |G_ij|. */
export function gershgorin(gre: Float64Array, gim: Float64Array, n: number): number {
  let best = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.hypot(gre[i * n + j], gim[i * n + j]);
    best = Math.max(best, s);
  }
  return best;
}
