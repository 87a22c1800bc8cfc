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
  /** Certified global bound of the model (default `lipschitzBound(model, { method: 'product' }).upperBound`; pass the tight `lipschitzBound(model).upperBound` for better global radii). */
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
 * the largest r found (bracketing by doubling, then bisection) such that for every class
 * j != top, m_j(x) > L_j(r) r, where m_j is a certified lower bound of f_top(x) - f_j(x)
 * (float64 with outward rounding) and L_j(r) bounds ||grad (f_top - f_j)||_2 on the ball of
 * radius r: the smaller of the Fast-Lip bound of that gradient (backward pass seeded with
 * e_top - e_j, as Weng et al. 2018 bound margins) and sqrt(2) L_x(r), L_x(r) = min(local
 * Jacobian bound, global bound). This is at least as strong as the plain criterion
 * margin > sqrt(2) L_x(r) r (the case L_j = sqrt(2) L_x). Each returned r was checked,
 * so it is certified even where the bounds are not monotone in r; it is never below the global
 * radius margin / (sqrt(2) L_global) (Tsuzuku et al. 2018). A final softmax is stripped (the
 * radius is the logits'). Costs one local bound per bisection step.
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
    const { top, margins: pairMargins } = certifiedMargins(graph, rows[i]);
    let margin = Infinity;
    pairMargins.forEach((m, j) => { if (j !== top) margin = Math.min(margin, m); });
    predictions[i] = top;
    margins[i] = margin;
    // At radius r: the full local bound (capped by the global one), and per class j a bound on
    // ||grad (f_top - f_j)|| (capped by sqrt(2) times the full bound).
    const evaluate = (r: number): { full: number; holds: boolean } => {
      const b = graphLocalBound(graph, rows[i], r, relaxation, top);
      const full = Math.min(b.local, logitGlobal);
      let holds = margin > 0;
      pairMargins.forEach((m, j) => {
        if (j === top || !holds) return;
        const lj = Math.min(b.pairs?.[j] ?? Infinity, Math.SQRT2 * full);
        if (!(m > lj * r)) holds = false;
      });
      return { full, holds };
    };
    if (at) {
      const e = evaluate(at.radius);
      at.lipschitz[i] = e.full;
      at.certified.push(e.holds);
    }
    if (!(margin > 0)) { lipschitzAtRadius[i] = logitGlobal; continue; }
    const r0 = Number.isFinite(logitGlobal) && logitGlobal > 0 ? margin / (Math.SQRT2 * logitGlobal) : 0;
    globalRadii[i] = r0;
    let lo = r0;
    let loL = logitGlobal;
    let hi = r0 > 0 ? 2 * r0 : Math.min(1e-3, maxRadius);
    let he = evaluate(hi);
    while (he.holds && hi < maxRadius) {
      lo = hi; loL = he.full;
      hi = Math.min(2 * hi, maxRadius);
      he = evaluate(hi);
    }
    if (he.holds) { lo = hi; loL = he.full; }
    for (let s = 0; s < steps && hi > lo; s++) {
      const mid = 0.5 * (lo + hi);
      const e = evaluate(mid);
      if (e.holds) { lo = mid; loL = e.full; } else hi = mid;
    }
    radii[i] = lo;
    lipschitzAtRadius[i] = loL;
  }
  return { radii, globalRadii, lipschitzAtRadius, predictions, margins, globalBound: logitGlobal, atRadius: at, notes };
}

/** Predicted class and, per class j, a certified lower bound of f_top(x) - f_j(x) (radius-0 float64 boxes). */
export function certifiedMargins(graph: LocalGraph, x: Float64Array): { top: number; margins: Float64Array } {
  const out = intervalBounds(graph, x, 0, { relaxation: 'interval' })[graph.ops.length - 1];
  let top = 0;
  for (let k = 1; k < out.lo.length; k++) if (out.lo[k] + out.hi[k] > out.lo[top] + out.hi[top]) top = k;
  const margins = new Float64Array(out.lo.length);
  for (let k = 0; k < out.hi.length; k++) margins[k] = k === top ? Infinity : out.lo[top] - out.hi[k];
  return { top, margins };
}
