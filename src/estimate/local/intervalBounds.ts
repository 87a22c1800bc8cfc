import { relaxActivation } from './activationRelaxation.js';
import { valueRange } from './localActivations.js';
import type { LocalGraph, LocalOp } from './localGraph.js';
import { gamma, rowNorms, type SparseAffine } from './sparseMatrix.js';

/** Lower and upper bounds of every entry of one tensor over the input ball. */
export interface Box { lo: Float64Array; hi: Float64Array }

/** Options of `intervalBounds`. */
export interface IntervalBoundsOptions {
  /**
   * 'linear' (default): CROWN-style linear bounds in the input perturbation, propagated forward
   * and intersected with interval bounds; 'interval': interval arithmetic only (faster).
   */
  relaxation?: 'linear' | 'interval';
  /** Largest size x inputDim of the linear bounds kept per tensor (beyond: intervals). Default 4e6. */
  maxLinearEntries?: number;
}

/** Linear bounds `Alo δ + clo <= v <= Ahi δ + chi` for ||δ||_2 <= r, up to `err` (rounding), rows of length d. */
interface Forms { alo: Float64Array; ahi: Float64Array; clo: Float64Array; chi: Float64Array; err: Float64Array; n1: Float64Array; identity: boolean }

/**
 * CERTIFIED bounds on every tensor of the network over the l2 ball ||z - x||_2 <= radius.
 *
 * Interval arithmetic (centre c' = W c + b, radius r' = |W| r; the first linear map of the input
 * uses the ball exactly: r' = radius ||W_i||_2), and, with `relaxation: 'linear'`, forward
 * linear bounds in δ = z - x (Fast-Lin / CROWN relaxations of the activations, Weng et al. 2018,
 * Zhang et al. 2018) concretized over the ball as c ± radius ||a||_2. The two are intersected.
 * Everything is float64 with outward margins (gamma_n bounds on every sum, the activations'
 * evaluation errors), so each box contains the exact real values.
 */
export function intervalBounds(graph: LocalGraph, x: Float64Array, radius: number, options: IntervalBoundsOptions = {}): Box[] {
  const { relaxation = 'linear', maxLinearEntries = 4e6 } = options;
  const { ops } = graph;
  const d = x.length;
  const lastUse = new Int32Array(ops.length).fill(-1);
  ops.forEach((op, i) => { for (const s of sources(op)) lastUse[s] = i; });
  const boxes: Box[] = [];
  const forms: (Forms | null)[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    let box: Box;
    let form: Forms | null = null;
    const useForms = relaxation === 'linear' && op.size * d <= maxLinearEntries;
    switch (op.kind) {
      case 'input': {
        box = { lo: x.map((v) => v - radius), hi: x.map((v) => v + radius) };
        if (relaxation === 'linear') {
          form = { alo: new Float64Array(0), ahi: new Float64Array(0), clo: x.slice(), chi: x.slice(), err: new Float64Array(d), n1: new Float64Array(d).fill(1), identity: true };
        }
        break;
      }
      case 'affine': {
        box = ops[op.src].kind === 'input' ? affineBall(op.m, x, radius) : affineBox(op.m, boxes[op.src]);
        const f = forms[op.src];
        if (useForms && f) form = affineForms(op.m, f, d, radius);
        break;
      }
      case 'act': {
        const b = boxes[op.src];
        const lo = new Float64Array(op.size);
        const hi = new Float64Array(op.size);
        for (let j = 0; j < op.size; j++) [lo[j], hi[j]] = valueRange(op.act, b.lo[j], b.hi[j]);
        box = { lo, hi };
        const f = forms[op.src];
        if (useForms && f) form = actForms(op, f, b, d, radius);
        break;
      }
      case 'sum': {
        box = sumBox(op.coef, op.srcs.map((s) => boxes[s]), op.size);
        const fs = op.srcs.map((s) => forms[s]);
        if (useForms && fs.every((f) => f !== null)) form = sumForms(op.coef, fs as Forms[], op.size, d, radius);
        break;
      }
      case 'max': {
        const b = boxes[op.src];
        const lo = new Float64Array(op.size).fill(-Infinity);
        const hi = new Float64Array(op.size).fill(-Infinity);
        const { ptr, idx } = op.windows;
        for (let o = 0; o < op.size; o++) {
          for (let k = ptr[o]; k < ptr[o + 1]; k++) { lo[o] = Math.max(lo[o], b.lo[idx[k]]); hi[o] = Math.max(hi[o], b.hi[idx[k]]); }
        }
        box = { lo, hi };
        const f = forms[op.src];
        if (useForms && f) form = maxForms(op, f, b, d);
        break;
      }
    }
    if (form && op.kind !== 'input') intersect(box, form, d, radius);
    boxes.push(box);
    forms.push(form);
    for (const s of sources(op)) if (lastUse[s] === i) forms[s] = null;
  }
  return boxes;
}

