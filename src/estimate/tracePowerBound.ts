/**
 * Float64 kernels behind `spectralNormUpperBound` and `hermitianMaxEigenUpperBound`:
 * a Hermitian "row Gram" product `C = X X^H` and the trace-power bound
 * `rho(G) <= trace(G^k)^(1/k)`, k = 2^p, computed by repeated squaring with rescaling.
 * Complex matrices are row-major `re + i * im`; `im = null` means real (a faster path of
 * the same kernel, not a second algorithm).
 */

/** Unit roundoff of float64. */
export const UNIT_ROUNDOFF = 2 ** -53;

/**
 * `C = X X^H` for `X` (rows x len, row-major re + i im): `C_ij = sum_k X_ik conj(X_jk)`,
 * rows x rows, Hermitian. Only the upper triangle is computed (register blocks of contiguous
 * row dot products: 2x4 real, 2x2 complex) and then mirrored. With `X` Hermitian (`X^H = X`)
 * this is the square `X^2`; with `X = W^T` (transposed copy) it is the Gram matrix `W^T W`.
 */
export function hermitianRowGram(
  re: Float64Array, im: Float64Array | null, rows: number, len: number,
): { re: Float64Array; im: Float64Array | null } {
  if (im === null) return { re: realRowGram(re, rows, len), im: null };
  const cre = new Float64Array(rows * rows);
  const cim = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i += 2) {
    const i1 = Math.min(i + 1, rows - 1); // duplicate row i when rows is odd (harmless)
    const oi = i * len;
    const oi1 = i1 * len;
    for (let j = i; j < rows; j += 2) {
      const j1 = Math.min(j + 1, rows - 1);
      const oj = j * len;
      const oj1 = j1 * len;
      let r00 = 0, r01 = 0, r10 = 0, r11 = 0, s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let k = 0; k < len; k++) {
        const a0 = re[oi + k], a1 = re[oi1 + k], b0 = re[oj + k], b1 = re[oj1 + k];
        const c0 = im[oi + k], c1 = im[oi1 + k], d0 = im[oj + k], d1 = im[oj1 + k];
        // (a + ic)(b - id) = (ab + cd) + i(cb - ad)
        r00 += a0 * b0 + c0 * d0; s00 += c0 * b0 - a0 * d0;
        r01 += a0 * b1 + c0 * d1; s01 += c0 * b1 - a0 * d1;
        r10 += a1 * b0 + c1 * d0; s10 += c1 * b0 - a1 * d0;
        r11 += a1 * b1 + c1 * d1; s11 += c1 * b1 - a1 * d1;
      }
      store(cre, rows, i, j, r00, 1); store(cre, rows, i, j1, r01, 1);
      store(cre, rows, i1, j, r10, 1); store(cre, rows, i1, j1, r11, 1);
      store(cim, rows, i, j, s00, -1); store(cim, rows, i, j1, s01, -1);
      store(cim, rows, i1, j, s10, -1); store(cim, rows, i1, j1, s11, -1);
    }
  }
  for (let i = 0; i < rows; i++) cim[i * rows + i] = 0; // exactly Hermitian
  return { re: cre, im: cim };
}

/** Real case of `hermitianRowGram`: `C = X X^T`, 2x4 register blocks (~2.3 GFMA/s in V8 here). */
function realRowGram(x: Float64Array, rows: number, len: number): Float64Array {
  const c = new Float64Array(rows * rows);
  const last = rows - 1;
  for (let i = 0; i < rows; i += 2) {
    const i1 = Math.min(i + 1, last); // clamped indices recompute a valid entry (harmless)
    const oi = i * len, oi1 = i1 * len;
    for (let j = i; j < rows; j += 4) {
      const j1 = Math.min(j + 1, last), j2 = Math.min(j + 2, last), j3 = Math.min(j + 3, last);
      const oj = j * len, oj1 = j1 * len, oj2 = j2 * len, oj3 = j3 * len;
      let r00 = 0, r01 = 0, r02 = 0, r03 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0;
      for (let k = 0; k < len; k++) {
        const a0 = x[oi + k], a1 = x[oi1 + k];
        const b0 = x[oj + k], b1 = x[oj1 + k], b2 = x[oj2 + k], b3 = x[oj3 + k];
        r00 += a0 * b0; r01 += a0 * b1; r02 += a0 * b2; r03 += a0 * b3;
        r10 += a1 * b0; r11 += a1 * b1; r12 += a1 * b2; r13 += a1 * b3;
      }
      store(c, rows, i, j, r00, 1); store(c, rows, i, j1, r01, 1);
      store(c, rows, i, j2, r02, 1); store(c, rows, i, j3, r03, 1);
      store(c, rows, i1, j, r10, 1); store(c, rows, i1, j1, r11, 1);
      store(c, rows, i1, j2, r12, 1); store(c, rows, i1, j3, r13, 1);
    }
  }
  return c;
}

