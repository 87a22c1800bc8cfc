const U = 2 ** -53;

/**
 * CERTIFIED test that a Hermitian matrix G (n x n, row-major `re + i im`) satisfies
 * lambda_max(G) <= t, by a Cholesky factorization of t I - G (Rump, "Verification of positive
 * definiteness", BIT 2006): if floating-point Cholesky of H - alpha I runs to completion (every
 * pivot positive), with H = t I - G and alpha at least gamma_{n+1} tr(H) / (1 - gamma_{n+1}) plus
 * the error of forming H, then H is positive definite, so every eigenvalue of G is below t. Here
 * alpha = 16 (n + 2) u n (|t| + max_i |g_ii|), several times that bound (the factor covers complex
 * arithmetic, whose products err by up to sqrt(2) gamma_2, and the rounding of t - g_ii).
 * Costs about n^3 / 6 complex multiply-adds, a third of one Gram-iteration step, which is why
 * `convGramScan` uses it to dismiss frequency blocks below the running maximum.
 * Returns false when the factorization breaks down (G may or may not exceed t).
 */
export function hermitianBelow(gre: Float64Array, gim: Float64Array, n: number, t: number): boolean {
  if (!(t > 0)) return false;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(gre[i * n + i]));
  const alpha = 16 * (n + 2) * U * n * (t + maxDiag);
  const shift = t - alpha;
  // L overwrites the lower triangle of a copy of H - alpha I (row-major).
  const lr = new Float64Array(n * n);
  const li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      lr[i * n + j] = -gre[i * n + j];
      li[i * n + j] = -gim[i * n + j];
    }
    lr[i * n + i] += shift;
    li[i * n + i] = 0;
  }
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let d = lr[oj + j];
    for (let k = 0; k < j; k++) d -= lr[oj + k] * lr[oj + k] + li[oj + k] * li[oj + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    lr[oj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      // L_ij = (H_ij - sum_k L_ik conj(L_jk)) / L_jj
      let sr = lr[oi + j];
      let si = li[oi + j];
      for (let k = 0; k < j; k++) {
        const ar = lr[oi + k], ai = li[oi + k], br = lr[oj + k], bi = li[oj + k];
        sr -= ar * br + ai * bi;
        si -= ai * br - ar * bi;
      }
      lr[oi + j] = sr * inv;
      li[oi + j] = si * inv;
    }
  }
  return true;
}
