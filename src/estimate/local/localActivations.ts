import { LipkitError } from '../../util/errors.js';

/**
 * Elementwise activations as the local bounds see them: the value `f` (float64, with an
 * absolute error bound), sound bounds on the derivative over an interval (the slope
 * restriction the Jacobian recursion multiplies by), sound bounds on the values, and the
 * curvature on an interval (for the linear relaxations). Certified up to the stated
 * evaluation errors, which are added as margins.
 */
export interface LocalActivation {
  name: string;
  f(x: number): number;
  /** Absolute error bound of `f(x)` as computed (rounding, and approximation for gelu). */
  fError(x: number): number;
  /** [min, max] of f' over [l, u] (one-sided derivatives included at kinks), with margins. */
  slopeRange(l: number, u: number): [number, number];
  /** 'increasing' when f is nondecreasing everywhere; else the point of its global minimum (f decreasing before, increasing after). */
  shape: 'increasing' | { minAt: number };
  /** Curvature on [l, u]: 'convex', 'concave' or 'none'. */
  curvature(l: number, u: number): 'convex' | 'concave' | 'none';
  /** For piecewise-linear convex activations (relu, leaky relu): the slopes of its two pieces and the kink. */
  kink?: { at: number; left: number; right: number };
}

const ELEMENTARY = 8 * 2 ** -53;
const elementaryError = (x: number, fx: number): number => ELEMENTARY * (Math.abs(fx) + Math.abs(x)) + 1e-300;
/** Margin on derivative extremes taken at critical points known to ~1e-9 (error O(1e-18)) and rounding. */
const CRIT = 1e-12;

function hull(values: number[], margin = 4 * ELEMENTARY): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return [lo - margin * (1 + Math.abs(lo)), hi + margin * (1 + Math.abs(hi))];
}

/** Slope range of a function whose derivative is unimodal with its extreme at `peak` (max if `isMax`). */
function unimodal(d: (x: number) => number, l: number, u: number, peaks: number[]): [number, number] {
  const pts = [d(l), d(u)];
  for (const p of peaks) if (p > l && p < u) pts.push(d(p));
  return hull(pts, CRIT);
}

function piecewiseLinear(name: string, left: number, right: number): LocalActivation {
  return {
    name,
    f: (x) => (x >= 0 ? right * x : left * x),
    fError: (x) => ELEMENTARY * Math.abs(x),
    slopeRange: (l, u) => (u <= 0 ? [left, left] : l >= 0 ? [right, right] : [Math.min(left, right), Math.max(left, right)]),
    shape: left >= 0 ? 'increasing' : { minAt: 0 },
    curvature: (l, u) => (l >= 0 || u <= 0 ? 'convex' : left <= right ? 'convex' : 'concave'),
    kink: { at: 0, left, right },
  };
}

function elu(name: string, alpha: number, scale: number): LocalActivation {
  if (!(alpha > 0)) throw new LipkitError('activation', `${name} with alpha ${alpha} is not supported (alpha must be > 0)`);
  const d = (x: number): number => (x > 0 ? scale : scale * alpha * Math.exp(x));
  return {
    name,
    f: (x) => (x > 0 ? scale * x : scale * alpha * Math.expm1(x)),
    fError: (x) => elementaryError(x, scale * Math.max(1, alpha) * Math.abs(x)),
    slopeRange: (l, u) => {
      const pts = [d(Math.min(l, 0)), d(Math.min(u, 0))];
      if (u > 0) pts.push(scale);
      return hull(pts);
    },
    shape: 'increasing',
    curvature: (l, u) => (l >= 0 ? 'convex' : alpha <= 1 || u <= 0 ? 'convex' : 'none'),
  };
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), the formula tfjs-core's erf kernel uses. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const ERF_ERROR = 1.6e-7;
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const Phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

/** Critical points of the derivatives, to about 1e-9 (found by Newton's method in float64). */
const SWISH_D_CRIT = 2.399357280515467; // f''(x) = 0 for x sigmoid(x)
const SWISH_MIN = -1.278464542761074; // argmin of x sigmoid(x)
const GELU_MIN = -0.7517915246935645; // argmin of x Phi(x)

