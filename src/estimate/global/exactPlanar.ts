import type { LayerChain } from './chainTypes.js';
import { gamma } from '../linalg64.js';

/** Options of `exactPlanarLipschitz`. */
export interface ExactPlanarOptions {
  /** Refuse beyond this many linear regions. Default 2e5. */
  maxRegions?: number;
}

/** The exact constant of a 2-D-input piecewise-linear chain, or why it was refused. */
export type ExactPlanarResult =
  | {
    ok: true;
    /** max over linear regions of the region Jacobian's spectral norm, times the post factor (float64). */
    exact: number;
    /** CERTIFIED: `exact` plus a bound on the float64 rounding of the Jacobian products and of merged blocks. */
    upperBound: number;
    /** Regions enumerated (degenerate slivers kept: see below). */
    regions: number;
    /** Half-width R of the box [-R, R]^2 that provably meets every region. */
    box: number;
    /** A point inside the region attaining the maximum (its centroid). */
    argmax: [number, number];
  }
  | { ok: false; reason: string };

interface Con { a0: number; a1: number; c: number; parent: Con | null }
interface Cell { poly: number[]; cons: Con | null; a: Float64Array; c: Float64Array }

/**
 * The EXACT l2 Lipschitz constant over R^2 of a chain with 2-D input and piecewise-linear
 * activations (relu, leaky relu): enumerates the linear regions by clipping polygons layer by
 * layer, neuron by neuron, through the hyperplanes {z_i(x) = 0} (z_i affine on each region), and
 * returns L = max over regions of ||J_R||_2, the 2-column region Jacobian's norm in closed form
 * (sqrt of the top eigenvalue of the 2 x 2 Gram matrix). The Lipschitz constant of a continuous
 * piecewise-linear map on a convex domain is the largest norm of its pieces' Jacobians.
 * Completeness: the box [-R, R]^2 is grown until no splitting line meets a region outside the box
 * (a line that misses a region's part in the box is intersected with the region's half-plane
 * description in the whole plane), so every region, bounded or not, meets the box.
 * Rounding: a vertex within 1e-9 (relative) of a line counts as on it, so a region thinner than that
 * (relative to the box) is attributed to its neighbours: the result is exact up to that resolution,
 * and `upperBound` adds a bound on the float64 rounding of the Jacobian products.
 * Refuses beyond `maxRegions` regions, or for activations that are not piecewise linear.
 */
export function exactPlanarLipschitz(chain: LayerChain, options: ExactPlanarOptions = {}): ExactPlanarResult {
  const { maxRegions = 2e5 } = options;
  if (chain.inputDim !== 2) return { ok: false, reason: `the input is ${chain.inputDim}-D, not 2-D` };
  const bad = chain.activations.find((a) => a.negativeSlope === null);
  if (bad) return { ok: false, reason: `activation ${bad.name} is not piecewise linear` };
  const w1 = chain.linears[0];
  let r = 1;
  for (let i = 0; i < w1.rows; i++) {
    const n = Math.hypot(w1.weight[2 * i], w1.weight[2 * i + 1]);
    if (n > 0) r = Math.max(r, (2 * Math.abs(w1.bias[i])) / n + 1);
  }
  for (let attempt = 0; attempt < 24; attempt++, r *= 4) {
    const res = enumerate(chain, r, maxRegions);
    if (res === 'grow') continue;
    return res;
  }
  return { ok: false, reason: 'no bounded box meets every region (grew it 24 times)' };
}

