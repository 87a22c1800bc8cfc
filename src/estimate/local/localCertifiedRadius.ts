import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { intervalBounds } from './intervalBounds.js';
import { graphLocalBound, prepareLocal } from './localLipschitzBound.js';
import type { LocalGraph } from './localGraph.js';

/** Options of `localCertifiedRadius`. */
export interface LocalCertifiedRadiusOptions {
  /** Pre-activation bounds, as in `localLipschitzBound`. Default 'linear'. */
  relaxation?: 'linear' | 'interval';
  /** Bisection steps after bracketing (relative precision about 2^-steps). Default 12. */
  steps?: number;
  /** Largest radius searched. Default 1e3. */
  maxRadius?: number;
  /** Certified global bound of the model (default `lipschitzBound(model).upperBound`). */
  globalBound?: number;
  /** Also decide, at this radius, whether each input is certified (one local bound per input, no search). */
  atRadius?: number;
}

/** The result of `localCertifiedRadius`. */
export interface LocalCertifiedRadiusResult {
  /** CERTIFIED per input: no z with ||z - x||_2 < radius changes the predicted class. */
  radii: Float64Array;
  /** The same from the global bound: margin / (sqrt(2) L_global) (certified; never larger than `radii`). */
  globalRadii: Float64Array;
  /** The local bound of the logits on the ball of the returned radius (the global one when the radius is the global radius). */
  lipschitzAtRadius: Float64Array;
  /** Predicted class (argmax of the float64 logits) and a certified lower bound of the margin top - runner-up. */
  predictions: Int32Array;
  margins: Float64Array;
  /** Global bound of the logits. */
  globalBound: number;
  /** With `atRadius`: the local bound of the logits on that ball and whether margin > sqrt(2) L r there. */
  atRadius?: { radius: number; lipschitz: Float64Array; certified: boolean[] };
  notes: string[];
}

/**
 * CERTIFIED l2 robustness radii from local Lipschitz bounds: for each input x with logits f(x),
 * the largest r found (bracketing by doubling, then bisection) with
 * margin(x) > sqrt(2) L_x(r) r, where L_x(r) = min(local bound on the ball of radius r, global
 * bound) and margin is a certified lower bound of f_top(x) - max_{j != top} f_j(x) (float64
 * with outward rounding). Each returned r was checked, so it is certified even where L_x is
 * not monotone in r; since L_x(r) <= L_global it is never below the global radius
 * margin / (sqrt(2) L_global) (Tsuzuku et al. 2018; Weng et al. 2018). A final softmax is
 * stripped (the radius is the logits'). Costs one local bound per bisection step.
 */
export function localCertifiedRadius(model: tfl.LayersModel, x: tf.Tensor, options: LocalCertifiedRadiusOptions = {}): LocalCertifiedRadiusResult {
  const { relaxation = 'linear', steps = 12, maxRadius = 1e3, globalBound, atRadius } = options;
  if (relaxation !== 'linear' && relaxation !== 'interval') {
    throw new LipkitError('options.relaxation', `must be 'linear' or 'interval', got ${JSON.stringify(relaxation)}`);
  }
  checkNumber('options.steps', steps, { min: 0, max: 60, integer: true });
  checkNumber('options.maxRadius', maxRadius, { min: 0, exclusiveMin: true });
  if (atRadius !== undefined) checkNumber('options.atRadius', atRadius, { min: 0 });
  const { graph, rows, global, notes } = prepareLocal(model, x, globalBound);
  // The graph computes the logits; the model's global bound includes the softmax's 1/2.
  const logitGlobal = graph.softmaxStripped ? global / 0.5 : global;
  if (graph.softmaxStripped) notes.push('final softmax stripped: radii are those of the logits (same predicted class)');
  if (graph.ops[graph.ops.length - 1].size < 2) throw new LipkitError('model', 'certified radii need at least 2 output classes');
  const n = rows.length;
  const radii = new Float64Array(n);
  const globalRadii = new Float64Array(n);
  const lipschitzAtRadius = new Float64Array(n);
  const predictions = new Int32Array(n);
  const margins = new Float64Array(n);
  const at = atRadius === undefined ? undefined : { radius: atRadius, lipschitz: new Float64Array(n), certified: [] as boolean[] };
  for (let i = 0; i < n; i++) {
    const { top, margin } = certifiedMargin(graph, rows[i]);
    predictions[i] = top;
    margins[i] = margin;
    const L = (r: number): number => Math.min(graphLocalBound(graph, rows[i], r, relaxation).local, logitGlobal);
    const holds = (r: number, l: number): boolean => margin > Math.SQRT2 * l * r;
    if (at) {
      const l = L(at.radius);
      at.lipschitz[i] = l;
      at.certified.push(margin > 0 && holds(at.radius, l));
    }
    if (!(margin > 0)) { lipschitzAtRadius[i] = logitGlobal; continue; }
    const r0 = Number.isFinite(logitGlobal) && logitGlobal > 0 ? margin / (Math.SQRT2 * logitGlobal) : 0;
    globalRadii[i] = r0;
    let lo = r0;
    let loL = logitGlobal;
    let hi = r0 > 0 ? 2 * r0 : Math.min(1e-3, maxRadius);
    let hiL = L(hi);
    while (holds(hi, hiL) && hi < maxRadius) {
      lo = hi; loL = hiL;
      hi = Math.min(2 * hi, maxRadius);
      hiL = L(hi);
    }
    if (holds(hi, hiL)) { lo = hi; loL = hiL; }
    for (let s = 0; s < steps && hi > lo; s++) {
      const mid = 0.5 * (lo + hi);
      const l = L(mid);
      if (holds(mid, l)) { lo = mid; loL = l; } else hi = mid;
    }
    radii[i] = lo;
    lipschitzAtRadius[i] = loL;
  }
  return { radii, globalRadii, lipschitzAtRadius, predictions, margins, globalBound: logitGlobal, atRadius: at, notes };
}

/** Predicted class and a certified lower bound of its margin, from the radius-0 float64 boxes. */
export function certifiedMargin(graph: LocalGraph, x: Float64Array): { top: number; margin: number } {
  const out = intervalBounds(graph, x, 0, { relaxation: 'interval' })[graph.ops.length - 1];
  let top = 0;
  for (let k = 1; k < out.lo.length; k++) if (out.lo[k] + out.hi[k] > out.lo[top] + out.hi[top]) top = k;
  let second = -Infinity;
  for (let k = 0; k < out.hi.length; k++) if (k !== top) second = Math.max(second, out.hi[k]);
  return { top, margin: out.lo[top] - second };
}
