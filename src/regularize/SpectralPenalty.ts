import * as tf from '@tensorflow/tfjs-core';
import { matrixOperator, powerStep, sigmaOf } from '../estimate/powerStep.js';
import { LipkitError } from '../util/errors.js';
import { seededNormal } from '../util/random.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from './checks.js';

/** Options of `SpectralPenalty` and `spectralPenalty`. */
export interface SpectralPenaltyOptions {
  /** Weight lambda >= 0, default 1. */
  lambda?: number;
  /** `true` (default): `(lambda/2) sum_l sigma_l^2` (Yoshida & Miyato 2017); `false`: `lambda sum_l sigma_l` (the unsquared sum). */
  squared?: boolean;
  /** Power-iteration steps per call after the first, default 1 (`spectralPenalty`: 20 from a fresh vector). */
  iterations?: number;
  /** Steps on the first call for a weight (no warm start yet), default 15 (as PyTorch's spectral_norm). */
  warmup?: number;
  /** Seed of the initial right vectors (weight i uses seed + i), default 1. */
  seed?: number;
}

interface Validated { lambda: number; squared: boolean; iterations: number; warmup: number; seed: number }

function validate(options: unknown, defaultIterations: number): Validated {
  checkOptions('options', options);
  const o = (options ?? {}) as SpectralPenaltyOptions;
  const lambda = checkNumber('options.lambda', o.lambda ?? 1, { min: 0 });
  if (o.squared !== undefined && typeof o.squared !== 'boolean') throw new LipkitError('options.squared', 'must be a boolean');
  const iterations = checkNumber('options.iterations', o.iterations ?? defaultIterations, { min: 1, integer: true });
  const warmup = checkNumber('options.warmup', o.warmup ?? 15, { min: 1, integer: true });
  const seed = checkNumber('options.seed', o.seed ?? 1, { integer: true });
  return { lambda, squared: o.squared ?? true, iterations, warmup, seed };
}

/** A weight tensor as the 2-D matrix whose spectral norm is penalized: [prod(leading axes), last axis]. */
export function asMatrix(name: string, w: unknown): tf.Tensor2D {
  checkWeight(name, w);
  const t = w as tf.Tensor;
  const cols = t.shape[t.rank - 1];
  return (t.rank === 2 ? t : tf.reshape(t, [t.size / cols, cols])) as tf.Tensor2D;
}

/** Throws unless `w` is a non-empty float32 tensor of rank >= 2 (creates no tensor). */
export function checkWeight(name: string, w: unknown): void {
  if (!(w instanceof tf.Tensor)) throw new LipkitError(name, 'must be a tf.Tensor (use layerVariable.read() for a layer weight)');
  if (w.isDisposed) throw new LipkitError(name, 'is disposed');
  if (w.rank < 2) throw new LipkitError(name, `must have rank >= 2 (a kernel; biases have no spectral norm), got shape [${w.shape.join(', ')}]`);
  if (w.size === 0) throw new LipkitError(name, `must not be empty, got shape [${w.shape.join(', ')}]`);
  if (w.dtype !== 'float32') throw new LipkitError(name, `must be float32, got ${w.dtype}`);
}

function asList(weights: unknown): tf.Tensor[] {
  const list = weights instanceof tf.Tensor ? [weights] : weights;
  if (!Array.isArray(list) || list.length === 0) throw new LipkitError('weights', 'must be a tensor or a non-empty array of tensors');
  return list as tf.Tensor[];
}