/** Writes C_ij = v and C_ji = sign * v (conjugate mirror for the imaginary part). */
function store(c: Float64Array, n: number, i: number, j: number, v: number, sign: number): void {
  c[i * n + j] = v;
  c[j * n + i] = sign * v;
}

export interface TracePowerResult {
  /** Certified upper bound on the spectral radius max|lambda_i| (includes the rounding margin). */
  upperBound: number;
  /** Lower estimate ||G x|| / ||x|| for the power-iterated vector x (<= rho(G) up to rounding). */
  estimate: number;
  /** The power k of the final bound trace(G^k)^(1/k). */
  power: number;
}

/**
 * Certified upper bound on the spectral radius of a Hermitian matrix `G` (n x n, row-major
 * `re + i im`), which is lambda_max when G is PSD.
 *
 * For even k, `trace(G^k) = sum_i lambda_i^k >= rho^k` and `<= n rho^k`, so
 * `rho <= trace(G^k)^(1/k) <= n^(1/k) rho`. With `M_0 = G / a_0`, `M_j = M_{j-1}^2 / a_j`
 * (each a_j = ||.||_F, so every M_j has unit Frobenius norm and no overflow), and since
 * `trace(M_j^2) = ||M_j||_F^2 = 1`, the log of the bound for k = 2^(j+1) is
 * `log a_0 + sum_{i=1..j} log(a_i) / 2^i`, known before the next squaring.
 * Stops at the first j where `bound <= estimate * (1 + slack)^2` (adaptive; rank-1 or fast
 * decaying spectra stop after 0-3 squarings), or where the worst case `n^(1/k)` is already
 * `<= (1 + slack)^2`. The lower estimate uses x = the column of M_j of largest norm
 * (proportional to G^(2^j) e_i: power iteration from the best coordinate vector).
 *
 * Rounding margin (first-order Higham-style analysis, float64 unit roundoff u = 2^-53): each
 * computed square is S_j = M_{j-1}^2 + E with |E| <= gamma_n |M||M|, so
 * ||E||_2 <= n gamma_n ||M||_2^2 =: eps ||M||_2^2 and rho(S_j) >= rho(M_{j-1})^2 (1 - eps).
 * With rho_j = rho(M_j) = rho(S_j) / a_j (a_j is whatever norm was computed; it is used
 * consistently) the sum telescopes: log bound >= log a_0 + log rho_0 + log(1 - eps)
 * = log rho(G) + log(1 - eps), using ||M_p||_F^2 >= rho_p^2 for the last term. So
 * rho(G) <= bound / (1 - eps), eps ~ n^2 u; the division by a_j, the last Frobenius norm and
 * exp/log add a few ulps per step. The returned bound is multiplied by
 * `1 + 1e-12 + 8 n^2 u + extraRelative`, several times that total. `extraRelative` lets the
 * caller add the error of forming G (e.g. a Gram matrix).
 * `stopBelow`: stop as soon as the certified bound (margin included) is at most this value
 * (a caller that only needs to know that rho(G) <= stopBelow; the result stays certified).
 */
