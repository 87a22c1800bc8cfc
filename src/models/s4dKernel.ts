import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { seededGaussian, seededUniform } from '../util/random.js';
import { s4dKernelOps } from './s4dKernelOps.js';

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
 * Float64 forward pass: K [H, L] and, per (h, n), the quantities the gradient needs.
 * z = exp(dt A), Bbar = (z - 1) / A, W = C Bbar; K[h, l] = 2 Re(sum_n W_n z_n^l), the powers
 * z^l by repeated multiplication in float64 (relative error about l * 1e-16).
 */
/** Zero-order-hold discretization of mode j: A = -exp(logAReal) + i aImag, z = exp(dt A), Bbar = (z - 1) / A. */
function discretize(p: S4DParameters<Float32Array>, j: number, dt: number): { ar: number; ai: number; zr: number; zi: number; br: number; bi: number; abs2: number } {
  const ar = -Math.exp(p.logAReal[j]);
  const ai = p.aImag[j];
  const mag = Math.exp(dt * ar);
  const zr = mag * Math.cos(dt * ai);
  const zi = mag * Math.sin(dt * ai);
  const abs2 = ar * ar + ai * ai;
  return { ar, ai, zr, zi, br: ((zr - 1) * ar + zi * ai) / abs2, bi: (zi * ar - (zr - 1) * ai) / abs2, abs2 };
}

function kernelForward(p: S4DParameters<Float32Array>, h: number, pairs: number, length: number): Float64Array {
  const k = new Float64Array(h * length);
  for (let i = 0; i < h; i++) {
    const dt = Math.exp(p.logDt[i]);
    for (let n = 0; n < pairs; n++) {
      const j = i * pairs + n;
      const { ar, ai, zr, zi, br, bi } = discretize(p, j, dt);
      const wr = p.cReal[j] * br - p.cImag[j] * bi;
      const wi = p.cReal[j] * bi + p.cImag[j] * br;
      let pr = 1; let pi = 0;
      const row = i * length;
      for (let l = 0; l < length; l++) {
        k[row + l] += 2 * (wr * pr - wi * pi);
        const t = pr * zr - pi * zi;
        pi = pr * zi + pi * zr;
        pr = t;
      }
    }
  }
  return k;
}

/**
 * Float64 gradient of sum_{h,l} G[h, l] K[h, l] in every parameter. With S = sum_l G_l z^l,
 * T = sum_l l G_l z^(l-1) and F = 2 C (z - 1)/A S (so the loss is Re F, F holomorphic in C, z, A):
 * dF/dC = 2 Bbar S, dF/dz = 2 C (S + (z - 1) T) / A, dF/dA = -2 C S Bbar / A + dF/dz dt z,
 * dF/d dt = dF/dz A z; a real parameter x gets Re(dF/dx) (Re for A's real part, -Im for its
 * imaginary part and for C's), times the derivative of its exp parameterization.
 */
