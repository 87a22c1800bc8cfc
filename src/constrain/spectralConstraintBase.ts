import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { matrixOperator, powerStep, sigmaOf, type TensorOperator } from '../estimate/powerStep.js';
import { convKernelOperator } from '../estimate/conv/convKernelOperator.js';

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
   * input (`convKernelOperator`). Omitted: by the norm of the reshaped matrix `[k * cin, cout]`
   * (PyTorch's spectral_norm), which can be smaller than the convolution's norm by up to
   * sqrt(taps / stride product), so it certifies nothing about the layer.
   */
  inputShape?: number[];
  /** Convolution strides (with `inputShape`). Default 1. */
  strides?: number | number[];
  /** Convolution padding (with `inputShape`). Default `'valid'`. */
  padding?: 'same' | 'valid';
}

/** Reads and validates the conv options (fields named `options.*`). */
export function readConvOptions(options: ConvKernelOptions): ConvKernelOptions {
  const { inputShape, strides, padding } = options;
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

/**
 * Base of lipkit's spectral constraints: keeps one persistent right power-iteration vector per
 * weight shape (warm start between calls; the first call on a shape runs
 * `COLD_START_ITERATIONS`), in the instance, never in globals. A constraint instance shared by
 * several weights of one shape shares their vector (still correct, slower to converge).
 * The vectors live in host memory (Float32Array), not in tensors: tfjs-layers never disposes a
 * layer's constraints (not with `model.dispose()`, not when a loaded model replaces them), so
 * tensors held here would leak with every constrained model. Each call uploads the vector
 * (inDim floats) and reads the new one back. `dispose()` forgets the vectors (cold start next).
 */
export abstract class SpectralConstraintBase extends ConstraintBase {
  private readonly vectors = new Map<string, Float32Array>();

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
   * One warm-started power-iteration round on `op` for the weight `key`; returns
   * `sigma = u^T A v` (a tensor, an ESTIMATE from below of the spectral norm) and the unit
   * vectors. Must be called inside a tidy; the stored vector is kept.
   */
  protected powerRound(key: string, op: TensorOperator, inDim: number, iterations: number): { sigma: tf.Scalar; u: tf.Tensor; v: tf.Tensor } {
    let old = this.vectors.get(key);
    if (old !== undefined && old.length !== inDim) { this.vectors.delete(key); old = undefined; }
    const start = old !== undefined ? tf.tensor1d(old) : tf.div(tf.ones([inDim]), Math.sqrt(inDim));
    const { u, v } = powerStep(op, start, old === undefined ? Math.max(iterations, COLD_START_ITERATIONS) : iterations);
    this.vectors.set(key, Float32Array.from(v.dataSync()));
    return { sigma: sigmaOf(op, u, v), u, v };
  }

  /**
   * The estimated spectral norm of a weight: a Dense matrix, the reshaped conv kernel, or with
   * `conv.inputShape` the convolution operator (`convKernelOperator`). Inside a tidy.
   */
  protected estimateSigma(w: tf.Tensor, iterations: number, conv: ConvKernelOptions): tf.Scalar {
    if ((w.rank === 3 || w.rank === 4) && conv.inputShape !== undefined) {
      const op = convKernelOperator(w, conv.inputShape, { strides: conv.strides, padding: conv.padding });
      return this.powerRound(`conv:${w.shape.join('x')}`, op, op.inDim, iterations).sigma;
    }
    const m = weightMatrix(w);
    return this.powerRound(`mat:${m.shape.join('x')}`, matrixOperator(m), m.shape[1], iterations).sigma;
  }

  /** Forgets the persistent power-iteration vectors (the next call starts cold). */
  dispose(): void {
    this.vectors.clear();
  }
}
