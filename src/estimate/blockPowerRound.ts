import * as tf from '@tensorflow/tfjs-core';
import { smallSymmetricEigen } from './smallSymmetricEigen.js';

/**
 * Vectors per block of `blockPowerRound`: the top singular value is resolved against the
 * (BLOCK_SIZE + 1)-th instead of the second, so close top singular values (random and
 * trained weights near the bulk edge) no longer stall the iteration.
 */
export const BLOCK_SIZE = 4;

/**
 * Smallest relative spread `(theta_1 - theta_b) / theta_1` of the block's top Ritz values
 * (sigma^2) for which a settled estimate is trusted without a check. Measured (exact SVDs):
 * Adam on the MNIST MLP with spectral constraints gave spreads 0.16-0.43 and errors below
 * 1.2e-4; a SpectralNormalization layer flattens the top of the spectrum (spreads 0.04-0.12)
 * and there a block settled on the wrong direction twice in ten calls (errors 3e-3, 9e-3).
 */
export const TRUSTED_GAP = 0.15;

/**
 * A smaller spread is trusted when it is at least this many times the drift since the previous
 * call (`BlockRitz.drift`). Measured: the bench's tanh MLP (256x256 kernel under normalize)
 * drifts about 1.5e-5 per Adam step at spread 0.08 (trusted; before this rule every call was
 * checked). A SpectralNormalization layer is not helped by it: factors 4 and 10 still admitted
 * blocks off by 2.1e-3 (spread 0.076, drift 0.018) and 1.5e-3 (spread 0.044, drift 3.4e-3), so
 * the layer passes no previous ratios and keeps TRUSTED_GAP alone.
 */
export const DRIFT_FACTOR = 10;

/**
 * Rounds allowed for a budget of `maxIterations` single-vector power steps: one round
 * multiplies BLOCK_SIZE vectors twice by A and twice by A^T, so `ceil(maxIterations / BLOCK_SIZE)`.
 */
export function blockRounds(maxIterations: number): number {
  return Math.max(1, Math.ceil(maxIterations / BLOCK_SIZE));
}

/** Result of `blockPowerRound` (all host arrays; nothing to dispose). */
export interface BlockRitz {
  /** `||A y||` for the top Ritz vector y of span(V, Z): an ESTIMATE of sigma_max(A), from below (Rayleigh-Ritz). */
  sigma: number;
  /** Relative residual of the top Ritz pair, `||A^T A y - theta y|| / theta` (theta = sigma^2). */
  residual: number;
  /**
   * Estimated relative error of sigma (half that of theta = sigma^2): `residual^2 / max(gap, residual) / 2` with
   * `gap = (theta_1 - theta_b) / theta_1` from the Ritz values (b = BLOCK_SIZE) (the quadratic residual bound of
   * Rayleigh-Ritz, whose residual is orthogonal to the space); an ESTIMATE, since the gap to
   * the spectrum outside the space is only estimated.
   */
  errorEstimate: number;
  /** `(theta_1 - theta_b) / theta_1`: the relative spread of the top BLOCK_SIZE Ritz values of sigma^2. */
  gap: number;
  /**
   * How far the top Ritz values moved relative to theta_1 since the previous call (`previous`):
   * the largest change of `theta_i / theta_1` after the first round; Infinity without `previous`.
   */
  drift: number;
  /** `theta_i / theta_1` of the top BLOCK_SIZE Ritz values: pass as `previous` to the next call. */
  ratios: Float64Array;
  /**
   * Whether the estimate is trusted: `errorEstimate <= tolerance` and the top is spread, either
   * `gap >= TRUSTED_GAP` or `gap >= DRIFT_FACTOR * drift` (a spectrum that barely moves between
   * calls), or A y = 0. Otherwise the iteration stops after `minRounds` and reports false: a
   * direction outside the block can overtake the top between calls unseen.
   */
  converged: boolean;
  /** The top Ritz vector y of span(V, Z) (right side, length cols, unit). */
  v: Float32Array;
  /** `A y / ||A y||` (left side, length rows). */
  u: Float32Array;
  /** The next warm start: BLOCK_SIZE orthonormal rows of length cols (row-major), the first one the top direction. */
  block: Float32Array;
  /** Block steps run (one backend read each). */
  rounds: number;
}

/**
 * Warm-started block Krylov iteration with Rayleigh-Ritz on a matrix `w` [rows, cols]: each
 * round uploads the block V (BLOCK_SIZE x cols), computes `A V`, `Z = A^T A V`, `A Z` and
 * `A^T A Z` on the backend (four matrix products with the block, no transposed copy of A) and
 * reads them in one read; the host (float64) orthonormalizes span(V, Z), carries the images
 * along, and takes the Ritz pairs (Rayleigh-Ritz) for sigma, the top pair, its residual and the
 * next block (the top BLOCK_SIZE Ritz vectors). Rounds continue
 * after `minRounds` while the estimated error of sigma (`errorEstimate`) exceeds `tolerance`, up to `maxRounds`.
 * `start`: the previous block (or a single vector of length cols, or null for a seeded random
 * start); `previous`: the previous call's `ratios` (for `drift`). An ESTIMATE: a block can in
 * principle miss the top direction altogether.
 */