export function tracePowerBound(
  re: Float64Array, im: Float64Array | null, n: number, relativeSlack: number, extraRelative = 0, stopBelow = 0,
): TracePowerResult {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(re[i]), im ? Math.abs(im[i]) : 0);
  if (scale === 0) return { upperBound: 0, estimate: 0, power: 1 };
  const margin = 1 + 1e-12 + 8 * n * n * UNIT_ROUNDOFF + extraRelative;
  if (n === 1) return { upperBound: Math.abs(re[0]) * margin, estimate: Math.abs(re[0]), power: 1 };

  let mre: Float64Array = new Float64Array(n * n);
  let mim: Float64Array | null = im ? new Float64Array(n * n) : null;
  for (let i = 0; i < n * n; i++) {
    mre[i] = re[i] / scale;
    if (mim && im) mim[i] = im[i] / scale;
  }
  const f0 = frobenius(mre, mim);
  normalize(mre, mim, f0);
  let logBound = Math.log(scale) + Math.log(f0); // k = 2: ||G||_F
  const target = 2 * Math.log1p(relativeSlack); // allowed log(bound / rho)
  const logN = Math.log(n);
  let power = 2;
  let estimate = 0;
  for (let j = 0; ; j++) {
    // mre/mim hold M_j (unit Frobenius norm); logBound is log trace(G^power)^(1/power), power = 2^(j+1).
    estimate = Math.max(estimate, lowerEstimate(re, im, mre, mim, n));
    const worstCaseDone = logN / power <= target;
    const tight = estimate > 0 && logBound - Math.log(estimate) <= target;
    const below = stopBelow > 0 && Math.exp(logBound) * margin <= stopBelow;
    if (worstCaseDone || tight || below) break;
    const sq = hermitianRowGram(mre, mim, n, n);
    mre = sq.re;
    mim = sq.im;
    const a = frobenius(mre, mim);
    if (a === 0) break; // nilpotent up to rounding (cannot happen for Hermitian nonzero G)
    normalize(mre, mim, a);
    logBound += Math.log(a) / power; // a_{j+1} enters with weight 2^-(j+1) = 1/power
    power *= 2;
  }
  return { upperBound: Math.exp(logBound) * margin, estimate, power };
}

function frobenius(re: Float64Array, im: Float64Array | null): number {
  let s = 0;
  for (let i = 0; i < re.length; i++) s += re[i] * re[i];
  if (im) for (let i = 0; i < im.length; i++) s += im[i] * im[i];
  return Math.sqrt(s);
}

function normalize(re: Float64Array, im: Float64Array | null, f: number): void {
  const inv = 1 / f;
  for (let i = 0; i < re.length; i++) re[i] *= inv;
  if (im) for (let i = 0; i < im.length; i++) im[i] *= inv;
}

/**
 * ||G x|| / ||x|| with x = the column of M of largest norm:
 * a lower estimate of rho(G) = ||G||_2.
 */
function lowerEstimate(
  gre: Float64Array, gim: Float64Array | null, mre: Float64Array, mim: Float64Array | null, n: number,
): number {
  let best = 0;
  let bestVal = -1;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const r = mre[i * n + k];
      const c = mim ? mim[i * n + k] : 0;
      v += r * r + c * c;
    }
    if (v > bestVal) { bestVal = v; best = i; }
  }
  if (bestVal <= 0) return 0;
  // Column `best` of Hermitian M is the conjugate of row `best`: x_k = re - i im.
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  let xx = 0;
  for (let k = 0; k < n; k++) {
    xr[k] = mre[best * n + k];
    xi[k] = mim ? -mim[best * n + k] : 0;
    xx += xr[k] * xr[k] + xi[k] * xi[k];
  }
  let yy = 0;
  for (let i = 0; i < n; i++) {
    let yr = 0;
    let yi = 0;
    const o = i * n;
    if (gim) {
      for (let k = 0; k < n; k++) {
        const a = gre[o + k], b = gim[o + k];
        yr += a * xr[k] - b * xi[k];
        yi += a * xi[k] + b * xr[k];
      }
    } else {
      for (let k = 0; k < n; k++) { yr += gre[o + k] * xr[k]; yi += gre[o + k] * xi[k]; }
    }
    yy += yr * yr + yi * yi;
  }
  return Math.sqrt(yy / xx);
}
