import * as tf from '@tensorflow/tfjs-core';
import type { serialization } from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { HARD_CAP_MAX, HARD_CAP_RANGE, HARD_CAP_STEPS, oddPolynomialIteration } from '../optim/oddPolynomial.js';
import { ConstraintBase, weightMatrix } from './spectralConstraintBase.js';

/** Options of `spectralHardCap`. */
export interface SpectralHardCapOptions {
  /** Spectral norm cap (required, > 0). */
  cap: number;
}

/**
 * Spectral hard cap of Newhouse et al. 2025 ("Training Transformers with Enforced Lipschitz
 * Constants"): `W <- cap * p(W / cap)` where `p` is the composition of four odd matrix
 * polynomials approximating `min(1, s)` on every singular value (`HARD_CAP_STEPS`, from the
 * authors' repository), no SVD and no power iteration. Promise: if every singular value of
 * `W / cap` is <= 3.6, the result has spectral norm <= 1.0109 * cap (certified by the float64
 * scan of the scalar polynomial; float32 rounding adds ~1e-6 relative). To stay in that range
 * without an SVD, `W / cap` is first scaled down to `(||G^2||_F)^(1/4) <= 3.6` with
 * `G = X X^T` (an upper bound on sigma_max(X)) when it exceeds it. Like the reference,
 * singular values below the cap also shrink (about 0.951 s near 0, 0.966 at s = 1).
 * Dense kernels as is; conv kernels as the reshaped [k * cin, cout] matrix (a polynomial in
 * the convolution operator is not a convolution), which bounds that matrix, not the conv.
 */
export class SpectralHardCap extends ConstraintBase {
  static readonly className = 'SpectralHardCap';
  readonly cap: number;

  constructor(options: SpectralHardCapOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with cap');
    this.cap = checkNumber('options.cap', options.cap, { min: 0, exclusiveMin: true });
  }

  /** The spectral norm this constraint promises: `1.0109 * cap`. */
  promise(): number {
    return HARD_CAP_MAX * this.cap;
  }

  override apply(w: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = weightMatrix(w);
      let x = tf.div(m, this.cap) as tf.Tensor2D;
      const [rows, cols] = x.shape;
      const small = rows > cols ? tf.transpose(x) : x;
      const g = tf.matMul(small, tf.transpose(small));
      const bound = tf.sqrt(tf.sqrt(tf.norm(tf.matMul(g, g))));
      x = tf.mul(x, tf.minimum(1, tf.div(HARD_CAP_RANGE, tf.maximum(bound, 1e-30)))) as tf.Tensor2D;
      const capped = tf.mul(oddPolynomialIteration(x, HARD_CAP_STEPS), this.cap);
      return tf.reshape(capped, w.shape);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { cap: this.cap };
  }
}
tf.serialization.registerClass(SpectralHardCap);

/** Factory of `SpectralHardCap` (Newhouse et al. 2025): singular values to about min(cap, s). */
export function spectralHardCap(options: SpectralHardCapOptions): SpectralHardCap {
  return new SpectralHardCap(options);
}
