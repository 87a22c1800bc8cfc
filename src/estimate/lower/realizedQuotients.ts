import * as tf from '@tensorflow/tfjs-core';
import type { ModelFunction } from './modelFunction.js';
import { readValues } from '../../util/readValues.js';

/**
 * A pair is used only if ||x - y|| >= MIN_RELATIVE_STEP * max(||x||, ||y||, floor): then float32
 * rounding of the forward pass (relative ~1e-7 per layer) moves a quotient by ~1e-5 per layer at
 * most, not by orders of magnitude as with tiny steps. `floor` is 1e-3 sqrt(d) (inputs near 0).
 */
export const MIN_RELATIVE_STEP = 1e-2;

/**
 * A pair is also rejected when ||f(x) - f(y)|| < OUTPUT_REJECT (||f(x)|| + ||f(y)||): the rounding
 * of the outputs themselves (relative u = 2^-24 per entry and layer, e.g. when large biases
 * dominate them) is then a sizeable part of the difference. The kept pairs' output ratio
 * (||f(x)|| + ||f(y)||) / ||f(x) - f(y)|| (<= 1000) enters `float32Allowance`.
 */
export const OUTPUT_REJECT = 1e-3;

/** Realized quotients of k pairs (rows of xs and ys, flat float32), computed in float64. */
export interface Quotients { quotient: Float64Array; distance: Float64Array; relative: Float64Array; outputRatio: Float64Array; rejected: number }

/**
 * ||f(x_i) - f(y_i)|| / ||x_i - y_i|| for each pair, with f the model's own float32 forward pass
 * and both norms taken in float64 of the float32 values actually fed and returned (so the
 * quotient is exactly what TF.js realizes). A rejected pair (see the constants) gets quotient 0.
 */
export function realizedQuotients(
  f: ModelFunction, xs: Float32Array, ys: Float32Array, fx?: Float32Array, fyGiven?: Float32Array,
): Quotients {
  const k = xs.length / f.d;
  const out: Quotients = { quotient: new Float64Array(k), distance: new Float64Array(k), relative: new Float64Array(k), outputRatio: new Float64Array(k), rejected: 0 };
  const floor = 1e-3 * Math.sqrt(f.d);
  for (let start = 0; start < k; start += f.chunk) {
    const c = Math.min(f.chunk, k - start);
    const fy = fyGiven ? fyGiven.subarray(start * f.m, (start + c) * f.m) : forward(f, ys.subarray(start * f.d, (start + c) * f.d), c);
    const fxs = fx ? fx.subarray(start * f.m, (start + c) * f.m) : forward(f, xs.subarray(start * f.d, (start + c) * f.d), c);
    for (let i = 0; i < c; i++) {
      const e = start + i;
      let dx = 0; let nx = 0; let ny = 0;
      for (let j = e * f.d; j < (e + 1) * f.d; j++) {
        const a = xs[j]; const b = ys[j];
        dx += (b - a) * (b - a); nx += a * a; ny += b * b;
      }
      let df = 0; let nf = 0; let nfy = 0;
      for (let j = 0; j < f.m; j++) {
        const a = fxs[i * f.m + j]; const b = fy[i * f.m + j];
        df += (b - a) * (b - a); nf += a * a; nfy += b * b;
      }
      const outputs = Math.sqrt(nf) + Math.sqrt(nfy);
      out.outputRatio[e] = outputs / Math.sqrt(df);
      const dist = Math.sqrt(dx);
      const scale = Math.max(Math.sqrt(nx), Math.sqrt(ny), floor);
      out.distance[e] = dist;
      out.relative[e] = dist / Math.max(Math.sqrt(nx), floor);
      const ok = dist >= MIN_RELATIVE_STEP * scale * (1 - 1e-6) && Math.sqrt(df) > 0 && Math.sqrt(df) >= OUTPUT_REJECT * outputs;
      if (ok && dist > 0) out.quotient[e] = Math.sqrt(df) / dist;
      else out.rejected++;
    }
  }
  return out;
}

/** f on c flat examples, as flat float32 values [c, m]. */
export function forward(f: ModelFunction, values: Float32Array, c: number): Float32Array {
  const out = new Float32Array(c * f.m);
  for (let s = 0; s < c; s += f.chunk) {
    const b = Math.min(f.chunk, c - s);
    out.set(readValues(() => f.apply(tf.tensor2d(values.subarray(s * f.d, (s + b) * f.d), [b, f.d]))), s * f.m);
  }
  return out;
}
