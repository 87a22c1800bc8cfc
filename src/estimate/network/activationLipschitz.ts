/**
 * Certified l2 Lipschitz constants of elementwise activations: `sup_x |sigma'(x)|`
 * (an elementwise map with derivative bounded by c is c-Lipschitz in every lp norm).
 * Values that are not closed-form (gelu, swish, mish) are the maximum of the derivative
 * over a 1e-5 grid on [-10, 10], rounded **up** at the fifth decimal (the derivative is
 * smooth, so the grid error is far below the rounding).
 */
export const ACTIVATION_LIPSCHITZ: Readonly<Record<string, number>> = {
  linear: 1,
  relu: 1,
  relu6: 1,
  elu: 1, // alpha = 1 as tfjs-layers' 'elu' activation string uses; the ELU layer uses max(1, alpha)
  selu: 1.0507009873554805 * 1.6732632423543772, // scale * alpha, the slope just left of 0
  tanh: 1,
  sigmoid: 0.25,
  hardSigmoid: 0.2, // tfjs-layers: clip(0.2 x + 0.5, 0, 1)
  softplus: 1,
  softsign: 1,
  gelu: 1.12891, // max of Phi(x) + x phi(x) = 1.1289041...
  gelu_new: 1.129, // tanh approximation: max derivative 1.1289931...
  swish: 1.09984, // x sigmoid(x): max derivative 1.0998393...
  mish: 1.0885, // x tanh(softplus(x)): max derivative 1.0884982...
};

/**
 * Softmax is 1/2-Lipschitz in l2: its Jacobian diag(p) - p p^T has
 * v^T J v = Var_p(v) <= (max v - min v)^2 / 4 <= 1/2 for unit v.
 * lipkit accepts it only as the network's last operation.
 */
export const SOFTMAX_LIPSCHITZ = 0.5;

/** The certified constant of a named activation, or undefined when lipkit has none (e.g. logSoftmax). */
export function activationLipschitz(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(ACTIVATION_LIPSCHITZ, name) ? ACTIVATION_LIPSCHITZ[name] : undefined;
}
