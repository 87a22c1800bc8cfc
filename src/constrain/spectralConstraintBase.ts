import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { powerStep, type TensorOperator } from '../estimate/powerStep.js';
import { blockPowerRound, blockRounds } from '../estimate/blockPowerRound.js';
import { convKernelOperator } from '../estimate/conv/convKernelOperator.js';
import { convSpectralNorm } from '../estimate/conv/convSpectralNorm.js';
import { CHEAP_CHECK_COST, certificateCost, certifyMatrixNorm } from './certifiedMatrixNorm.js';
import { cheapConvOperatorMatrix } from './cheapConvOperatorMatrix.js';
import { CHECK_SLACK, CheckSchedule, type GuaranteeSettings } from './spectralGuarantee.js';

export type { Constraint };

/**
 * tfjs-layers' `Constraint` base class (`apply(w)`, `getConfig()`). The package exports its
 * type but not the class value, so it is taken from the prototype chain of a built-in one.
 */
export const ConstraintBase = Object.getPrototypeOf(tfl.constraints.nonNeg().constructor) as typeof Constraint;

/**
 * Relative tolerance under which the projection-type constraints (spectralNormalize,
 * lipschitzProjection) return the weight bit-identical: tfjs-layers re-applies every
 * constraint when it loads weights (`LayerVariable.write`), and this keeps a saved
 * constrained model's outputs unchanged by loading.
 */
export const NO_OP_TOLERANCE = 1e-4;

/** A persisted power-iteration vector (in a constraint's config, so warm starts survive save/load). */
export type PowerVectorState = {
  key: string;
  values: number[];
};

/** Power iterations run the first time a weight shape is seen (cold start), as PyTorch's spectral_norm does at registration. */
export const COLD_START_ITERATIONS = 15;

/** Options shared by the norm-based constraints for convolution kernels. */
export interface ConvKernelOptions {
  /**
   * Input shape of the convolution without batch (`[length, cin]` or `[height, width, cin]`).
   * Given: a 3-D/4-D kernel is measured by the TRUE operator norm of the convolution on that
   * input (`convKernelOperator`; small operators as their exact matrix, `cheapConvOperatorMatrix`). Omitted: by the norm of the reshaped matrix `[k * cin, cout]`
   * (PyTorch's spectral_norm), which can be smaller than the convolution's norm by up to
   * sqrt(taps / stride product), so it certifies nothing about the layer.
   */
  inputShape?: number[];
  /** Convolution strides (with `inputShape`). Default 1. */
  strides?: number | number[];
  /** Convolution padding (with `inputShape`). Default `'valid'`. */
  padding?: 'same' | 'valid';
}

/**
 * Reads and validates the conv options (fields named `options.*`). `faithful`: the constraint
 * runs a paper's map on the reshaped kernel only, with no projection that could measure the
 * convolution operator, so `inputShape` is refused (naming `options.inputShape`) rather than
 * silently ignored.
 */
export function readConvOptions(options: ConvKernelOptions, faithful = false): ConvKernelOptions {
  const { inputShape, strides, padding } = options;
  if (faithful && inputShape !== undefined) {
    throw new LipkitError('options.inputShape', 'cannot be used with faithful: true (the paper\'s map acts on the reshaped [k * cin, cout] kernel and keeps no cap on the convolution operator); drop faithful to keep the cap on the operator');
  }
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      throw new LipkitError('options.inputShape', `must be [length, cin] or [height, width, cin], got ${JSON.stringify(inputShape)}`);
    }
    inputShape.forEach((v, i) => checkNumber(`options.inputShape[${i}]`, v, { min: 1, integer: true }));
  }
  if (padding !== undefined && padding !== 'same' && padding !== 'valid') {
    throw new LipkitError('options.padding', `must be 'same' or 'valid', got ${JSON.stringify(padding)}`);
  }
  if (strides !== undefined) {
    const arr = typeof strides === 'number' ? [strides] : strides;
    if (!Array.isArray(arr)) throw new LipkitError('options.strides', `must be a positive integer or an array, got ${JSON.stringify(strides)}`);
    arr.forEach((v, i) => checkNumber(typeof strides === 'number' ? 'options.strides' : `options.strides[${i}]`, v, { min: 1, integer: true }));
  }
  const out: ConvKernelOptions = {};
  if (inputShape !== undefined) out.inputShape = inputShape.slice();
  if (strides !== undefined) out.strides = Array.isArray(strides) ? strides.slice() : strides;
  if (padding !== undefined) out.padding = padding;
  return out;
}