export function blockPowerRound(w: tf.Tensor2D, start: Float32Array | null, minRounds: number, tolerance: number, maxRounds: number, previous: Float64Array | null = null): BlockRitz {
  const [rows, cols] = w.shape;
  const b = Math.min(BLOCK_SIZE, cols);
  let block = initialBlock(start, b, cols);
  let rounds = 0;
  let drift = Infinity;
  for (;;) {
    let data: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      // (small operands transposed explicitly: faster than transposed products on tfjs-wasm)
      const v = tf.transpose(tf.tensor2d(block, [b, cols]));
      const y = tf.matMul(w, v); // [rows, b] = A V
      const zt = tf.matMul(tf.transpose(y), w); // [b, cols] = (A^T A V)^T = Z^T
      const y2 = tf.matMul(w, tf.transpose(zt)); // [rows, b] = A Z
      const z2t = tf.matMul(tf.transpose(y2), w); // [b, cols] = (A^T A Z)^T
      // (read inside the tidy and not returned: tidy walks a returned typed array element by element)
      data = tf.concat([tf.reshape(y, [-1]), tf.reshape(zt, [-1]), tf.reshape(y2, [-1]), tf.reshape(z2t, [-1])]).dataSync() as Float32Array;
    });
    rounds++;
    const zOff = rows * b;
    const y2Off = zOff + b * cols;
    const z2Off = y2Off + rows * b;
    // Orthonormal basis Q of span(V, Z) (float64 Gram-Schmidt on the host), with each basis
    // vector's image under A (from Y, A Z) and under A^T A (from Z, A^T A Z) formed alongside.
    const basis: Float64Array[] = [];
    const image: Float64Array[] = [];
    const gram: Float64Array[] = [];
    for (const [qOff, iOff, gOff, fromBlock] of [[0, 0, zOff, true], [zOff, y2Off, z2Off, false]] as const) {
      for (let i = 0; i < b; i++) {
        const q = fromBlock ? Float64Array.from(block.subarray(i * cols, (i + 1) * cols)) : Float64Array.from(data.subarray(qOff + i * cols, qOff + (i + 1) * cols));
        const aq = new Float64Array(rows);
        for (let r = 0; r < rows; r++) aq[r] = data[iOff + r * b + i] as number;
        const gq = Float64Array.from(data.subarray(gOff + i * cols, gOff + (i + 1) * cols));
        let n0 = 0;
        for (let c = 0; c < cols; c++) n0 += (q[c] as number) ** 2;
        for (let pass = 0; pass < 2; pass++) {
          for (let j = 0; j < basis.length; j++) {
            const p = basis[j] as Float64Array;
            let d = 0;
            for (let c = 0; c < cols; c++) d += (p[c] as number) * (q[c] as number);
            if (d === 0) continue;
            const pi = image[j] as Float64Array;
            const pg = gram[j] as Float64Array;
            for (let c = 0; c < cols; c++) { q[c] -= d * (p[c] as number); gq[c] -= d * (pg[c] as number); }
            for (let r = 0; r < rows; r++) aq[r] -= d * (pi[r] as number);
          }
        }
        let n = 0;
        for (let c = 0; c < cols; c++) n += (q[c] as number) ** 2;
        // keep only directions well above the float32 noise of the products (relative 1e-4)
        if (!(n > 1e-8 * n0)) continue;
        const sc = 1 / Math.sqrt(n);
        for (let c = 0; c < cols; c++) { q[c] *= sc; gq[c] *= sc; }
        for (let r = 0; r < rows; r++) aq[r] *= sc;
        basis.push(q); image.push(aq); gram.push(gq);
      }
    }
    // Rayleigh-Ritz: Q^T A^T A Q from the images (float64).
    const k = basis.length;
    const hk = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      const ai = image[i] as Float64Array;
      for (let j = i; j < k; j++) {
        const aj = image[j] as Float64Array;
        let t = 0;
        for (let r = 0; r < rows; r++) t += (ai[r] as number) * (aj[r] as number);
        hk[i * k + j] = t; hk[j * k + i] = t;
      }
    }
    const ek = smallSymmetricEigen(hk, k);
    const theta = Math.max(ek.values[0] as number, 0);
    const v = new Float64Array(cols);
    const u = new Float64Array(rows);
    const gv = new Float64Array(cols);
    const next = new Float64Array(b * cols);
    for (let i = 0; i < k; i++) {
      const q = basis[i] as Float64Array;
      const im = image[i] as Float64Array;
      const g = gram[i] as Float64Array;
      const c1 = ek.vectors[i] as number;
      for (let c = 0; c < cols; c++) { v[c] += c1 * (q[c] as number); gv[c] += c1 * (g[c] as number); }
      for (let r = 0; r < rows; r++) u[r] += c1 * (im[r] as number);
      for (let t = 0; t < b; t++) {
        const ct = ek.vectors[t * k + i] as number;
        for (let c = 0; c < cols; c++) next[t * cols + c] += ct * (q[c] as number);
      }
    }
    let uu = 0;
    for (let r = 0; r < rows; r++) uu += (u[r] as number) ** 2;
    let rr = 0;
    for (let c = 0; c < cols; c++) rr += ((gv[c] as number) - theta * (v[c] as number)) ** 2;
    const sigma = Math.sqrt(uu);
    const residual = theta > 0 ? Math.sqrt(rr) / theta : 0;
    // quadratic residual bound of Rayleigh-Ritz: the residual is orthogonal to the space, so
    // theta_1 is off by about residual^2 / gap, the gap to the spectrum outside the space
    // (estimated by theta_1 - theta_b, b = BLOCK_SIZE: the lower Ritz values of a Krylov space
    // can sit well inside the spectrum); the linear bound (the residual) when the gap is smaller
    const gap = theta > 0 ? (theta - Math.max(ek.values[Math.min(b, k) - 1] as number, 0)) / theta : 0;
    // (halved: the relative error of sigma = sqrt(theta))
    const errorEstimate = (k > 1 ? (residual * residual) / Math.max(gap, residual) : residual) / 2;
    const settled = errorEstimate <= tolerance;
    const ratios = new Float64Array(Math.min(b, k));
    for (let i = 0; i < ratios.length; i++) ratios[i] = theta > 0 ? Math.max(ek.values[i] as number, 0) / theta : 0;
    if (rounds === 1 && previous !== null && previous.length === ratios.length) {
      drift = 0;
      for (let i = 0; i < ratios.length; i++) drift = Math.max(drift, Math.abs((ratios[i] as number) - (previous[i] as number)));
    }
    const converged = sigma === 0 || (settled && (gap >= TRUSTED_GAP || gap >= DRIFT_FACTOR * drift));
    block = orthonormalRows(next, b, cols);
    // (a flat top stays flat: more rounds cannot make the estimate trusted, the caller checks)
    const done = rounds >= minRounds && (converged || settled || (gap < TRUSTED_GAP && gap < DRIFT_FACTOR * drift) || rounds >= maxRounds || !Number.isFinite(sigma));
    if (done) {
      return {
        sigma, residual, errorEstimate, gap, drift, ratios, converged, rounds, block,
        v: Float32Array.from(v), u: Float32Array.from(u, (t) => (sigma > 0 ? t / sigma : 0)),
      };
    }
  }
}

