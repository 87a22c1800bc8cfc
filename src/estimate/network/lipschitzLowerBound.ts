import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkFiniteTensor, checkNumber } from '../../util/validate.js';
import { exactSingularValues } from '../exactSingularValues.js';
import { seededNormal } from '../../util/random.js';
import { readValues } from '../../util/readValues.js';

/** Options of `lipschitzLowerBound`. */
export interface LowerBoundOptions {
  /** Gradient-ascent steps refining the best inputs (0 disables the refinement). Default 20. */
  steps?: number;
  /** Ascent step, as a fraction of the probe radius. Default 0.5. */
  stepSize?: number;
  /** How many of the inputs with the largest Jacobian norm are refined. Default 4. */
  candidates?: number;
  /** Seed for the random probe directions. Default 0. */
  seed?: number;
}

/** The result of `lipschitzLowerBound`. */
export interface LowerBoundResult {
  /** The largest value found: a lower bound of the true l2 Lipschitz constant (up to float32 rounding). */
  lowerBound: number;
  /** The spectral norm of the model's Jacobian at each given input. */
  jacobianNorms: Float32Array;
  method: string;
}

/** Output sizes up to this get the exact Jacobian (one backward pass per output). */
const FULL_JACOBIAN_MAX_OUTPUTS = 64;

/**
 * An **empirical lower bound** of a model's l2 Lipschitz constant: the largest Jacobian
 * spectral norm `sigma_max(J_f(x))` found at the given inputs, refined by gradient ascent
 * on the input of the difference quotient `||f(x + d) - f(x)|| / ||d||` (first order only, so it
 * also moves ReLU networks, whose local Jacobian is piecewise constant). Every candidate is
 * a value the true constant must exceed: `sigma_max(J_f(x)) <= L` wherever f is
 * differentiable, and every difference quotient is `<= L`. So `lowerBound <= L` (up to float32
 * rounding of the model's own arithmetic), and `lowerBound <= lipschitzBound(model).upperBound`.
 *
 * Jacobians with at most 64 outputs are formed exactly (one backward pass per output) and
 * their top singular value taken by float64 Jacobi SVD; larger outputs use power iteration
 * on `J^T J` with Jacobian-vector products by double backpropagation (an underestimate).
 */
export function lipschitzLowerBound(model: tfl.LayersModel, inputs: tf.Tensor, options: LowerBoundOptions = {}): LowerBoundResult {
  const { steps = 20, stepSize = 0.5, candidates = 4, seed = 0 } = options;
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  checkNumber('options.steps', steps, { min: 0, max: 1e5, integer: true });
  checkNumber('options.stepSize', stepSize, { min: 0, exclusiveMin: true, max: 10 });
  checkNumber('options.candidates', candidates, { min: 1, max: 1e4, integer: true });
  checkNumber('options.seed', seed, { integer: true });
  checkInputs(model, inputs);

  const f = (x: tf.Tensor): tf.Tensor2D => tf.tidy(() => {
    const y = model.apply(x, { training: false }) as tf.Tensor;
    return tf.reshape(y, [y.shape[0], -1]) as tf.Tensor2D;
  });
  const n = inputs.shape[0];
  const { norms, directions } = jacobianNorms(f, inputs);
  let best = 0;
  for (const s of norms) best = Math.max(best, s);
  let method = `max Jacobian spectral norm at ${n} inputs`;

  if (steps > 0) {
    const order = Array.from(norms.keys()).sort((a, b) => norms[b] - norms[a]).slice(0, Math.min(candidates, n));
    const refined = ascend(f, inputs, order, directions, { steps, stepSize, seed });
    if (refined > best) best = refined;
    method += `, refined by ${steps} steps of difference-quotient ascent at ${order.length} inputs`;
  }
  return { lowerBound: best, jacobianNorms: norms, method };
}

function checkInputs(model: tfl.LayersModel, inputs: tf.Tensor): void {
  if (!(inputs instanceof tf.Tensor)) throw new LipkitError('inputs', 'must be a tf.Tensor with a batch axis');
  if (model.inputs.length !== 1) throw new LipkitError('model', 'must have a single input');
  const expected = model.inputs[0].shape;
  if (inputs.rank !== expected.length) {
    throw new LipkitError('inputs', `must have rank ${expected.length} (batch first), got shape [${inputs.shape.join(', ')}]`);
  }
  expected.forEach((d, i) => {
    if (i > 0 && d !== null && d !== inputs.shape[i]) {
      throw new LipkitError('inputs', `shape [${inputs.shape.join(', ')}] does not match the model's input [${expected.join(', ')}]`);
    }
  });
  if (inputs.shape[0] === 0) throw new LipkitError('inputs', 'must hold at least one example');
  if (inputs.dtype !== 'float32') throw new LipkitError('inputs', `must be float32, got ${inputs.dtype}`);
  checkFiniteTensor('inputs', inputs);
}

