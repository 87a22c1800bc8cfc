import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { checkNumber } from '../util/validate.js';
import { matrixOperator } from '../estimate/powerStep.js';
import { SpectralConstraintBase, weightMatrix, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';
import type { GuaranteeOptions, GuaranteeSettings } from './spectralGuarantee.js';
import { readCapOptions } from './readCapOptions.js';

/** Options of `spectralHammer`. */
export interface SpectralHammerOptions extends ConvKernelOptions, GuaranteeOptions {
  /** Persisted power-iteration vectors (written by getConfig; restores the warm start after loading). */
  powerVectors?: PowerVectorState[];
  /** The value the top singular value is set to (required, > 0). */
  cap: number;
  /** Warm-started power iterations per call. Default 16 (the reference's count). */
  iterations?: number;
  /**
   * The paper's algorithm alone (the rank-one update, no fallback): sigma_max = cap only while
   * sigma_2(W) <= cap. Default false. Refuses `inputShape` (the paper's update acts on the
   * reshaped kernel and promises nothing about the convolution operator).
   */
  faithful?: boolean;
}

/**
 * Spectral hammer of Newhouse et al. 2025 (authors' `_spectral_hammer`): estimate the top
 * singular triplet (u, sigma, v) by power iteration and set it to the cap with a rank-one
 * update, `W <- W + (cap - sigma) u v^T`. As in the reference, the top singular value is SET
 * to `cap` (raised if it was smaller); only one direction is touched per call.
 * - `faithful: true`: exactly that; sigma_max(result) = cap up to the power iteration's error
 *   PROVIDED the second singular value of W is <= cap (otherwise it stays above the cap).
 * - default: the update, then the cap is kept when other singular values exceed it: the
 *   remainder `R = W - sigma u v^T` (the other directions) is projected onto the cap's ball,
 *   `R <- R min(1, cap / sigma_max(R))`, and the sum `cap u v^T + R` is finally projected as
 *   `lipschitzProjection` does, so sigma_max(result) <= cap (1 + 1e-3) from the first call
 *   ('checked') or <= cap up to float32 rounding ('certified'); see `SpectralGuarantee`.
 *   When sigma_2(W) <= cap both projections leave the result as the paper's.
 * The vector persists in the instance (warm start). Dense kernels as is; conv kernels: the
 * rank-one update and the remainder's projection act on the reshaped [k * cin, cout] matrix (a
 * rank-one change of the convolution operator is not a convolution); with `inputShape` the
 * final projection measures the convolution's TRUE operator norm on that input (as
 * `lipschitzProjection` does), so the promise sigma_max <= cap (1 + 1e-3) ('checked') or <= cap
 * ('certified') is about the layer itself. The reshaped matrix's norm can be smaller than the
 * operator's by up to sqrt(taps / stride product), so that projection usually scales the
 * hammered kernel down (the reshaped top singular value then ends below the cap).
 */
export class SpectralHammer extends SpectralConstraintBase {
  static readonly className = 'SpectralHammer';
  readonly cap: number;
  readonly iterations: number;
  readonly faithful: boolean;
  readonly conv: ConvKernelOptions;
  readonly settings: GuaranteeSettings;

  constructor(options: SpectralHammerOptions) {
    super();
    ({ cap: this.cap, faithful: this.faithful, conv: this.conv, settings: this.settings } = readCapOptions(options));
    this.iterations = checkNumber('options.iterations', options.iterations ?? 16, { min: 1, integer: true, max: 1e4 });
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm promised: `cap` (with `faithful`, only when sigma_2(W) <= cap). */
  promise(): number {
    return this.cap;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      const [rows, cols] = m.shape;
      const key = `mat:${rows}x${cols}`;
      let sigma: number;
      let outer: tf.Tensor;
      if (this.faithful) {
        const r = this.powerRound(key, matrixOperator(m), cols, this.iterations);
        sigma = r.sigma;
        outer = tf.matMul(tf.reshape(r.u, [rows, 1]), tf.reshape(r.v, [1, cols]));
        return tf.reshape(tf.add(m, tf.mul(outer, this.cap - sigma)), w.shape);
      }
      // the top pair from the block Krylov rounds run to the tolerance (`iterations` is the faithful path's step count)
      const r = this.blockRound(key, m, 1, this.settings.tolerance, this.settings.maxIterations);
      sigma = r.sigma;
      outer = tf.matMul(tf.tensor2d(r.u, [rows, 1]), tf.tensor2d(r.v, [1, cols]));
      const rest = this.project(tf.sub(m, tf.mul(outer, sigma)), this.cap, {}, this.settings, 1, 'rest:');
      const out = tf.add(rest, tf.mul(outer, this.cap));
      return this.project(tf.reshape(out, w.shape), this.cap, this.conv, this.settings, 1, 'out:');
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { cap: this.cap, iterations: this.iterations, faithful: this.faithful, ...this.settings, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralHammer);

/** Factory of `SpectralHammer` (Newhouse et al. 2025): top singular value set to `cap`. */
export function spectralHammer(options: SpectralHammerOptions): SpectralHammer {
  return new SpectralHammer(options);
}
