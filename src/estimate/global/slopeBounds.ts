import type { ChainActivation } from './chainTypes.js';

/**
 * Slope bounds [alpha, beta] of elementwise activations: every difference quotient
 * (s(u) - s(v)) / (u - v) lies in [alpha, beta] (equivalently alpha <= s' <= beta where s is
 * differentiable). Smooth non-monotone ones (gelu, swish) have slightly negative alpha:
 * GELU's derivative Phi(x) + x phi(x) has extremes at x = +-sqrt(2): Phi(-sqrt 2) - sqrt(2) phi(sqrt 2)
 * = 0.0786496 - 0.2075537 = -0.1289041 and 1 + 0.1289041 (g'(x) + g'(-x) = 1 because
 * g(x) - g(-x) = x); the tanh form (gelu_new) -0.1289931 / 1.1289931; swish x sigmoid(x)
 * -0.0998393 / 1.0998393. Those are rounded outward at the fifth decimal.
 */
const TABLE: Readonly<Record<string, [number, number, number | null]>> = {
  linear: [1, 1, 1],
  relu: [0, 1, 0],
  relu6: [0, 1, null],
  tanh: [0, 1, null],
  sigmoid: [0, 0.25, null],
  hardSigmoid: [0, 0.2, null],
  softplus: [0, 1, null],
  softsign: [0, 1, null],
  elu: [0, 1, null], // alpha = 1 (the activation string)
  selu: [0, 1.0507009873554805 * 1.6732632423543772 * (1 + 1e-12), null],
  gelu: [-0.12891, 1.12891, null],
  gelu_new: [-0.129, 1.129, null],
  swish: [-0.09984, 1.09984, null],
};

/** The slope bounds of an activation named in a layer config, or undefined (then the tight methods do not apply). */
export function activationSlopes(name: string): ChainActivation | undefined {
  if (!Object.prototype.hasOwnProperty.call(TABLE, name)) return undefined;
  const [alpha, beta, negativeSlope] = TABLE[name];
  return { name, alpha, beta, negativeSlope };
}

/** Leaky ReLU `max(x, a x)`-style (tfjs: x for x > 0, a x else): slopes [min(a, 1), max(a, 1)]. */
export function leakyReluSlopes(a: number): ChainActivation {
  return { name: `leakyRelu(${a})`, alpha: Math.min(a, 1), beta: Math.max(a, 1), negativeSlope: a };
}

/** ELU with parameter a >= 0 (x for x > 0, a (e^x - 1) else): slopes in [0, max(1, a)]. */
export function eluSlopes(a: number): ChainActivation | undefined {
  if (!(a >= 0)) return undefined;
  return { name: `elu(${a})`, alpha: 0, beta: Math.max(1, a), negativeSlope: null };
}