/**
 * The weight as a matrix: 2-D as is (a Dense kernel [in, out]); a 3-D/4-D conv kernel
 * [..., cin, cout] reshaped to [k * cin, cout]. Throws a LipkitError naming `weight` for
 * rank < 2 (biases) or rank > 4.
 */
export function weightMatrix(w: tf.Tensor): tf.Tensor2D {
  if (!(w instanceof tf.Tensor)) throw new LipkitError('weight', 'must be a tf.Tensor');
  if (w.rank < 2 || w.rank > 4) {
    throw new LipkitError('weight', `must be a 2-D Dense kernel or a 3-D/4-D convolution kernel, got shape [${w.shape.join(', ')}]`);
  }
  if (w.size === 0) throw new LipkitError('weight', `must not be empty, got shape [${w.shape.join(', ')}]`);
  const cout = w.shape[w.rank - 1] as number;
  return (w.rank === 2 ? w : tf.reshape(w, [w.size / cout, cout])) as tf.Tensor2D;
}

/** The sigma a constraint rescales by, decided on the host (see `SpectralConstraintBase.measure`). */
export interface MeasuredSigma {
  /** Value to divide by: >= sigma_max / (1 + CHECK_SLACK) after a check, sigma_max's bound with 'certified'. */
  sigma: number;
  /** Whether this call ran a certified check (or the certified bound). */
  checked: boolean;
  /** With 'certified' and a `cap` given: sigma_max <= cap is certified for the weight as it is. */
  inside: boolean;
  /** The power-iteration estimate of this call (from below). */
  estimate: number;
}

/**
 * Base of lipkit's spectral constraints: keeps one persistent right power-iteration vector per
 * weight shape (warm start between calls), in the instance, never in globals, and measures
 * sigma_max with the constraint's `GuaranteeSettings` (`measure`). A constraint instance shared
 * by several weights of one shape shares their vector (still correct, slower to converge).
 * The vectors live in host memory (Float32Array), not in tensors: tfjs-layers never disposes a
 * layer's constraints (not with `model.dispose()`, not when a loaded model replaces them), so
 * tensors held here would leak with every constrained model. `dispose()` forgets the vectors
 * (cold start and a check at the next call).
 */
export abstract class SpectralConstraintBase extends ConstraintBase {
  private readonly vectors = new Map<string, Float32Array>();
  private readonly calls = new Map<string, CheckSchedule>();
  /** The block's Ritz value ratios of the last call per weight (the drift test of blockPowerRound). */
  private readonly ratios = new Map<string, Float64Array>();

  /** Restores persisted vectors (the `powerVectors` config field); validated, named `options.powerVectors`. */
  protected loadVectors(state: unknown): void {
    if (state === undefined || state === null) return;
    if (!Array.isArray(state)) throw new LipkitError('options.powerVectors', 'must be an array of { key, values }');
    state.forEach((entry: unknown, i) => {
      const e = entry as Partial<PowerVectorState> | null;
      if (e === null || typeof e !== 'object' || typeof e.key !== 'string' || !Array.isArray(e.values) || e.values.length === 0
        || !e.values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new LipkitError(`options.powerVectors[${i}]`, 'must be { key: string, values: finite numbers }');
      }
      this.vectors.set(e.key, Float32Array.from(e.values));
    });
  }

  /** The persisted vectors for `getConfig` (reads them back; small). */
  protected vectorsConfig(): { powerVectors: PowerVectorState[] } {
    return { powerVectors: [...this.vectors.entries()].map(([key, v]) => ({ key, values: Array.from(v) })) };
  }

