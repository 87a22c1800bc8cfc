import * as tf from '@tensorflow/tfjs-core';
import { seededGaussian } from '../../util/random.js';
import { readValues } from '../../util/readValues.js';
import type { ModelFunction } from './modelFunction.js';
import { forward, realizedQuotients, type Quotients } from './realizedQuotients.js';

/** Directions of largest growth at a batch of inputs, with estimates of the Jacobian norm. */
export interface Directions {
  /** Unit directions [c, d], flat. */
  directions: Float32Array;
  /** Jacobian spectral norm estimates (of the TF.js Jacobian when formed exactly, or the power-iteration quotient). */
  norms: Float32Array;
  /** Iterations done (1 for an exact Jacobian). */
  iterations: number;
}

/** Jacobians with at most this many outputs and entries are formed exactly (one backward pass per output). */
export const EXACT_JACOBIAN_MAX_OUTPUTS = 16;
const EXACT_JACOBIAN_MAX_ENTRIES = 1 << 16;

/** Whether `exactDirections` is used for f. */
export function usesExactJacobian(f: ModelFunction): boolean {
  return f.m <= EXACT_JACOBIAN_MAX_OUTPUTS && f.m * f.d <= EXACT_JACOBIAN_MAX_ENTRIES;
}

/**
 * The TF.js Jacobian of c examples, row by row (one backward pass per output on the whole batch),
 * its top singular value and right singular vector (float64 power iteration on J J^T). Gradients only
 * choose the direction: TF.js's max-pooling gradient at ties can exceed the function's slope.
 */
export function exactDirections(f: ModelFunction, x: Float32Array, c: number): Directions {
  const xt = tf.tensor2d(x, [c, f.d]);
  try {
    const rowsOf: Float32Array[] = [];
    for (let j = 0; j < f.m; j++) {
      rowsOf.push(readValues(() => tf.grad((z: tf.Tensor) => tf.sum(tf.slice(f.apply(z as tf.Tensor2D), [0, j], [-1, 1])))(xt)));
    }
    const directions = new Float32Array(c * f.d);
    const norms = new Float32Array(c);
    for (let e = 0; e < c; e++) {
      const jac = rowsOf.map((r) => Array.from(r.subarray(e * f.d, (e + 1) * f.d)));
      const top = topRightVector(jac, f.d);
      norms[e] = top.sigma;
      directions.set(top.v, e * f.d);
    }
    return { directions, norms, iterations: 1 };
  } finally {
    xt.dispose();
  }
}

/**
 * Power iteration on J^T J at c inputs without any per-output backward pass:
 *   J v ~ (f(x + h v) - f(x)) / h           (forward difference, h = 2e-2 ||x||: one forward pass)
 *   v  <- J^T u / ||J^T u||, u = f(x + h v) - f(x)   (one VJP: tf.grad of <f(z), u>)
 * Each forward difference is itself a realized quotient ||f(x + h v) - f(x)|| / ||h v||, passed to
 * `onQuotients`. Stops early when `stop()` says so (after at least one iteration).
 */
export function powerDirections(
  f: ModelFunction, x: Float32Array, c: number,
  { iterations, seed, stop, onQuotients, onIteration }: {
    iterations: number; seed: number; stop: () => boolean;
    onQuotients: (q: Quotients, ys: Float32Array) => void; onIteration: (done: number) => void;
  },
): Directions {
  const d = f.d;
  const v = seededGaussian(c * d, seed + 7);
  normalizeRows(v, d, seed);
  const fx = forward(f, x, c);
  const h = new Float64Array(c);
  for (let e = 0; e < c; e++) {
    let s = 0;
    for (let j = e * d; j < (e + 1) * d; j++) s += x[j] * x[j];
    h[e] = 2e-2 * Math.max(Math.sqrt(s), 1e-3 * Math.sqrt(d));
  }
  const norms = new Float32Array(c);
  let done = 0;
  for (let it = 0; it < iterations; it++) {
    const ys = new Float32Array(c * d);
    for (let e = 0; e < c; e++) for (let j = e * d; j < (e + 1) * d; j++) ys[j] = x[j] + h[e] * v[j];
    const fy = forward(f, ys, c);
    const q = realizedQuotients(f, x, ys, fx, fy);
    onQuotients(q, ys);
    for (let e = 0; e < c; e++) norms[e] = q.quotient[e];
    const u = new Float32Array(c * f.m);
    for (let i = 0; i < u.length; i++) u[i] = fy[i] - fx[i];
    const g = vjp(f, x, u, c);
    v.set(g);
    normalizeRows(v, d, seed + it + 1);
    done++;
    onIteration(done);
    if (stop()) break;
  }
  return { directions: v, norms, iterations: done };
}

