import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { seededGaussian, seededUniform } from '../util/random.js';

/** Initialization of the diagonal state matrix A (Gu et al. 2022, Section 4). */
export type S4DInit = 'lin' | 'inv';

/**
 * The parameters of a diagonal state space model with H channels and N/2 complex conjugate
 * pairs per channel (B = 1 folded into C, as in the reference `s4d.py`):
 * dt = exp(logDt) [H], A = -exp(logAReal) + i aImag [H, N/2], C = cReal + i cImag [H, N/2].
 */
export interface S4DParameters<T> {
  logDt: T;
  logAReal: T;
  aImag: T;
  cReal: T;
  cImag: T;
}

/** Options of `s4dInitialParameters`. */
export interface S4DInitOptions {
  /** 'lin' (default): A_n = -1/2 + i pi n. 'inv': A_n = -1/2 + i (N/pi) (N/(2n+1) - 1). */
  init?: S4DInit;
  /** Smallest initial step size, default 1e-3. */
  dtMin?: number;
  /** Largest initial step size, default 1e-1. */
  dtMax?: number;
  /** Seed of log_dt and C, default 0. */
  seed?: number;
}

export { seededUniform };

/** Checks the state size (even, >= 2) and returns the number of conjugate pairs N/2. */
export function checkStateSize(name: string, stateSize: unknown): number {
  const n = checkNumber(name, stateSize, { min: 2, integer: true });
  if (n % 2 !== 0) throw new LipkitError(name, `must be even (N/2 complex conjugate pairs), got ${n}`);
  return n / 2;
}

/** Checks dtMin/dtMax: 0 < dtMin <= dtMax. */
export function checkStepRange(prefix: string, dtMin: unknown, dtMax: unknown): [number, number] {
  const lo = checkNumber(`${prefix}.dtMin`, dtMin, { min: 0, exclusiveMin: true });
  const hi = checkNumber(`${prefix}.dtMax`, dtMax, { min: 0, exclusiveMin: true });
  if (lo > hi) throw new LipkitError(`${prefix}.dtMin`, `must be <= dtMax (${hi}), got ${lo}`);
  return [lo, hi];
}

/** Checks an init name. */
export function checkInit(name: string, init: unknown): S4DInit {
  if (init !== 'lin' && init !== 'inv') throw new LipkitError(name, `must be 'lin' or 'inv', got ${String(init)}`);
  return init;
}

/**
 * Initial S4D parameters as float64 arrays (row-major [H] and [H, N/2]), following the reference
 * implementation of Gu et al. 2022 ("On the Parameterization and Initialization of Diagonal State
 * Space Models", `s4d.py` and `dplr.py` of state-spaces): log dt uniform in [log dtMin, log dtMax],
 * Re A = -1/2 (logAReal = log 1/2), Im A by S4D-Lin (pi n) or S4D-Inv ((N/pi)(N/(2n+1) - 1)),
 * C complex standard normal (each part with variance 1/2).
 */
export function s4dInitialParameters(channels: number, stateSize: number, options: S4DInitOptions = {}): S4DParameters<Float64Array> {
  const h = checkNumber('channels', channels, { min: 1, integer: true });
  const pairs = checkStateSize('stateSize', stateSize);
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
  const { init = 'lin', dtMin = 1e-3, dtMax = 1e-1, seed = 0 } = options;
  checkInit('options.init', init);
  const [lo, hi] = checkStepRange('options', dtMin, dtMax);
  checkNumber('options.seed', seed, { integer: true });
  const u = seededUniform(h, seed);
  const logDt = new Float64Array(h);
  for (let i = 0; i < h; i++) logDt[i] = Math.log(lo) + u[i] * (Math.log(hi) - Math.log(lo));
  const logAReal = new Float64Array(h * pairs).fill(Math.log(0.5));
  const aImag = new Float64Array(h * pairs);
  for (let i = 0; i < h; i++) {
    for (let n = 0; n < pairs; n++) {
      aImag[i * pairs + n] = init === 'lin' ? Math.PI * n : (stateSize / Math.PI) * (stateSize / (2 * n + 1) - 1);
    }
  }
  const g = seededGaussian(2 * h * pairs, seed + 1);
  const cReal = new Float64Array(h * pairs);
  const cImag = new Float64Array(h * pairs);
  for (let i = 0; i < h * pairs; i++) {
    cReal[i] = g[2 * i] * Math.SQRT1_2;
    cImag[i] = g[2 * i + 1] * Math.SQRT1_2;
  }
  return { logDt, logAReal, aImag, cReal, cImag };
}

