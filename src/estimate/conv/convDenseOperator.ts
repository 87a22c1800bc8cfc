import type { ConvGeometry } from './convGeometry.js';
import { spectralNormUpperBound } from '../spectralNormUpperBound.js';
import { UNIT_ROUNDOFF } from '../tracePowerBound.js';

/** The dense route is taken only while min(inDim, outDim) is at most this (the Gram side). */
export const DENSE_MAX_MIN_SIDE = 512;
/** ... and inDim * outDim (entries of the dense matrix, 8 bytes each) is at most this. */
export const DENSE_MAX_ENTRIES = 4e6;
/**
 * ... and the estimated multiply-adds d^2 n / 2 (Gram product) + 8 d^3 / 2 (about eight
 * squarings) are at most this, the value for d = n = 512 (~6e8). Measured on the shared
 * 2-core machine: ~0.4 s for d = n = 512, ~60 ms for d = n = 256; d = 512, n = 2048
 * (~0.5 s, excluded) and the 512 x 8192 operator of a stride-2 conv (~1.2 s, excluded).
 */
export const DENSE_MAX_COST = 4.5 * 512 ** 3;

/** Input and output dimension of the flattened operator of a geometry. */
export function convDims(geometry: ConvGeometry): { inDim: number; outDim: number } {
  const [ah, aw] = geometry.axes;
  return { inDim: ah.n * aw.n * geometry.cin, outDim: ah.out * aw.out * geometry.cout };
}

/**
 * Whether `convSpectralNorm` also bounds the dense operator matrix: min(inDim, outDim) <=
 * `DENSE_MAX_MIN_SIDE`, inDim * outDim <= `DENSE_MAX_ENTRIES`, and the estimated cost (Gram
 * product d^2 n / 2 plus about 8 squarings of d^3 / 2 multiply-adds, d the smaller and n the
 * larger side) <= `DENSE_MAX_COST`, so that it stays well under a second.
 */
export function denseRouteApplies(geometry: ConvGeometry): boolean {
  const { inDim, outDim } = convDims(geometry);
  const d = Math.min(inDim, outDim);
  const n = Math.max(inDim, outDim);
  return d <= DENSE_MAX_MIN_SIDE && d * n <= DENSE_MAX_ENTRIES && (d * d * n) / 2 + 4 * d * d * d <= DENSE_MAX_COST;
}

/** Dense operator matrix of a convolution, float64, with a bound on its rounding error. */
export interface ConvDenseMatrix {
  /** Row-major `[outDim, inDim]`: row (i * ow + j) * cout + o, column (y * w + x) * cin + c (NHWC flattened). */
  data: Float64Array;
  rows: number;
  cols: number;
  /** Upper bound on ||computed - exact||_2: 0 unless periodic wrapping adds several taps into one entry. */
  roundingError: number;
}

/**
 * The matrix A of y = conv(x) for one geometry, built tap by tap in float64:
 * A[(i ow + j) cout + o, (y w + x) cin + c] += K[a, b, c, o] with y = i s_h + a - before_h,
 * x = j s_w + b - before_w (the padding split of `convAxis`, tfjs semantics), K the dilated
 * kernel; for 'same'/'valid' taps outside the input are dropped (zero padding), for 'circular'
 * y and x are taken modulo the input size (periodic padding).
 *
 * With zero padding each entry receives at most one tap, so A is exact (float32 kernel values
 * are exact in float64). With periodic padding on an input smaller than the kernel several taps
 * can land on one entry; each such sum of m terms has error <= gamma_m sum |terms|
 * (gamma_m = m u / (1 - m u)), so ||E||_2 <= ||E||_F <= gamma_m ||A_abs||_F (A_abs the same
 * sums of absolute values), reported as `roundingError`.
 */
export function convDenseMatrix(geometry: ConvGeometry): ConvDenseMatrix {
  const [ah, aw] = geometry.axes;
  const { cin, cout, kernel } = geometry;
  const { inDim: cols, outDim: rows } = convDims(geometry);
  const data = new Float64Array(rows * cols);
  const circular = geometry.padding === 'circular';
  // Periodic padding may hit one entry several times: track sums of |terms| and the count.
  const abs = circular ? new Float64Array(rows * cols) : null;
  const hits = circular ? new Uint32Array(ah.out * aw.out * ah.n * aw.n) : null;
  const block = cin * cout;
  for (let a = 0; a < ah.k; a++) {
    for (let b = 0; b < aw.k; b++) {
      const tap = (a * aw.k + b) * block;
      let nonzero = false;
      for (let t = 0; t < block; t++) if (kernel[tap + t] !== 0) { nonzero = true; break; }
      if (!nonzero) continue; // zeros inserted by dilation (or a zero tap)
      for (let i = 0; i < ah.out; i++) {
        let y = i * ah.s + a - ah.before;
        if (circular) y = ((y % ah.n) + ah.n) % ah.n;
        else if (y < 0 || y >= ah.n) continue;
        for (let j = 0; j < aw.out; j++) {
          let x = j * aw.s + b - aw.before;
          if (circular) x = ((x % aw.n) + aw.n) % aw.n;
          else if (x < 0 || x >= aw.n) continue;
          const rowBase = (i * aw.out + j) * cout;
          const colBase = (y * aw.n + x) * cin;
          if (hits) hits[(i * aw.out + j) * ah.n * aw.n + y * aw.n + x]++;
          for (let c = 0; c < cin; c++) {
            const k0 = tap + c * cout;
            for (let o = 0; o < cout; o++) {
              const idx = (rowBase + o) * cols + colBase + c;
              const v = kernel[k0 + o];
              data[idx] += v;
              if (abs) abs[idx] += Math.abs(v);
            }
          }
        }
      }
    }
  }
  let roundingError = 0;
  if (abs && hits) {
    let m = 0;
    for (let i = 0; i < hits.length; i++) m = Math.max(m, hits[i]);
    if (m > 1) {
      let f2 = 0;
      for (let i = 0; i < abs.length; i++) f2 += abs[i] * abs[i];
      const gamma = (m * UNIT_ROUNDOFF) / (1 - m * UNIT_ROUNDOFF);
      // The Frobenius sum itself is computed in float64: a generous factor 2 covers its rounding.
      roundingError = 2 * gamma * Math.sqrt(f2);
    }
  }
  return { data, rows, cols, roundingError };
}

/**
 * CERTIFIED upper bound on the operator norm of a convolution from its dense float64 matrix:
 * `spectralNormUpperBound` (exact Jacobi SVD when the smaller side is <= 32, otherwise the
 * trace-power bound on the Gram matrix, within `1 + relativeSlack`) plus the rounding error of
 * the matrix. Only meant for small operators (see `denseRouteApplies`).
 */
export function convDenseUpperBound(
  geometry: ConvGeometry, relativeSlack: number,
): { upperBound: number; method: string } {
  const m = convDenseMatrix(geometry);
  const r = spectralNormUpperBound({ data: m.data, rows: m.rows, cols: m.cols }, { relativeSlack });
  // Adding a nonnegative error term rounds up via the factor (1 + 2u).
  const upperBound = m.roundingError > 0 ? (r.upperBound + m.roundingError) * (1 + 2 * UNIT_ROUNDOFF) : r.upperBound;
  return { upperBound, method: `dense ${m.rows}x${m.cols} float64 operator matrix, ${r.method}` };
}
