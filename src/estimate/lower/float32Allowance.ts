import { MIN_RELATIVE_STEP, OUTPUT_REJECT } from './realizedQuotients.js';

/** Unit roundoff of float32 (round to nearest). */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;
/** sqrt of the inner-product length the rounding model assumes (n = 4096). */
const SQRT_FAN_IN = 64;

/**
 * The relative float32 rounding allowance for comparing a realized difference quotient of a
 * model's float32 forward pass with a certified bound of the exact (real-arithmetic) map.
 *
 * lipkit's certificates are stated for exact arithmetic: L(f) <= upperBound. TF.js evaluates
 * f^ = f + e in float32, and a realized quotient is off by at most
 * (||e(x)|| + ||e(y)||) / ||x - y||. Two sources of e, in the probabilistic rounding model of
 * Higham & Mary 2019 (error of an inner product of length n: sqrt(n) u, u = 2^-24, n <= 4096):
 *
 * - propagated from the input: layer i adds ~ sqrt(n) u ||W_i|| ||h|| and later layers amplify it by
 *   their constants, so ||e|| <~ depth sqrt(n) u P ||x||, P = the plain product of the layer
 *   constants (`unmergedBound`); with ||x - y|| >= rho ||x|| this is 2 depth sqrt(n) u (P / upper) / rho
 *   relative to the bound. P / upper >= 1 grows when merged linear chains cancel large intermediate
 *   values (the near-linear chains where the float32 pass was measured 2.5e-3 above the exact bound);
 * - the outputs' own magnitude (e.g. large biases): ||e|| <~ depth sqrt(n) u ||f||, relative to the
 *   quotient depth sqrt(n) u (||f(x)|| + ||f(y)||) / ||f(x) - f(y)|| = depth sqrt(n) u outputRatio
 *   (measured: a single Dense layer with bias 0.5 at ||x|| = 5e-3 realized 1.5e-4 above its exact norm).
 *
 *   allowance = depth sqrt(n) u (2 (P / upper) / rho + outputRatio).
 *
 * `lipschitzLowerBound` keeps rho >= 1e-2 and outputRatio <= 1000. A quotient above
 * upper (1 + allowance) is not rounding: the certificate is wrong.
 */
export function float32Allowance(
  { depth, productRatio = 1, relativeStep = MIN_RELATIVE_STEP, outputRatio = 1 / OUTPUT_REJECT }:
    { depth: number; productRatio?: number; relativeStep?: number; outputRatio?: number },
): number {
  const ratio = Number.isFinite(productRatio) && productRatio >= 1 ? productRatio : 1;
  const rho = Math.max(MIN_RELATIVE_STEP, Number.isFinite(relativeStep) ? relativeStep : MIN_RELATIVE_STEP);
  const out = Number.isFinite(outputRatio) && outputRatio >= 0 ? Math.min(outputRatio, 1 / OUTPUT_REJECT) : 1 / OUTPUT_REJECT;
  return Math.max(1, depth) * SQRT_FAN_IN * FLOAT32_UNIT_ROUNDOFF * ((2 * ratio) / rho + out);
}