/**
 * The S4D convolution kernel [H, L] from the diagonal parameters (zero-order hold):
 *
 *   dt = exp(logDt),  A = -exp(logAReal) + i aImag,  Bbar = (exp(dt A) - 1) / A   (B = 1)
 *   K[h, l] = 2 Re( sum_n C_n Bbar_n exp(dt A_n l) ),   l = 0 .. L-1
 *
 * so that y = K * u (causal) equals the recurrence x_k = exp(dt A) x_{k-1} + Bbar u_k,
 * y_k = 2 Re(C x_k). Complex numbers are pairs of real tensors (the wasm backend has no complex
 * kernels); differentiable in every parameter. Gu et al. 2022, S4D. Exact (no estimate), up to
 * float32 rounding of the phases dt Im(A) l.
 */
export function s4dKernel(params: S4DParameters<tf.Tensor>, length: number): tf.Tensor2D {
  const l = checkNumber('length', length, { min: 1, integer: true });
  return tf.tidy(() => {
    const h = params.logDt.shape[0];
    const dt = tf.reshape(tf.exp(params.logDt), [h, 1]);
    const ar = tf.neg(tf.exp(params.logAReal)); // [H, P]
    const ai = params.aImag;
    const dtAr = tf.mul(ar, dt);
    const dtAi = tf.mul(ai, dt);
    // exp(dt A) - 1
    const decay = tf.exp(dtAr);
    const numR = tf.sub(tf.mul(decay, tf.cos(dtAi)), 1);
    const numI = tf.mul(decay, tf.sin(dtAi));
    // divide by A: num * conj(A) / |A|^2
    const abs2 = tf.add(tf.square(ar), tf.square(ai));
    const bR = tf.div(tf.add(tf.mul(numR, ar), tf.mul(numI, ai)), abs2);
    const bI = tf.div(tf.sub(tf.mul(numI, ar), tf.mul(numR, ai)), abs2);
    // C Bbar
    const cbR = tf.sub(tf.mul(params.cReal, bR), tf.mul(params.cImag, bI));
    const cbI = tf.add(tf.mul(params.cReal, bI), tf.mul(params.cImag, bR));
    // exp(dt A l) for l = q c + r (c = ceil(sqrt(L)), r < c, q < ceil(L / c)) as
    // exp(dt A q c) exp(dt A r): only H P (c + L/c) cosines and sines instead of H P L
    // (they dominated a training step), then 2 Re(sum_n cb_n exp(dt A_n q c) exp(dt A_n r)) as
    // batched [H, Q, P] x [H, P, c] products.
    const p = ar.shape[1] as number;
    const c = Math.ceil(Math.sqrt(l));
    const q = Math.ceil(l / c);
    const powers = (count: number, stride: number): [tf.Tensor, tf.Tensor] => {
      const steps = tf.reshape(tf.range(0, count * stride, stride, 'float32'), [1, 1, count]);
      const mag = tf.exp(tf.mul(tf.reshape(dtAr, [h, p, 1]), steps));
      const phase = tf.mul(tf.reshape(dtAi, [h, p, 1]), steps);
      return [tf.mul(mag, tf.cos(phase)), tf.mul(mag, tf.sin(phase))]; // [H, P, count]
    };
    const [fineR, fineI] = powers(c, 1);
    const [coarseR, coarseI] = powers(q, c);
    // g = cb * exp(dt A q c): [H, P, Q], transposed to [H, Q, P]
    const cbR3 = tf.reshape(cbR, [h, p, 1]);
    const cbI3 = tf.reshape(cbI, [h, p, 1]);
    const gR = tf.transpose(tf.sub(tf.mul(cbR3, coarseR), tf.mul(cbI3, coarseI)), [0, 2, 1]);
    const gI = tf.transpose(tf.add(tf.mul(cbR3, coarseI), tf.mul(cbI3, coarseR)), [0, 2, 1]);
    const k = tf.sub(tf.matMul(gR, fineR), tf.matMul(gI, fineI)); // [H, Q, c]
    return tf.slice(tf.reshape(tf.mul(k, 2), [h, q * c]), [0, 0], [h, l]) as tf.Tensor2D;
  });
}