function kernelBackward(p: S4DParameters<Float32Array>, g: Float32Array, h: number, pairs: number, length: number): S4DParameters<Float32Array> {
  const out: S4DParameters<Float32Array> = {
    logDt: new Float32Array(h), logAReal: new Float32Array(h * pairs), aImag: new Float32Array(h * pairs),
    cReal: new Float32Array(h * pairs), cImag: new Float32Array(h * pairs),
  };
  for (let i = 0; i < h; i++) {
    const dt = Math.exp(p.logDt[i]);
    let dDt = 0;
    for (let n = 0; n < pairs; n++) {
      const j = i * pairs + n;
      const { ar, ai, zr, zi, br, bi, abs2 } = discretize(p, j, dt);
      const cr = p.cReal[j];
      const ci = p.cImag[j];
      // S = sum G_l z^l, T = sum l G_l z^(l-1)
      let sr = 0; let si = 0; let tr = 0; let ti = 0;
      let pr = 1; let pi = 0; // z^l
      let qr = 0; let qi = 0; // z^(l-1)
      const row = i * length;
      for (let l = 0; l < length; l++) {
        const gl = g[row + l];
        sr += gl * pr; si += gl * pi;
        tr += l * gl * qr; ti += l * gl * qi;
        qr = pr; qi = pi;
        const t = pr * zr - pi * zi;
        pi = pr * zi + pi * zr;
        pr = t;
      }
      // dF/dC = 2 Bbar S
      const dcr = 2 * (br * sr - bi * si);
      const dci = 2 * (br * si + bi * sr);
      out.cReal[j] = dcr;
      out.cImag[j] = -dci;
      // dF/dz = 2 C (S + (z - 1) T) / A
      const ur = sr + (zr - 1) * tr - zi * ti;
      const ui = si + (zr - 1) * ti + zi * tr;
      const vr = cr * ur - ci * ui;
      const vi = cr * ui + ci * ur;
      const dzr = 2 * (vr * ar + vi * ai) / abs2;
      const dzi = 2 * (vi * ar - vr * ai) / abs2;
      // dz/dA = dt z, dz/d dt = A z
      const zdzr = dzr * zr - dzi * zi;
      const zdzi = dzr * zi + dzi * zr;
      // explicit: -2 C S Bbar / A = -(dF/dC) C / A
      const er = dcr * cr - dci * ci;
      const ei = dcr * ci + dci * cr;
      const xr = -(er * ar + ei * ai) / abs2;
      const xi = -(ei * ar - er * ai) / abs2;
      const dar = xr + dt * zdzr;
      const dai = xi + dt * zdzi;
      out.logAReal[j] = dar * ar;
      out.aImag[j] = -dai;
      dDt += zdzr * ar - zdzi * ai;
    }
    out.logDt[i] = dDt * dt;
  }
  return out;
}

/**
 * The S4D convolution kernel [H, L] from the diagonal parameters (zero-order hold):
 *
 *   dt = exp(logDt),  A = -exp(logAReal) + i aImag,  Bbar = (exp(dt A) - 1) / A   (B = 1)
 *   K[h, l] = 2 Re( sum_n C_n Bbar_n exp(dt A_n l) ),   l = 0 .. L-1
 *
 * so that y = K * u (causal) equals the recurrence x_k = exp(dt A) x_{k-1} + Bbar u_k,
 * y_k = 2 Re(C x_k). Computed in float64 JavaScript (the parameters are read with `dataSync`;
 * one kernel instead of a graph of ~150 small tensor ops, whose dispatch and sines/cosines
 * dominated a training step on wasm), with the analytic gradient in every parameter as a custom
 * gradient (see `kernelBackward`); when a gradient of that gradient is being recorded (a
 * gradient penalty), the gradient is taken through `s4dKernelOps` instead, so gradients of any
 * order are exact. Gu et al. 2022, S4D. Exact (no estimate), up to float32 rounding of the result.
 */
export function s4dKernel(params: S4DParameters<tf.Tensor>, length: number): tf.Tensor2D {
  const l = checkNumber('length', length, { min: 1, integer: true });
  const h = params.logDt.shape[0];
  const pairs = params.logAReal.shape[1] as number;
  const read = (ts: tf.Tensor[]): S4DParameters<Float32Array> => {
    const [logDt, logAReal, aImag, cReal, cImag] = ts.map((t) => Float32Array.from(t.dataSync()));
    return { logDt, logAReal, aImag, cReal, cImag };
  };
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const inputs = args.slice(0, 5) as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    save(inputs);
    const value = tf.tensor2d(Float32Array.from(kernelForward(read(inputs), h, pairs, l)), [h, l]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      if (tf.engine().isTapeOn()) {
        // a gradient of this gradient is being recorded: differentiate the tensor-op graph instead
        const [a, b, c, d, e] = saved;
        return tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(s4dKernelOps({ logDt: p[0], logAReal: p[1], aImag: p[2], cReal: p[3], cImag: p[4] }, l), dy)))([a, b, c, d, e]);
      }
      const g = kernelBackward(read(saved), dy.dataSync() as Float32Array, h, pairs, l);
      return [tf.tensor1d(g.logDt), tf.tensor2d(g.logAReal, [h, pairs]), tf.tensor2d(g.aImag, [h, pairs]), tf.tensor2d(g.cReal, [h, pairs]), tf.tensor2d(g.cImag, [h, pairs])];
    };
    return { value, gradFunc };
  });
  return tf.tidy(() => f(params.logDt, params.logAReal, params.aImag, params.cReal, params.cImag) as tf.Tensor2D);
}