  /**
   * Warm-started power iteration on `op` for the weight `key`, in rounds (first `iterations`
   * steps, or COLD_START_ITERATIONS on a new shape; then doubling) until the relative residual
   * `||A^T u - sigma v|| / sigma` is <= `tolerance` or `maxIterations` more steps ran. Returns
   * `sigma = ||A v||` (an ESTIMATE from below), the unit vectors (tensors, caller's tidy) and
   * whether it converged. One read of two numbers per round.
   */
  protected powerRound(key: string, op: TensorOperator, inDim: number, iterations: number, tolerance = Infinity, maxIterations = 0): {
    sigma: number; u: tf.Tensor; v: tf.Tensor; converged: boolean; cold: boolean;
  } {
    let old = this.vectors.get(key);
    if (old !== undefined && old.length !== inDim) { this.vectors.delete(key); old = undefined; }
    let v: tf.Tensor = old !== undefined ? tf.tensor1d(old) : tf.div(tf.ones([inDim]), Math.sqrt(inDim));
    let steps = old === undefined ? Math.max(iterations, COLD_START_ITERATIONS) : iterations;
    let extra = 0;
    for (;;) {
      const r = powerStep(op, v, steps);
      const av = op.apply(r.v);
      const sigma = tf.norm(av);
      const u = tf.div(av, tf.maximum(sigma, 1e-30));
      const y = op.adjoint(u);
      const resid = tf.norm(tf.sub(y, tf.mul(r.v, sigma)));
      const [s, res] = tf.stack([sigma, resid]).dataSync() as Float32Array;
      const converged = s === 0 || (res as number) <= tolerance * (s as number);
      if (converged || extra >= maxIterations || !Number.isFinite(s as number)) {
        this.vectors.set(key, Float32Array.from(r.v.dataSync()));
        return { sigma: s as number, u, v: r.v, converged, cold: old === undefined };
      }
      v = tf.div(y, tf.maximum(tf.norm(y), 1e-30));
      extra += steps;
      steps = Math.min(Math.max(2 * steps, 2), Math.max(1, maxIterations - extra));
    }
  }

  /**
   * Warm-started block power iteration with Rayleigh-Ritz (`blockPowerRound`) on the matrix
   * `m` for the weight `key`: at least `iterations` rounds (COLD_START_ITERATIONS on a new
   * shape), then more while the estimated error of sigma^2 exceeds `tolerance`, at most
   * `blockRounds(maxIterations)` rounds in all. One backend read per round. Stores the next block. Returns
   * the ESTIMATE sigma (from below), the top singular pair (host arrays) and whether it converged.
   */
  protected blockRound(key: string, m: tf.Tensor2D, iterations: number, tolerance = Infinity, maxIterations = 0): {
    sigma: number; u: Float32Array; v: Float32Array; converged: boolean; cold: boolean;
  } {
    const old = this.vectors.get(key) ?? null;
    const cold = old === null || (old.length !== m.shape[1] && old.length % m.shape[1] !== 0);
    const min = cold ? Math.max(iterations, COLD_START_ITERATIONS) : iterations;
    const r = blockPowerRound(m, cold ? null : old, min, tolerance, Math.max(min, blockRounds(maxIterations)), cold ? null : this.ratios.get(key) ?? null);
    this.vectors.set(key, r.block);
    this.ratios.set(key, r.ratios);
    return { sigma: r.sigma, u: r.u, v: r.v, converged: r.converged, cold };
  }

