import type { Box } from './intervalBounds.js';
import type { LocalGraph } from './localGraph.js';
import { gamma, maxColumnCount } from './sparseMatrix.js';

/**
 * An interval matrix `[C - R, C + R]` (row-major [outputs, inputs]) containing the Jacobian of
 * the network's output with respect to its input at every differentiable point of the ball.
 */
export interface JacobianInterval { c: Float64Array; r: Float64Array; rows: number; cols: number }

interface Adjoint { c: Float64Array; r: Float64Array; m: Float64Array; count: number }

/**
 * CERTIFIED interval bound on the Jacobian over the ball (Fast-Lip, Weng et al. 2018): the
 * chain rule J = W_m D_{m-1} W_{m-1} ... D_1 W_1 backwards from the output, with each
 * activation's derivative D_j replaced by the interval [min f', max f'] over its pre-activation
 * bounds (`intervalBounds`): centre C <- C W, radius R <- R |W| through linear maps, the exact
 * interval product through activations (an unstable ReLU row widens to [min(J_l, 0),
 * max(J_u, 0)]), sums through residual Adds, and max pooling as a selection whose weight is
 * 1 for a window's only possible maximizer and [0, 1] for each of several. Float64 with a
 * gamma_n rounding margin added to R for every accumulated sum. With `seed` (a matrix S of
 * shape [rows, outputs], exact), bounds S J instead (e.g. rows e_i - e_j: the gradients of
 * logit differences, whose cancellation then happens before any widening).
 */
export function jacobianBounds(graph: LocalGraph, boxes: Box[], seed?: { rows: number; data: Float64Array }): JacobianInterval {
  const { ops } = graph;
  const out = ops.length - 1;
  const outSize = ops[out].size;
  if (seed && seed.data.length !== seed.rows * outSize) throw new Error('jacobianBounds: seed must be [rows, outputs]');
  const no = seed ? seed.rows : outSize;
  const adj: (Adjoint | null)[] = ops.map(() => null);
  const get = (i: number): Adjoint => {
    let a = adj[i];
    if (!a) {
      const n = no * ops[i].size;
      a = { c: new Float64Array(n), r: new Float64Array(n), m: new Float64Array(n), count: 0 };
      adj[i] = a;
    }
    return a;
  };
  const start = get(out);
  if (seed) start.c.set(seed.data);
  else for (let o = 0; o < no; o++) start.c[o * no + o] = 1;

  let inputIndex = -1;
  for (let i = out; i >= 0; i--) {
    const op = ops[i];
    const y = adj[i];
    if (!y) continue;
    // Finalize: rounding of the accumulated sums into this adjoint.
    const g = gamma(y.count + 4);
    for (let k = 0; k < y.r.length; k++) y.r[k] = (y.r[k] + g * y.m[k]) * (1 + g);
    const ny = op.size;
    if (op.kind === 'input') { inputIndex = i; continue; }
    if (op.kind === 'affine') {
      const x = get(op.src);
      const nx = ops[op.src].size;
      const { rowPtr, col, val } = op.m;
      for (let row = 0; row < ny; row++) {
        for (let k = rowPtr[row]; k < rowPtr[row + 1]; k++) {
          const j = col[k];
          const w = val[k];
          const aw = Math.abs(w);
          for (let o = 0; o < no; o++) {
            const cy = y.c[o * ny + row];
            const ry = y.r[o * ny + row];
            if (cy === 0 && ry === 0) continue;
            x.c[o * nx + j] += cy * w;
            x.r[o * nx + j] += ry * aw;
            x.m[o * nx + j] += (Math.abs(cy) + ry) * aw;
          }
        }
      }
      x.count += maxColumnCount(op.m);
    } else if (op.kind === 'act') {
      const x = get(op.src);
      const b = boxes[op.src];
      for (let j = 0; j < ny; j++) {
        const [dl, du] = op.act.slopeRange(b.lo[j], b.hi[j]);
        for (let o = 0; o < no; o++) {
          const cy = y.c[o * ny + j];
          const ry = y.r[o * ny + j];
          if (dl === du) {
            x.c[o * ny + j] += cy * dl;
            x.r[o * ny + j] += ry * Math.abs(dl);
            x.m[o * ny + j] += (Math.abs(cy) + ry) * Math.abs(dl);
          } else {
            const p1 = (cy - ry) * dl;
            const p2 = (cy - ry) * du;
            const p3 = (cy + ry) * dl;
            const p4 = (cy + ry) * du;
            const lo = Math.min(p1, p2, p3, p4);
            const hi = Math.max(p1, p2, p3, p4);
            addInterval(x, o * ny + j, lo, hi);
          }
        }
      }
      x.count += 1;
    } else if (op.kind === 'sum') {
      op.srcs.forEach((s, idx) => {
        const x = get(s);
        const a = op.coef[idx];
        for (let k = 0; k < y.c.length; k++) {
          x.c[k] += a * y.c[k];
          x.r[k] += Math.abs(a) * y.r[k];
          x.m[k] += Math.abs(a) * (Math.abs(y.c[k]) + y.r[k]);
        }
        x.count += 1;
      });
    } else {
      const x = get(op.src);
      const nx = ops[op.src].size;
      const b = boxes[op.src];
      const { ptr, idx } = op.windows;
      const mult = new Int32Array(nx);
      for (let w = 0; w < ny; w++) {
        let maxLo = -Infinity;
        for (let k = ptr[w]; k < ptr[w + 1]; k++) maxLo = Math.max(maxLo, b.lo[idx[k]]);
        const cands: number[] = [];
        for (let k = ptr[w]; k < ptr[w + 1]; k++) if (b.hi[idx[k]] >= maxLo) cands.push(idx[k]);
        for (const j of cands) {
          mult[j]++;
          for (let o = 0; o < no; o++) {
            const cy = y.c[o * ny + w];
            const ry = y.r[o * ny + w];
            if (cands.length === 1) {
              x.c[o * nx + j] += cy;
              x.r[o * nx + j] += ry;
              x.m[o * nx + j] += Math.abs(cy) + ry;
            } else {
              addInterval(x, o * nx + j, Math.min(0, cy - ry), Math.max(0, cy + ry));
            }
          }
        }
      }
      let mm = 0;
      for (const v of mult) mm = Math.max(mm, v);
      x.count += mm;
    }
    adj[i] = null;
  }
  const inp = adj[inputIndex] ?? get(inputIndex);
  return { c: inp.c, r: inp.r, rows: no, cols: ops[inputIndex].size };
}

/** Adds the interval [lo, hi] as centre and radius, with the rounding of the midpoint in the margin. */
function addInterval(a: Adjoint, k: number, lo: number, hi: number): void {
  const c = 0.5 * (lo + hi);
  a.c[k] += c;
  a.r[k] += Math.max(hi - c, c - lo);
  a.m[k] += Math.abs(lo) + Math.abs(hi);
}