function enumerate(chain: LayerChain, r: number, maxRegions: number): ExactPlanarResult | 'grow' {
  const { linears, activations } = chain;
  const m = linears.length;
  let cells: Cell[] = [{ poly: [-r, -r, r, -r, r, r, -r, r], cons: null, a: Float64Array.from([1, 0, 0, 1]), c: new Float64Array(2) }];
  for (let k = 0; k < m - 1; k++) {
    const w = linears[k];
    const slope = activations[k].negativeSlope as number;
    const next: Cell[] = [];
    for (const cell of cells) {
      const nIn = w.cols;
      const z = new Float64Array(w.rows * 2);
      const z0 = new Float64Array(w.rows);
      for (let i = 0; i < w.rows; i++) {
        let s0 = 0; let s1 = 0; let sc = w.bias[i];
        for (let j = 0; j < nIn; j++) {
          const v = w.weight[i * nIn + j];
          s0 += v * cell.a[2 * j]; s1 += v * cell.a[2 * j + 1]; sc += v * cell.c[j];
        }
        z[2 * i] = s0; z[2 * i + 1] = s1; z0[i] = sc;
      }
      // Split by each neuron in turn; each piece carries its pattern (1 active, 0 inactive).
      let pieces: { poly: number[]; cons: Con | null; pattern: Uint8Array }[] = [{ poly: cell.poly, cons: cell.cons, pattern: new Uint8Array(w.rows) }];
      for (let i = 0; i < w.rows; i++) {
        const a0 = z[2 * i]; const a1 = z[2 * i + 1]; const c = z0[i];
        const tol = 1e-9 * (Math.hypot(a0, a1) * r * 1.5 + Math.abs(c)) + 1e-300;
        const out: typeof pieces = [];
        for (const p of pieces) {
          let anyPos = false; let anyNeg = false;
          for (let v = 0; v < p.poly.length; v += 2) {
            const val = a0 * p.poly[v] + a1 * p.poly[v + 1] + c;
            if (val > tol) anyPos = true;
            if (val < -tol) anyNeg = true;
          }
          if (!anyPos && !anyNeg) { out.push(p); continue; } // a degenerate sliver on the line: either pattern, keep one
          if (anyPos !== anyNeg) {
            if (lineMeetsRegionOutside(a0, a1, c, p.cons, r)) return 'grow';
            const pat = p.pattern; if (anyPos) pat[i] = 1;
            out.push(p);
            continue;
          }
          const pos = clip(p.poly, a0, a1, c, 0);
          const neg = clip(p.poly, -a0, -a1, -c, 0);
          const patPos = Uint8Array.from(p.pattern); patPos[i] = 1;
          const patNeg = Uint8Array.from(p.pattern); patNeg[i] = 0;
          out.push({ poly: pos, cons: { a0, a1, c, parent: p.cons }, pattern: patPos });
          out.push({ poly: neg, cons: { a0: -a0, a1: -a1, c: -c, parent: p.cons }, pattern: patNeg });
        }
        pieces = out;
        if (next.length + pieces.length > maxRegions) return { ok: false, reason: `more than ${maxRegions} linear regions (raise maxRegions, or use the 'lipsdp' bound)` };
      }
      for (const p of pieces) {
        const a = new Float64Array(w.rows * 2);
        const cc = new Float64Array(w.rows);
        for (let i = 0; i < w.rows; i++) {
          const d = p.pattern[i] ? 1 : slope;
          a[2 * i] = d * z[2 * i]; a[2 * i + 1] = d * z[2 * i + 1]; cc[i] = d * z0[i];
        }
        next.push({ poly: p.poly, cons: p.cons, a, c: cc });
      }
    }
    cells = next;
  }
  const out = linears[m - 1];
  let best = 0;
  let argmax: [number, number] = [0, 0];
  for (const cell of cells) {
    let p = 0; let q = 0; let s = 0;
    for (let i = 0; i < out.rows; i++) {
      let j0 = 0; let j1 = 0;
      for (let j = 0; j < out.cols; j++) { j0 += out.weight[i * out.cols + j] * cell.a[2 * j]; j1 += out.weight[i * out.cols + j] * cell.a[2 * j + 1]; }
      p += j0 * j0; q += j0 * j1; s += j1 * j1;
    }
    const lam = (p + s) / 2 + Math.sqrt(((p - s) / 2) ** 2 + q * q);
    const norm = Math.sqrt(lam);
    if (norm > best) { best = norm; argmax = centroid(cell.poly); }
  }
  // Rounding of the Jacobian products: |fl(J) - J| <= gamma_{depth * width} prod |W_k| entrywise,
  // and the merge perturbations e_k: sum_k e_k prod_{j != k} (||W_j||_F + e_j) (slopes <= 1 in magnitude
  // for relu / leaky relu with |a| <= 1; larger leaks multiply in).
  let slopeMax = 1;
  for (const a of activations) slopeMax *= Math.max(1, Math.abs(a.negativeSlope as number));
  const fro = linears.map((l) => Math.sqrt(l.weight.reduce((acc, v) => acc + v * v, 0)));
  const width = Math.max(...linears.map((l) => l.cols));
  let margin = gamma(m * width + 2) * fro.reduce((a, b) => a * b, 1);
  linears.forEach((l, k) => {
    let prodOthers = 1;
    linears.forEach((o, j) => { if (j !== k) prodOthers *= fro[j] + o.mergeError; });
    margin += l.mergeError * prodOthers;
  });
  margin *= slopeMax * 2;
  const exact = best * chain.postFactor;
  return { ok: true, exact, upperBound: (best + margin) * chain.postFactor * (1 + 2 ** -50), regions: cells.length, box: r, argmax };
}