/** Per-example Jacobian spectral norms and top right singular vectors (flattened input space). */
function jacobianNorms(f: (x: tf.Tensor) => tf.Tensor2D, x: tf.Tensor): { norms: Float32Array; directions: Float32Array[] } {
  const n = x.shape[0];
  const d = x.size / n;
  const m = tf.tidy(() => f(tf.slice(x, 0, 1)).shape[1]);
  const norms = new Float32Array(n);
  const directions: Float32Array[] = [];
  if (m <= FULL_JACOBIAN_MAX_OUTPUTS) {
    // rows[j] holds d f_j / dx for every example at once (examples are independent in inference).
    const rows: Float32Array[] = [];
    for (let j = 0; j < m; j++) {
      rows.push(readValues(() => tf.grad((z: tf.Tensor) => tf.sum(tf.slice(f(z), [0, j], [-1, 1])))(x)));
    }
    for (let e = 0; e < n; e++) {
      const jac: number[][] = rows.map((r) => Array.from(r.subarray(e * d, (e + 1) * d)));
      norms[e] = exactSingularValues(jac)[0];
      directions.push(topRightVector(jac, d));
    }
    return { norms, directions };
  }
  // Power iteration on J^T J per example, with J v by double backpropagation.
  let v = tf.tidy(() => normalizeRows(tf.reshape(seededNormal([n, d], 7), [n, d]) as tf.Tensor2D));
  let sigma: tf.Tensor1D = tf.zeros([n]);
  for (let it = 0; it < 30; it++) {
    const next = tf.tidy(() => {
      const jv = jvp(f, x, v);
      const jtjv = tf.reshape(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), jv)))(x), [n, d]) as tf.Tensor2D;
      return { s: tf.norm(jv, 'euclidean', 1) as tf.Tensor1D, v: normalizeRows(jtjv) };
    });
    v.dispose(); sigma.dispose();
    v = next.v; sigma = next.s;
  }
  norms.set(sigma.dataSync());
  const vs = v.dataSync() as Float32Array;
  for (let e = 0; e < n; e++) directions.push(vs.slice(e * d, (e + 1) * d));
  v.dispose(); sigma.dispose();
  return { norms, directions };
}

/** J v per example via the double-VJP trick: J v = d/du <J^T u, v>. */
function jvp(f: (x: tf.Tensor) => tf.Tensor2D, x: tf.Tensor, v: tf.Tensor2D): tf.Tensor2D {
  const m = f(tf.slice(x, 0, 1)).shape[1];
  const u0 = tf.zeros([x.shape[0], m]);
  const vjp = (u: tf.Tensor): tf.Tensor => tf.reshape(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), u)))(x), v.shape);
  return tf.grad((u: tf.Tensor) => tf.sum(tf.mul(vjp(u), v)))(u0) as tf.Tensor2D;
}

function normalizeRows(t: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-30)) as tf.Tensor2D);
}

/** Top right singular vector of a small dense Jacobian by power iteration in float64. */
function topRightVector(jac: number[][], d: number): Float32Array {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  for (let it = 0; it < 50; it++) {
    const jv = jac.map((row) => row.reduce((a, r, i) => a + r * v[i], 0));
    const next = new Float64Array(d);
    jac.forEach((row, j) => { for (let i = 0; i < d; i++) next[i] += row[i] * jv[j]; });
    const nrm = Math.hypot(...next);
    if (nrm === 0) break;
    v = next.map((a) => a / nrm);
  }
  return Float32Array.from(v);
}

/**
 * Gradient ascent on pairs (x, x + d), ||d|| fixed to a probe radius r, maximizing
 * ||f(x + d) - f(x)||^2 / r^2. Returns the largest quotient seen (each one is a valid lower bound).
 */
function ascend(
  f: (x: tf.Tensor) => tf.Tensor2D, inputs: tf.Tensor, order: number[], directions: Float32Array[],
  { steps, stepSize, seed }: { steps: number; stepSize: number; seed: number },
): number {
  const k = order.length;
  const shape = inputs.shape.slice(1);
  const d = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const idx = tf.tensor1d(order, 'int32');
    let x = tf.reshape(tf.gather(inputs, idx), [k, d]) as tf.Tensor2D;
    const scale = Math.max(tf.sqrt(tf.mean(tf.square(x))).dataSync()[0], 1e-3);
    const r = 0.05 * scale * Math.sqrt(d);
    const dir = tf.tensor2d(order.map((o) => Array.from(directions[o])), [k, d]);
    const noise = seededNormal([k, d], seed, 1e-3);
    let delta = tf.mul(normalizeRows(tf.add(dir, noise)), r) as tf.Tensor2D;
    const quotient = (xx: tf.Tensor2D, dd: tf.Tensor2D): tf.Tensor1D => {
      const both = f(tf.reshape(tf.concat([xx, tf.add(xx, dd)], 0), [2 * k, ...shape]));
      const diff = tf.sub(tf.slice(both, [k, 0], [k, -1]), tf.slice(both, [0, 0], [k, -1]));
      return tf.div(tf.sum(tf.square(diff), 1), tf.sum(tf.square(dd), 1)) as tf.Tensor1D;
    };
    let best = 0;
    for (let s = 0; s <= steps; s++) {
      const q = quotient(x, delta);
      best = Math.max(best, Math.sqrt(tf.max(q).dataSync()[0]));
      if (s === steps) break;
      const grads = tf.grads((xx: tf.Tensor, dd: tf.Tensor) => tf.sum(quotient(xx as tf.Tensor2D, dd as tf.Tensor2D)))([x, delta]);
      x = tf.add(x, tf.mul(normalizeRows(grads[0] as tf.Tensor2D), stepSize * r)) as tf.Tensor2D;
      delta = tf.mul(normalizeRows(tf.add(delta, tf.mul(normalizeRows(grads[1] as tf.Tensor2D), stepSize * r)) as tf.Tensor2D), r) as tf.Tensor2D;
    }
    return best;
  });
}