/** The operations an operation reads. */
export function sources(op: LocalOp): number[] {
  return op.kind === 'input' ? [] : op.kind === 'sum' ? op.srcs : [op.src];
}

function affineBall(m: SparseAffine, x: Float64Array, r: number): Box {
  const norms = rowNorms(m);
  const lo = new Float64Array(m.rows);
  const hi = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let c = m.bias ? m.bias[i] : 0;
    let mag = Math.abs(c);
    for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) { c += m.val[k] * x[m.col[k]]; mag += Math.abs(m.val[k] * x[m.col[k]]); }
    const g = gamma(m.rowPtr[i + 1] - m.rowPtr[i] + 2);
    const rad = r * norms[i] * (1 + g) + g * (mag + r * norms[i]);
    lo[i] = c - rad;
    hi[i] = c + rad;
  }
  return { lo, hi };
}

function affineBox(m: SparseAffine, b: Box): Box {
  const lo = new Float64Array(m.rows);
  const hi = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let c = m.bias ? m.bias[i] : 0;
    let rad = 0;
    let mag = Math.abs(c);
    for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) {
      const j = m.col[k];
      const w = m.val[k];
      const cj = 0.5 * (b.lo[j] + b.hi[j]);
      const rj = Math.max(b.hi[j] - cj, cj - b.lo[j]);
      c += w * cj;
      rad += Math.abs(w) * rj;
      mag += Math.abs(w) * (Math.abs(cj) + rj);
    }
    const total = rad + gamma(m.rowPtr[i + 1] - m.rowPtr[i] + 4) * mag;
    lo[i] = c - total;
    hi[i] = c + total;
  }
  return { lo, hi };
}

function sumBox(coef: number[], bs: Box[], n: number): Box {
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const g = gamma(coef.length + 2);
  for (let i = 0; i < n; i++) {
    let l = 0;
    let h = 0;
    let mag = 0;
    bs.forEach((b, s) => {
      const a = coef[s];
      l += a >= 0 ? a * b.lo[i] : a * b.hi[i];
      h += a >= 0 ? a * b.hi[i] : a * b.lo[i];
      mag += Math.abs(a) * Math.max(Math.abs(b.lo[i]), Math.abs(b.hi[i]));
    });
    lo[i] = l - g * mag;
    hi[i] = h + g * mag;
  }
  return { lo, hi };
}

function newForms(n: number, d: number): Forms {
  return {
    alo: new Float64Array(n * d), ahi: new Float64Array(n * d), clo: new Float64Array(n), chi: new Float64Array(n),
    err: new Float64Array(n), n1: new Float64Array(n), identity: false,
  };
}

/** Row i of the lower (upper) form of f: a view, or the unit vector for the identity forms of the input. */
function addRow(target: Float64Array, to: number, f: Forms, row: number, coef: number, d: number, upper: boolean): void {
  if (f.identity) { target[to + row] += coef; return; }
  const src = upper ? f.ahi : f.alo;
  const so = row * d;
  for (let k = 0; k < d; k++) target[to + k] += coef * src[so + k];
}

function finishNorms(f: Forms, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    for (let k = i * d; k < (i + 1) * d; k++) { a += Math.abs(f.alo[k]); b += Math.abs(f.ahi[k]); }
    f.n1[i] = Math.max(a, b);
  }
}

function affineForms(m: SparseAffine, f: Forms, d: number, r: number): Forms {
  const out = newForms(m.rows, d);
  for (let i = 0; i < m.rows; i++) {
    const b = m.bias ? m.bias[i] : 0;
    let clo = b;
    let chi = b;
    let err = 0;
    let mag = Math.abs(b);
    for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) {
      const j = m.col[k];
      const w = m.val[k];
      const pos = w >= 0;
      addRow(out.alo, i * d, f, j, w, d, !pos);
      addRow(out.ahi, i * d, f, j, w, d, pos);
      clo += w * (pos ? f.clo[j] : f.chi[j]);
      chi += w * (pos ? f.chi[j] : f.clo[j]);
      err += Math.abs(w) * f.err[j];
      mag += Math.abs(w) * (Math.max(Math.abs(f.clo[j]), Math.abs(f.chi[j])) + r * f.n1[j]);
    }
    out.clo[i] = clo;
    out.chi[i] = chi;
    out.err[i] = err * (1 + gamma(m.rowPtr[i + 1] - m.rowPtr[i] + 2)) + gamma(m.rowPtr[i + 1] - m.rowPtr[i] + 2) * mag;
  }
  finishNorms(out, m.rows, d);
  return out;
}

