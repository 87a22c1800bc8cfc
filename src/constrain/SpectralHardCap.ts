import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { HARD_CAP_MAX, HARD_CAP_RANGE, HARD_CAP_STEPS, oddPolynomialIteration } from '../optim/oddPolynomial.js';
import { SpectralConstraintBase, weightMatrix, type ConvKernelOptions, type PowerVectorState } from './spectralConstraintBase.js';
import type { GuaranteeOptions, GuaranteeSettings } from './spectralGuarantee.js';
import { readCapOptions } from './readCapOptions.js';

/** Options of `spectralHardCap`. */
export interface SpectralHardCapOptions extends ConvKernelOptions, GuaranteeOptions {
  /** Spectral norm cap (required, > 0). */
  cap: number;
  /** Persisted power-iteration vectors of the final projection (written by getConfig). */
  powerVectors?: PowerVectorState[];
  /**
   * The paper's map alone (no final projection): promise 1.0109 cap instead of cap.
   * Default false. Refuses `inputShape` (the map acts on the reshaped kernel and promises
   * nothing about the convolution operator).
   */
  faithful?: boolean;
}

/**
 * Spectral hard cap of Newhouse et al. 2025 ("Training Transformers with Enforced Lipschitz
 * Constants"): `W <- cap * p(W / cap)` where `p` is the composition of four odd matrix
 * polynomials approximating `min(1, s)` on every singular value (`HARD_CAP_STEPS`, from the
 * authors' repository), no SVD. If every singular value of `W / cap` is <= 3.6, `p` maps them
 * into [0, 1.0109] (certified by the float64 scan of the scalar polynomial); to stay in that
 * range without an SVD, `W / cap` is first scaled down to `(||G^2||_F)^(1/4) <= 3.6` with
 * `G = X X^T` (an upper bound on sigma_max(X)) when it exceeds it (not formed when
 * `||G||_F^(1/2)`, a larger bound, is already within range; G then serves the first step). Like the reference,
 * singular values below the cap also shrink (about 0.951 s near 0, 0.966 at s = 1).
 * Then (unless `faithful`) the result is projected onto the cap's ball as `lipschitzProjection`
 * does (it moves only weights the polynomial left up to 1.09 % above the cap), so the promise is
 * sigma_max <= cap (1 + 1e-3) from the first call ('checked', see `SpectralGuarantee`), or
 * <= cap up to float32 rounding ('certified'). `faithful: true`: the paper's map only, promise
 * 1.0109 cap (of the reshaped matrix; `inputShape` is refused). Dense kernels as is; conv kernels: the polynomial acts on the reshaped
 * [k * cin, cout] matrix (a polynomial in the convolution operator is not a convolution); with
 * `inputShape` the final projection uses the convolution's true operator norm, so the promise
 * is about the layer itself.
 */
export class SpectralHardCap extends SpectralConstraintBase {
  static readonly className = 'SpectralHardCap';
  readonly cap: number;
  readonly faithful: boolean;
  readonly conv: ConvKernelOptions;
  readonly settings: GuaranteeSettings;

  constructor(options: SpectralHardCapOptions) {
    super();
    ({ cap: this.cap, faithful: this.faithful, conv: this.conv, settings: this.settings } = readCapOptions(options));
    this.loadVectors(options.powerVectors);
  }

  /** The spectral norm this constraint promises: `cap` (`1.0109 * cap` with `faithful`). */
  promise(): number {
    return this.faithful ? HARD_CAP_MAX * this.cap : this.cap;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      let x = tf.div(m, this.cap) as tf.Tensor2D;
      const [rows, cols] = x.shape;
      const small = rows > cols ? tf.transpose(x) : x;
      const g = tf.matMul(small, tf.transpose(small)) as tf.Tensor2D;
      // (||G^2||_F)^(1/4) = (sum s^8)^(1/8) <= (sum s^4)^(1/4) = ||G||_F^(1/2): when the latter is
      // within range the scale is 1 either way, G^2 is not needed and G serves the first step.
      const cheap = Math.sqrt(tf.norm(g).dataSync()[0] as number);
      let scaled = false;
      if (!(cheap <= HARD_CAP_RANGE)) {
        const bound = tf.sqrt(tf.sqrt(tf.norm(tf.matMul(g, g))));
        x = tf.mul(x, tf.minimum(1, tf.div(HARD_CAP_RANGE, tf.maximum(bound, 1e-30)))) as tf.Tensor2D;
        scaled = true;
      }
      const capped = tf.reshape(tf.mul(oddPolynomialIteration(x, HARD_CAP_STEPS, scaled ? undefined : g), this.cap), w.shape);
      return this.faithful ? capped : this.project(capped, this.cap, this.conv, this.settings, 1);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { cap: this.cap, faithful: this.faithful, ...this.settings, ...this.conv, ...this.vectorsConfig() };
  }
}
tf.serialization.registerClass(SpectralHardCap);

/** Factory of `SpectralHardCap` (Newhouse et al. 2025): singular values to about min(cap, s). */
export function spectralHardCap(options: SpectralHardCapOptions): SpectralHardCap {
  return new SpectralHardCap(options);
}