/** Sutherland-Hodgman clip of a convex polygon to {a0 x + a1 y + c >= -tol}. */
function clip(poly: number[], a0: number, a1: number, c: number, tol: number): number[] {
  const out: number[] = [];
  const n = poly.length / 2;
  for (let i = 0; i < n; i++) {
    const x1 = poly[2 * i]; const y1 = poly[2 * i + 1];
    const j = (i + 1) % n;
    const x2 = poly[2 * j]; const y2 = poly[2 * j + 1];
    const v1 = a0 * x1 + a1 * y1 + c + tol;
    const v2 = a0 * x2 + a1 * y2 + c + tol;
    if (v1 >= 0) out.push(x1, y1);
    if ((v1 >= 0) !== (v2 >= 0)) {
      const t = v1 / (v1 - v2);
      out.push(x1 + t * (x2 - x1), y1 + t * (y2 - y1));
    }
  }
  return out;
}

/**
 * Whether the line a . x + c = 0 meets the interior of the region {con . x + c >= 0 for all constraints}
 * of the whole plane outside the box [-r, r]^2 (a cut inside the box thinner than the tolerance is ignored).
 */
function lineMeetsRegionOutside(a0: number, a1: number, c: number, cons: Con | null, r: number): boolean {
  const nn = a0 * a0 + a1 * a1;
  if (nn === 0) return false;
  const px = (-c * a0) / nn; const py = (-c * a1) / nn;
  const dx = -a1; const dy = a0;
  let lo = -Infinity; let hi = Infinity;
  for (let k = cons; k; k = k.parent) {
    const base = k.a0 * px + k.a1 * py + k.c;
    const rate = k.a0 * dx + k.a1 * dy;
    const scale = 1e-9 * (Math.hypot(k.a0, k.a1) * (Math.hypot(px, py) + 1) + Math.abs(k.c));
    // Strict interior with a margin: a line running along the region's boundary does not cut it.
    if (Math.abs(rate) <= 1e-15 * Math.hypot(k.a0, k.a1) * Math.hypot(dx, dy)) {
      if (base <= scale) return false;
      continue;
    }
    const s = (scale - base) / rate;
    if (rate > 0) lo = Math.max(lo, s); else hi = Math.min(hi, s);
    if (lo >= hi) return false;
  }
  if (!(hi > lo)) return false;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return true;
  const inBox = (s: number): boolean => Math.max(Math.abs(px + s * dx), Math.abs(py + s * dy)) <= r * (1 - 1e-9);
  return !inBox(lo) || !inBox(hi);
}

function centroid(poly: number[]): [number, number] {
  let x = 0; let y = 0;
  const n = poly.length / 2;
  for (let i = 0; i < n; i++) { x += poly[2 * i]; y += poly[2 * i + 1]; }
  return n ? [x / n, y / n] : [0, 0];
}
