import { MIN_RELATIVE_STEP } from './realizedQuotients.js';

/** Unit roundoff of float32 (round to nearest). */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;
/** sqrt of the inner-product length the rounding model assumes (n = 4096). */
const SQRT_FAN_IN = 64;

/**
 * The relative float32 rounding allowance for comparing a realized difference quotient of a
 * model's float32 forward pass with a certified bound of the exact (real-arithmetic) map.
 *
 * lipkit's certificates are stated for exact arithmetic: L(f) <= upperBound. TF.js evaluates
 * f^ = f + e in float32. Layer i computes fl(W_i h + b_i) with error of order
 * sqrt(n) u ||W_i|| ||h|| (u = 2^-24, n the inner-product length, probabilistic rounding model of
 * Higham & Mary 2019; taken n <= 4096), and later layers amplify it by at most the product of
 * their constants, so ||e(x)|| <~ depth sqrt(n) u P ||x||, with P the plain product of the layer
 * constants (`unmergedBound`). A realized quotient with ||x - y|| >= rho ||x|| (rho >= 1e-2, as
 * `lipschitzLowerBound` enforces) then satisfies
 *
 *   ||f^(x) - f^(y)|| / ||x - y||  <=  L(f) + 2 depth sqrt(n) u P / rho
 *                                  =  L(f) (1 + allowance),  allowance = 2 depth sqrt(n) u (P / upper) / rho.
 *
 * The ratio P / upper is >= 1: merged linear chains whose product norm is far below the product of
 * the norms cancel large intermediate values, and their float32 rounding is large relative to the
 * output (the near-linear chains where the float32 pass was measured 2.5e-3 above the exact bound).
 * A quotient above upper (1 + allowance) is not rounding: the certificate is wrong.
 */
export function float32Allowance(
  { depth, productRatio = 1, relativeStep = MIN_RELATIVE_STEP }: { depth: number; productRatio?: number; relativeStep?: number },
): number {
  const ratio = Number.isFinite(productRatio) && productRatio >= 1 ? productRatio : 1;
  const rho = Math.max(MIN_RELATIVE_STEP, Number.isFinite(relativeStep) ? relativeStep : MIN_RELATIVE_STEP);
  return (2 * Math.max(1, depth) * SQRT_FAN_IN * FLOAT32_UNIT_ROUNDOFF * ratio) / rho;
}