/** The start block (orthonormalized): `start` when it is a block, else its vector first, filled with seeded random rows. */
function initialBlock(start: Float32Array | null, b: number, cols: number): Float32Array {
  if (start !== null && start.length === b * cols && start.every(Number.isFinite)) return orthonormalRows(Float64Array.from(start), b, cols);
  const x = new Float64Array(b * cols);
  let seed = 12345;
  for (let i = 0; i < x.length; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; x[i] = seed / 2147483648 - 0.5; }
  if (start !== null && start.length === cols && start.every(Number.isFinite)) for (let c = 0; c < cols; c++) x[c] = start[c] as number;
  else for (let c = 0; c < cols; c++) x[c] = 1 / Math.sqrt(cols);
  return orthonormalRows(x, b, cols);
}

/** Modified Gram-Schmidt (twice) on the rows of `x` (float64); a vanishing row is replaced by a deterministic one. */
function orthonormalRows(x: Float64Array, b: number, cols: number): Float32Array {
  for (let k = 0; k < b; k++) {
    const row = x.subarray(k * cols, (k + 1) * cols);
    let n0 = 0;
    for (let c = 0; c < cols; c++) n0 += (row[c] as number) ** 2;
    for (let attempt = 0; attempt < 3; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          let d = 0;
          for (let c = 0; c < cols; c++) d += (x[j * cols + c] as number) * (row[c] as number);
          for (let c = 0; c < cols; c++) row[c] -= d * (x[j * cols + c] as number);
        }
      }
      let n = 0;
      for (let c = 0; c < cols; c++) n += (row[c] as number) ** 2;
      if (n > 1e-24 * Math.max(n0, 1e-300) && n > 0) {
        const s = 1 / Math.sqrt(n);
        for (let c = 0; c < cols; c++) row[c] *= s;
        break;
      }
      // vanished (rank-deficient A or a repeated direction): a deterministic replacement
      for (let c = 0; c < cols; c++) row[c] = Math.sin(1 + 7.3 * (c + 1) * (k + 1 + attempt));
      n0 = 0;
      for (let c = 0; c < cols; c++) n0 += (row[c] as number) ** 2;
    }
  }
  return Float32Array.from(x);
}
