// Float64 plain-TypeScript oracle of the S4D layer: the recurrent scan (no convolution).

/** S4D parameters as float64 arrays: logDt [H], the others [H, P] row-major, D [H]. */
export interface ScanParams {
  logDt: ArrayLike<number>; logAReal: ArrayLike<number>; aImag: ArrayLike<number>;
  cReal: ArrayLike<number>; cImag: ArrayLike<number>;
  cRealReverse?: ArrayLike<number>; cImagReverse?: ArrayLike<number>;
  D: ArrayLike<number>;
}

/**
 * y_k = 2 Re(C x_k) + D u_k with x_k = Abar x_{k-1} + Bbar u_k, Abar = exp(dt A), Bbar = (Abar - 1)/A,
 * per channel; plus, when reverse C is given, the same scan run backwards in time with that C.
 * u is [B, L, H] row-major; returns y [B, L, H].
 */
export function scan(p: ScanParams, u: ArrayLike<number>, batch: number, length: number, channels: number, pairs: number): Float64Array {
  const y = new Float64Array(batch * length * channels);
  const run = (cr: ArrayLike<number>, ci: ArrayLike<number>, backwards: boolean): void => {
    for (let h = 0; h < channels; h++) {
      const dt = Math.exp(p.logDt[h]);
      for (let n = 0; n < pairs; n++) {
        const i = h * pairs + n;
        const ar = -Math.exp(p.logAReal[i]);
        const ai = p.aImag[i];
        const m = Math.exp(dt * ar);
        const abR = m * Math.cos(dt * ai);
        const abI = m * Math.sin(dt * ai);
        const den = ar * ar + ai * ai;
        const bbR = ((abR - 1) * ar + abI * ai) / den;
        const bbI = (abI * ar - (abR - 1) * ai) / den;
        for (let b = 0; b < batch; b++) {
          let xr = 0;
          let xi = 0;
          for (let s = 0; s < length; s++) {
            const k = backwards ? length - 1 - s : s;
            const uk = u[(b * length + k) * channels + h];
            const nr = abR * xr - abI * xi + bbR * uk;
            const ni = abR * xi + abI * xr + bbI * uk;
            xr = nr;
            xi = ni;
            y[(b * length + k) * channels + h] += 2 * (cr[i] * xr - ci[i] * xi);
          }
        }
      }
    }
  };
  run(p.cReal, p.cImag, false);
  if (p.cRealReverse !== undefined && p.cImagReverse !== undefined) run(p.cRealReverse, p.cImagReverse, true);
  for (let i = 0; i < y.length; i++) y[i] += p.D[i % channels] * u[i];
  return y;
}

/** erf by its Maclaurin series (float64; error below 1e-8 for the |x| <= 6 used here). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  // Maclaurin series: erf x = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)), converges for all x; fine for |x| <= 6 in float64.
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= -ax * ax / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.sign(x) * Math.min(1, 2 / Math.sqrt(Math.PI) * sum);
}

/** Exact GELU x Phi(x). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}
