import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkFiniteValues, checkNumber } from '../util/validate.js';
import { seededGaussian } from '../util/random.js';

export { seededGaussian };

/** A linear map on 1-D tensors. `powerIteration` disposes what it returns. */
export type LinearOperator = (x: tf.Tensor1D) => tf.Tensor1D;

/** Options of `powerIteration` / `spectralNorm`. */
export interface PowerIterationOptions {
  /** Maximum number of iterations (applications of op); default 100. */
  iterations?: number;
  /** Stop when |sigma_k - sigma_{k-1}| <= tolerance * sigma_k; default 1e-6; 0 disables (no per-step reads). */
  tolerance?: number;
  /** Warm start for the right vector v (length dim), e.g. the previous result's `v`. */
  init?: Float32Array | number[] | tf.Tensor1D;
  /** Seed of the random start when there is no `init`; default 0. */
  seed?: number;
}

/** Result of `powerIteration`. */
export interface PowerIterationResult {
  /** ||A v|| for the final unit v: a LOWER estimate of the top singular value. */
  sigma: number;
  /** Left vector A v / ||A v|| (length = output dim; zeros when A v = 0). */
  u: Float32Array;
  /** Right unit vector (length dim). */
  v: Float32Array;
  /** Iterations run (applications of op). */
  iterations: number;
  /** Whether the tolerance test passed (or A v = 0 exactly). */
  converged: boolean;
}

/**
 * Power iteration for the top singular value of a linear operator A: R^dim -> R^m given
 * by `op` (x -> A x) and its `adjoint` (y -> A^T y).
 *
 * Iterates `sigma_k = ||A v_k||`, `v_{k+1} = A^T A v_k / ||A^T A v_k||` (von Mises 1929; as
 * used for spectral normalization by Miyato et al. 2018). sigma is an ESTIMATE from below:
 * `||A v|| <= sigma_max` for every unit v, and it converges at rate (sigma_2/sigma_1)^2.
 * Each step runs in `tf.tidy` and keeps only v; sigma is read back (one scalar) once per step
 * only when `tolerance > 0`. A zero operator gives sigma 0. Throws a LipkitError naming
 * `dim`, `options.*`, `op` or `adjoint` for bad input or operators returning wrong shapes or
 * non-finite values.
 */
export function powerIteration(
  op: LinearOperator, adjoint: LinearOperator, dim: number, options: PowerIterationOptions = {},
): PowerIterationResult {
  if (typeof op !== 'function') throw new LipkitError('op', 'must be a function');
  if (typeof adjoint !== 'function') throw new LipkitError('adjoint', 'must be a function');
  checkNumber('dim', dim, { min: 1, integer: true });
  const { iterations = 100, tolerance = 1e-6, init, seed = 0 } = options;
  checkNumber('options.iterations', iterations, { min: 1, integer: true });
  checkNumber('options.tolerance', tolerance, { min: 0 });
  checkNumber('options.seed', seed, { integer: true });

  const start = startVector(init, dim, seed);
  let v = tf.tidy(() => {
    const x = tf.tensor1d(start);
    return tf.div(x, tf.norm(x)) as tf.Tensor1D;
  });
  let w: tf.Tensor1D | null = null; // A v for the current v
  let sigma = NaN;
  let previous = NaN;
  let converged = false;
  let iteration = 0;
  try {
    for (iteration = 1; iteration <= iterations; iteration++) {
      const current: tf.Tensor1D = v;
      const av = tf.tidy(() => {
        const out = checkOutput('op', op(current), null);
        return out === current ? out.clone() : out; // identity-like op: keep v and A v distinct
      });
      w?.dispose();
      w = av;
      if (tolerance > 0) {
        sigma = tf.tidy(() => tf.norm(av).dataSync()[0]);
        if (!Number.isFinite(sigma)) throw new LipkitError('op', `produced a non-finite value (||A v|| = ${sigma})`);
        if (sigma === 0 || (iteration > 1 && Math.abs(sigma - previous) <= tolerance * sigma)) {
          converged = true;
          break;
        }
        previous = sigma;
      }
      if (iteration === iterations) break;
      const next = tf.tidy(() => {
        const z = checkOutput('adjoint', adjoint(av), dim);
        const nz = tf.norm(z);
        // Keep v when A^T A v = 0 (zero operator): no division by zero.
        return tf.where(tf.greater(nz, 0), tf.div(z, tf.maximum(nz, 1e-30)), current) as tf.Tensor1D;
      });
      current.dispose();
      v = next;
    }
    iteration = Math.min(iteration, iterations);
    const final = w as tf.Tensor1D;
    const [sig, u] = tf.tidy(() => {
      const n = tf.norm(final);
      return [n.dataSync()[0], tf.div(final, tf.maximum(n, 1e-30)).dataSync() as Float32Array] as const;
    });
    if (!Number.isFinite(sig)) throw new LipkitError('op', `produced a non-finite value (||A v|| = ${sig})`);
    const vOut = v.dataSync() as Float32Array;
    if (!vOut.every(Number.isFinite)) throw new LipkitError('adjoint', 'produced non-finite values');
    if (sig === 0) converged = true;
    return { sigma: sig, u: Float32Array.from(u), v: Float32Array.from(vOut), iterations: iteration, converged };
  } finally {
    v.dispose();
    (w as tf.Tensor1D | null)?.dispose();
  }
}

/** Validates an operator's output: a 1-D tensor (of length `dim` when given). */
function checkOutput(name: string, t: unknown, dim: number | null): tf.Tensor1D {
  if (!(t instanceof tf.Tensor) || t.rank !== 1 || (dim !== null && t.shape[0] !== dim)) {
    const shape = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : typeof t;
    throw new LipkitError(name, `must return a 1-D tensor${dim !== null ? ` of length ${dim}` : ''}, got ${shape}`);
  }
  return t as tf.Tensor1D;
}

/** The start vector: `init` validated (length dim, finite, nonzero), or seeded Gaussian. */
function startVector(init: PowerIterationOptions['init'], dim: number, seed: number): Float32Array {
  if (init === undefined) return seededGaussian(dim, seed);
  let values: Float32Array;
  if (init instanceof tf.Tensor) {
    if (init.rank !== 1) throw new LipkitError('options.init', `must be 1-D, got shape [${init.shape.join(', ')}]`);
    values = Float32Array.from(init.dataSync() as ArrayLike<number>);
  } else if (init instanceof Float32Array || Array.isArray(init)) {
    values = Float32Array.from(init);
  } else {
    throw new LipkitError('options.init', 'must be a Float32Array, a number[] or a 1-D tensor');
  }
  if (values.length !== dim) throw new LipkitError('options.init', `must have length dim = ${dim}, got ${values.length}`);
  checkFiniteValues('options.init', values);
  if (values.every((x) => x === 0)) throw new LipkitError('options.init', 'must not be the zero vector');
  return values;
}