const FIXED: Record<string, LocalActivation> = {
  linear: {
    name: 'linear', f: (x) => x, fError: () => 0, slopeRange: () => [1, 1], shape: 'increasing', curvature: () => 'convex',
    kink: { at: 0, left: 1, right: 1 },
  },
  relu: piecewiseLinear('relu', 0, 1),
  relu6: {
    name: 'relu6',
    f: (x) => Math.min(Math.max(x, 0), 6),
    fError: () => 0,
    slopeRange: (l, u) => (u <= 0 || l >= 6 ? [0, 0] : l >= 0 && u <= 6 ? [1, 1] : [0, 1]),
    shape: 'increasing',
    curvature: (l, u) => (u <= 6 ? 'convex' : l >= 0 ? 'concave' : 'none'),
  },
  elu: elu('elu', 1, 1),
  selu: elu('selu', 1.6732632423543772, 1.0507009873554805),
  tanh: {
    name: 'tanh', f: Math.tanh, fError: (x) => elementaryError(x, 1),
    slopeRange: (l, u) => unimodal((x) => 1 - Math.tanh(x) ** 2, l, u, [0]),
    shape: 'increasing', curvature: (l, u) => (u <= 0 ? 'convex' : l >= 0 ? 'concave' : 'none'),
  },
  sigmoid: {
    name: 'sigmoid', f: sigmoid, fError: (x) => elementaryError(x, 1),
    slopeRange: (l, u) => unimodal((x) => sigmoid(x) * (1 - sigmoid(x)), l, u, [0]),
    shape: 'increasing', curvature: (l, u) => (u <= 0 ? 'convex' : l >= 0 ? 'concave' : 'none'),
  },
  hardSigmoid: {
    name: 'hardSigmoid', f: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)), fError: (x) => ELEMENTARY * (1 + Math.abs(x)),
    slopeRange: (l, u) => (u <= -2.5 || l >= 2.5 ? [0, 0] : l >= -2.5 && u <= 2.5 ? [0.2, 0.2] : [0, 0.2]),
    shape: 'increasing', curvature: (l, u) => (u <= 2.5 ? 'convex' : l >= -2.5 ? 'concave' : 'none'),
  },
  softplus: {
    name: 'softplus', f: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), fError: (x) => elementaryError(x, Math.abs(x) + 1),
    slopeRange: (l, u) => hull([sigmoid(l), sigmoid(u)]), shape: 'increasing', curvature: () => 'convex',
  },
  softsign: {
    name: 'softsign', f: (x) => x / (1 + Math.abs(x)), fError: (x) => elementaryError(x, 1),
    slopeRange: (l, u) => unimodal((x) => 1 / (1 + Math.abs(x)) ** 2, l, u, [0]),
    shape: 'increasing', curvature: (l, u) => (u <= 0 ? 'convex' : l >= 0 ? 'concave' : 'none'),
  },
  swish: {
    name: 'swish', f: (x) => x * sigmoid(x), fError: (x) => elementaryError(x, Math.abs(x)),
    slopeRange: (l, u) => unimodal((x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))), l, u, [-SWISH_D_CRIT, SWISH_D_CRIT]),
    shape: { minAt: SWISH_MIN }, curvature: (l, u) => (l >= -SWISH_D_CRIT && u <= SWISH_D_CRIT ? 'convex' : 'none'),
  },
  gelu: {
    name: 'gelu', f: (x) => x * Phi(x), fError: (x) => 0.5 * ERF_ERROR * Math.abs(x) + elementaryError(x, Math.abs(x)),
    slopeRange: (l, u) => {
      const [lo, hi] = unimodal((x) => Phi(x) + x * phi(x), l, u, [-Math.SQRT2, Math.SQRT2]);
      return [lo - ERF_ERROR, hi + ERF_ERROR];
    },
    shape: { minAt: GELU_MIN }, curvature: (l, u) => (l >= -Math.SQRT2 && u <= Math.SQRT2 ? 'convex' : 'none'),
  },
};

/** Activation names the local bounds support (tfjs-layers spelling). */
export const LOCAL_ACTIVATIONS: readonly string[] = Object.keys(FIXED);

/**
 * The activation for a tfjs-layers activation name (`relu`, `tanh`, ..., and `leakyRelu` /
 * `elu` with `alpha`), or undefined when the local bounds do not support it.
 */
export function localActivation(name: string, alpha?: number): LocalActivation | undefined {
  if (name === 'leakyRelu') return piecewiseLinear(`leakyRelu(${alpha ?? 0.3})`, alpha ?? 0.3, 1);
  if (name === 'elu' && alpha !== undefined && alpha !== 1) return elu(`elu(${alpha})`, alpha, 1);
  return Object.prototype.hasOwnProperty.call(FIXED, name) ? FIXED[name] : undefined;
}

/** Sound [min, max] of f over [l, u], with the evaluation errors as margins. */
export function valueRange(act: LocalActivation, l: number, u: number): [number, number] {
  const fl = act.f(l);
  const fu = act.f(u);
  const el = act.fError(l);
  const eu = act.fError(u);
  if (act.shape === 'increasing') return [fl - el, fu + eu];
  const m = act.shape.minAt;
  let lo = Math.min(fl - el, fu - eu);
  if (m > l && m < u) lo = Math.min(lo, act.f(m) - act.fError(m) - CRIT * 1e3);
  return [lo, Math.max(fl + el, fu + eu)];
}