/**
 * Spectral norm regularization (Yoshida & Miyato 2017, "Spectral Norm Regularization for
 * Improving the Generalizability of Deep Learning"):
 *
 *   squared (default):  (lambda / 2) * sum_l sigma(W_l)^2       unsquared: lambda * sum_l sigma(W_l)
 *
 * with sigma(W) = u^T W v for power-iteration vectors u, v that PERSIST in this object between
 * calls (warm start: `warmup` steps the first time, then `iterations` per call, as PyTorch's
 * spectral_norm), so each training step costs one matrix-vector product pair per weight.
 * Differentiable in the weights through u^T W v (u, v constant): the gradient is
 * lambda * sigma * u v^T (squared) or lambda * u v^T. Weights of rank > 2 (conv kernels
 * [..., cin, cout]) are reshaped to [prod(...) * cin, cout]: this is the reshaped-kernel norm
 * (seed 003's "technically not the Lipschitz constant of the operator"), not the conv operator
 * norm. sigma is an ESTIMATE from below of sigma_max, exact at convergence; the penalty is a
 * regularizer, not a certified bound. Pass the same weights in the same order on every call
 * (vectors are kept per position; a shape change restarts that position). `dispose()` frees
 * the vectors. Leak-free: a call adds only its returned scalar plus, on the first call for a
 * position, that position's two kept vectors.
 */
export class SpectralPenalty {
  private readonly opts: Validated;
  private readonly vectors: Array<{ shape: string; u: tf.Tensor; v: tf.Tensor } | undefined> = [];

  constructor(options: SpectralPenaltyOptions = {}) {
    this.opts = validate(options, 1);
  }

  /** The penalty of `weights` (one tensor or a list), advancing each weight's power iteration. */
  loss(weights: tf.Tensor | tf.Tensor[]): tf.Scalar {
    const list = asList(weights);
    list.forEach((w, i) => checkWeight(`weights[${i}]`, w)); // validate before touching state
    return tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      list.forEach((w, i) => {
        const m = asMatrix(`weights[${i}]`, w);
        const sigma = this.step(i, m);
        total = tf.add(total, this.opts.squared ? tf.square(sigma) : sigma);
      });
      return tf.mul(total, this.opts.squared ? this.opts.lambda / 2 : this.opts.lambda) as tf.Scalar;
    });
  }

  /** The current unit vectors of weight position `i` (left u [m], right v [n]); undefined before its first call. Owned by this object. */
  vectorsOf(i: number): { u: tf.Tensor; v: tf.Tensor } | undefined {
    const s = this.vectors[i];
    return s === undefined ? undefined : { u: s.u, v: s.v };
  }

  /** Frees the kept vectors; the object can be used again (it restarts from fresh vectors). */
  dispose(): void {
    for (const s of this.vectors) if (s !== undefined) { s.u.dispose(); s.v.dispose(); }
    this.vectors.length = 0;
  }

  private step(i: number, m: tf.Tensor2D): tf.Scalar {
    const op = matrixOperator(m);
    const key = m.shape.join('x');
    const prev = this.vectors[i];
    let start: tf.Tensor;
    let iterations = this.opts.iterations;
    if (prev !== undefined && prev.shape === key) {
      start = prev.v;
    } else {
      start = seededNormal([m.shape[1]], this.opts.seed + i);
      iterations = this.opts.warmup;
    }
    const { u, v } = powerStep(op, start, iterations);
    if (prev !== undefined) { prev.u.dispose(); prev.v.dispose(); }
    if (start !== prev?.v) start.dispose();
    this.vectors[i] = { shape: key, u: tf.keep(u), v: tf.keep(v) };
    return sigmaOf(op, u, v);
  }
}

/**
 * Function form of `SpectralPenalty`: `(lambda/2) sum_l sigma(W_l)^2` (or `lambda sum sigma`
 * with `squared: false`) with `iterations` (default 20) power-iteration steps from fresh seeded
 * vectors, which are freed before returning. Stateless and deterministic; costlier per call
 * than the warm-started class. sigma is an ESTIMATE from below (u^T W v), the result a
 * regularizer. Errors name `weights[i]` and the option fields.
 */
export function spectralPenalty(weights: tf.Tensor | tf.Tensor[], options: Omit<SpectralPenaltyOptions, 'warmup'> = {}): tf.Scalar {
  const o = validate(options, 20);
  const p = new SpectralPenalty({ ...o, warmup: o.iterations });
  try {
    return p.loss(weights);
  } finally {
    p.dispose();
  }
}