/** Seeded random unit directions (when the model has no gradient), norms unknown (NaN). */
export function randomDirections(c: number, d: number, seed: number): Directions {
  const directions = seededGaussian(c * d, seed + 13);
  normalizeRows(directions, d, seed);
  return { directions, norms: new Float32Array(c).fill(NaN), iterations: 0 };
}

/** J^T u at c inputs (chunked), flat [c, d]. */
function vjp(f: ModelFunction, x: Float32Array, u: Float32Array, c: number): Float32Array {
  const out = new Float32Array(c * f.d);
  for (let s = 0; s < c; s += f.chunk) {
    const b = Math.min(f.chunk, c - s);
    out.set(readValues(() => {
      const xt = tf.tensor2d(x.subarray(s * f.d, (s + b) * f.d), [b, f.d]);
      const ut = tf.tensor2d(u.subarray(s * f.m, (s + b) * f.m), [b, f.m]);
      return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f.apply(z as tf.Tensor2D), ut)))(xt);
    }), s * f.d);
  }
  return out;
}

/** Normalizes each row of a flat [c, d] array; a zero (or non-finite) row becomes a random unit vector. */
export function normalizeRows(v: Float32Array, d: number, seed: number): void {
  const c = v.length / d;
  for (let e = 0; e < c; e++) {
    let s = 0;
    for (let j = e * d; j < (e + 1) * d; j++) s += v[j] * v[j];
    if (!(s > 0) || !Number.isFinite(s)) {
      v.set(seededGaussian(d, seed * 7919 + e), e * d);
      s = 0;
      for (let j = e * d; j < (e + 1) * d; j++) s += v[j] * v[j];
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = e * d; j < (e + 1) * d; j++) v[j] *= inv;
  }
}

/**
 * Top singular value and right singular vector of a small dense Jacobian (m <= 16 rows), by power
 * iteration in float64 on the m x m Gram matrix J J^T from a seeded start: v = J^T u / ||J^T u||.
 */
function topRightVector(jac: number[][], d: number): { sigma: number; v: Float32Array } {
  const m = jac.length;
  const g = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      const ra = jac[a]; const rb = jac[b];
      for (let i = 0; i < d; i++) s += ra[i] * rb[i];
      g[a * m + b] = s; g[b * m + a] = s;
    }
  }
  let u = Float64Array.from(seededGaussian(m, 11));
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const next = new Float64Array(m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) next[a] += g[a * m + b] * u[b];
    let nrm = 0;
    for (const x of next) nrm += x * x;
    nrm = Math.sqrt(nrm);
    if (nrm === 0) break;
    lambda = nrm;
    u = next.map((x) => x / nrm);
  }
  const v = new Float64Array(d);
  for (let a = 0; a < m; a++) for (let i = 0; i < d; i++) v[i] += jac[a][i] * u[a];
  let nv = 0;
  for (const x of v) nv += x * x;
  nv = Math.sqrt(nv);
  return { sigma: Math.sqrt(lambda), v: Float32Array.from(nv > 0 ? v.map((x) => x / nv) : v) };
}