  /**
   * sigma_max of a weight (a Dense matrix, the reshaped conv kernel, or with `conv.inputShape`
   * the convolution operator: its exact matrix when that is cheap to certify,
   * `cheapConvOperatorMatrix`) as the constraint must rescale by, per `settings` (see
   * `SpectralGuarantee`): the converged power-iteration estimate, replaced at a check by
   * `max(estimate, bound / (1 + CHECK_SLACK))` ('checked') or by the certified bound itself
   * ('certified'). With 'certified' and `cap`, when the estimate is >= `insideFloor`, first
   * tests whether sigma_max <= cap is already certified (`inside`). Call inside a tidy.
   */
  protected measure(w: tf.Tensor, conv: ConvKernelOptions, settings: GuaranteeSettings, iterations: number, cap?: number, prefix = '', insideFloor = 0): MeasuredSigma {
    const certified = settings.guarantee === 'certified';
    // a small convolution is measured as its exact operator matrix (certified on every call, as a small matrix)
    const small = (w.rank === 3 || w.rank === 4) && conv.inputShape !== undefined ? cheapConvOperatorMatrix(w, conv.inputShape, conv) : null;
    if (small !== null) w = tf.tensor2d(small.data, [small.rows, small.cols]);
    const convOp = (w.rank === 3 || w.rank === 4) && conv.inputShape !== undefined;
    let key: string;
    let pr: { sigma: number; converged: boolean; cold: boolean };
    let m: tf.Tensor2D | null = null;
    // whether the host certificate of the matrix is cheap enough to run on every call (matrices only)
    let cheap = false;
    if (convOp) {
      const op = convKernelOperator(w, conv.inputShape as number[], { strides: conv.strides, padding: conv.padding });
      key = `${prefix}conv:${w.shape.join('x')}`;
      pr = this.powerRound(key, op, op.inDim, iterations, settings.tolerance, settings.maxIterations);
    } else {
      m = weightMatrix(w);
      key = `${prefix}mat:${m.shape.join('x')}`;
      // a cheap host certificate runs this call anyway (its float64 Lanczos is the estimate),
      // unless 'certified' needs an estimate first to decide whether to test inside the cap
      cheap = certificateCost(m.shape[0], m.shape[1]) <= CHEAP_CHECK_COST;
      pr = cheap && !(certified && cap !== undefined && insideFloor > 0)
        ? { sigma: 0, converged: true, cold: !this.vectors.has(key) }
        : this.blockRound(key, m, iterations, certified ? Infinity : settings.tolerance, certified ? 0 : settings.maxIterations);
    }
    let schedule = this.calls.get(key);
    if (schedule === undefined) { schedule = new CheckSchedule(settings.checkEvery); this.calls.set(key, schedule); }
    const due = schedule.due();
    const tryInside = certified && cap !== undefined && pr.sigma >= insideFloor;
    const check = certified || cheap || pr.cold || !pr.converged || due;
    if (!check) return { sigma: pr.sigma, checked: false, inside: false, estimate: pr.sigma };
    const v0 = this.vectors.get(key) ?? null;
    let upper: number;
    let estimate: number;
    if (m !== null) {
      const [rows, cols] = m.shape;
      const c = certifyMatrixNorm(m.dataSync(), rows, cols, v0 === null ? null : v0.subarray(0, cols), CHECK_SLACK / 2, tryInside ? (cap as number) ** 2 : undefined);
      if (Number.isNaN(c.estimate)) return { sigma: c.upperBound, checked: true, inside: true, estimate: pr.sigma };
      upper = c.upperBound; estimate = c.estimate;
      this.vectors.set(key, withFirstRow(v0, c.v));
    } else {
      const r = convSpectralNorm(w, conv.inputShape as number[], {
        strides: conv.strides, padding: conv.padding, init: v0 ?? undefined, iterations: 200, tolerance: 1e-7, relativeSlack: CHECK_SLACK / 2,
      });
      upper = r.upperBound; estimate = r.sigma;
      this.vectors.set(key, r.v);
      if (tryInside && upper <= (cap as number)) return { sigma: upper, checked: true, inside: true, estimate: Math.max(pr.sigma, estimate) };
    }
    const best = Math.max(pr.sigma, estimate);
    schedule.done(pr.sigma * (1 + CHECK_SLACK) >= upper);
    return { sigma: certified ? upper : Math.max(best, upper / (1 + CHECK_SLACK)), checked: true, inside: false, estimate: best };
  }

  /**
   * `w <- w min(1, cap / sigma)` with sigma from `measure` (the shared last step of the caps and
   * the hammer): a clone when the weight is inside (sigma <= cap (1 + NO_OP_TOLERANCE), or
   * certified inside with 'certified'). Call inside a tidy.
   */
  protected project(w: tf.Tensor, cap: number, conv: ConvKernelOptions, settings: GuaranteeSettings, iterations: number, prefix = ''): tf.Tensor {
    const certified = settings.guarantee === 'certified';
    const ms = this.measure(w, conv, settings, iterations, certified ? cap : undefined, prefix);
    if (ms.inside || !Number.isFinite(ms.sigma)) return tf.clone(w);
    if (certified ? ms.sigma <= cap : ms.sigma <= cap * (1 + NO_OP_TOLERANCE)) return tf.clone(w);
    return tf.mul(w, cap / ms.sigma);
  }

  /** Forgets the persistent power-iteration vectors and call counts (the next call starts cold). */
  dispose(): void {
    this.vectors.clear();
    this.calls.clear();
    this.ratios.clear();
  }
}

/** `block` (rows of length `v.length`) with its first row replaced by `v` (re-orthonormalized by the next round); `v` alone without a block. */
function withFirstRow(block: Float32Array | null, v: Float32Array): Float32Array {
  if (block === null || block.length <= v.length || block.length % v.length !== 0) return v;
  const out = Float32Array.from(block);
  out.set(v, 0);
  return out;
}