function actForms(op: Extract<LocalOp, { kind: 'act' }>, f: Forms, b: Box, d: number, r: number): Forms {
  const n = op.size;
  const out = newForms(n, d);
  const g = gamma(4);
  for (let j = 0; j < n; j++) {
    const slope = op.act.slopeRange(b.lo[j], b.hi[j]);
    const { sl, tl, su, tu } = relaxActivation(op.act, b.lo[j], b.hi[j], slope);
    addRow(out.alo, j * d, f, j, sl, d, sl < 0);
    addRow(out.ahi, j * d, f, j, su, d, su >= 0);
    out.clo[j] = sl * (sl >= 0 ? f.clo[j] : f.chi[j]) + tl;
    out.chi[j] = su * (su >= 0 ? f.chi[j] : f.clo[j]) + tu;
    const s = Math.max(Math.abs(sl), Math.abs(su));
    out.err[j] = s * f.err[j] * (1 + g) + g * (s * (Math.max(Math.abs(f.clo[j]), Math.abs(f.chi[j])) + r * f.n1[j]) + Math.abs(tl) + Math.abs(tu));
  }
  finishNorms(out, n, d);
  return out;
}

function sumForms(coef: number[], fs: Forms[], n: number, d: number, r: number): Forms {
  const out = newForms(n, d);
  const g = gamma(coef.length + 2);
  for (let i = 0; i < n; i++) {
    let err = 0;
    let mag = 0;
    fs.forEach((f, s) => {
      const a = coef[s];
      addRow(out.alo, i * d, f, i, a, d, a < 0);
      addRow(out.ahi, i * d, f, i, a, d, a >= 0);
      out.clo[i] += a * (a >= 0 ? f.clo[i] : f.chi[i]);
      out.chi[i] += a * (a >= 0 ? f.chi[i] : f.clo[i]);
      err += Math.abs(a) * f.err[i];
      mag += Math.abs(a) * (Math.max(Math.abs(f.clo[i]), Math.abs(f.chi[i])) + r * f.n1[i]);
    });
    out.err[i] = err * (1 + g) + g * mag;
  }
  finishNorms(out, n, d);
  return out;
}

function maxForms(op: Extract<LocalOp, { kind: 'max' }>, f: Forms, b: Box, d: number): Forms {
  const n = op.size;
  const out = newForms(n, d);
  const { ptr, idx } = op.windows;
  for (let o = 0; o < n; o++) {
    let best = idx[ptr[o]];
    let maxHi = -Infinity;
    for (let k = ptr[o]; k < ptr[o + 1]; k++) {
      if (b.lo[idx[k]] > b.lo[best]) best = idx[k];
      maxHi = Math.max(maxHi, b.hi[idx[k]]);
    }
    let dominates = true;
    for (let k = ptr[o]; k < ptr[o + 1]; k++) if (idx[k] !== best && b.hi[idx[k]] > b.lo[best]) dominates = false;
    addRow(out.alo, o * d, f, best, 1, d, false);
    out.clo[o] = f.clo[best];
    if (dominates) {
      addRow(out.ahi, o * d, f, best, 1, d, true);
      out.chi[o] = f.chi[best];
    } else {
      out.chi[o] = maxHi;
    }
    out.err[o] = f.err[best];
  }
  finishNorms(out, n, d);
  return out;
}

/** Concretizes the forms over the ball (c ± r ||a||_2, margins) and intersects the box with the result. */
function intersect(box: Box, f: Forms, d: number, r: number): void {
  const g = gamma(d + 4);
  for (let i = 0; i < box.lo.length; i++) {
    let sl = 0;
    let sh = 0;
    for (let k = i * d; k < (i + 1) * d; k++) { sl += f.alo[k] * f.alo[k]; sh += f.ahi[k] * f.ahi[k]; }
    const nl = Math.sqrt(sl) * (1 + g);
    const nh = Math.sqrt(sh) * (1 + g);
    const slack = f.err[i] + g * (Math.max(Math.abs(f.clo[i]), Math.abs(f.chi[i])) + r * f.n1[i]);
    const lo = f.clo[i] - r * nl - slack;
    const hi = f.chi[i] + r * nh + slack;
    if (lo > box.lo[i]) box.lo[i] = lo;
    if (hi < box.hi[i]) box.hi[i] = hi;
  }
}
