import type { LocalActivation } from './localActivations.js';

/** Linear bounds `sl z + tl <= f(z) <= su z + tu` valid for every z in [l, u]. */
export interface Relaxation { sl: number; tl: number; su: number; tu: number }

const EPS = 16 * 2 ** -53;

/**
 * Linear relaxation of an activation on [l, u] (the CROWN / Fast-Lin construction, Zhang et
 * al. 2018; Weng et al. 2018). Piecewise-linear convex activations (relu, leaky relu) get the
 * chord above and the better of their two pieces below (adaptive CROWN); other convex
 * (concave) pieces get the chord above (below). Otherwise, with the chord slope k and the
 * slope range [dl, du] of f on [l, u], g(z) = f(z) - k z satisfies
 * g(z) <= min(g(l) + (z - l)(du - k), g(u) + (u - z)(k - dl)) and the symmetric lower
 * bound, whose extremes (where the two lines cross) give the offsets. Evaluation errors of
 * f and float64 rounding are added as outward margins.
 */
export function relaxActivation(act: LocalActivation, l: number, u: number, slope: [number, number]): Relaxation {
  const fl = act.f(l);
  const fu = act.f(u);
  const err = act.fError(l) + act.fError(u) + EPS * (Math.abs(fl) + Math.abs(fu) + Math.abs(l) + Math.abs(u) + 1e-300);
  if (!(u > l)) return { sl: 0, tl: Math.min(fl, fu) - err, su: 0, tu: Math.max(fl, fu) + err };
  const [dl, du] = slope;
  if (act.kink) {
    const { at, left, right } = act.kink;
    if (u <= at || l >= at) {
      const s = u <= at ? left : right;
      return { sl: s, tl: -err, su: s, tu: err };
    }
    const chord = (fu - fl) / (u - l);
    const chordT = fl - chord * l;
    const margin = err + EPS * Math.abs(chord) * (Math.abs(l) + Math.abs(u));
    const piece = u >= -l ? right : left;
    if (left <= right) return { sl: piece, tl: -err, su: chord, tu: chordT + margin };
    return { sl: chord, tl: chordT - margin, su: piece, tu: err };
  }
  let k = (fu - fl) / (u - l);
  k = Math.min(Math.max(k, dl), du);
  const gl = fl - k * l;
  const gu = fu - k * u;
  const margin = err + EPS * (Math.abs(k) * (Math.abs(l) + Math.abs(u)) + Math.abs(gl) + Math.abs(gu) + (u - l) * (du - dl));
  const a = du - k;
  const b = k - dl;
  const w = u - l;
  const curv = act.curvature(l, u);
  let tu: number;
  let tl: number;
  if (a + b <= 0) {
    tu = Math.max(gl, gu);
    tl = Math.min(gl, gu);
  } else {
    // Upper: maximize min(gl + s a, gu + (w - s) b) over s in [0, w].
    const su = clamp((gu - gl + w * b) / (a + b), 0, w);
    tu = Math.max(Math.min(gl + su * a, gu + (w - su) * b), Math.max(gl, gu));
    // Lower: minimize max(gl - s b, gu - (w - s) a) over s in [0, w].
    const sl = clamp((gl - gu + w * a) / (a + b), 0, w);
    tl = Math.min(Math.max(gl - sl * b, gu - (w - sl) * a), Math.min(gl, gu));
  }
  if (curv === 'convex') tu = Math.max(gl, gu);
  if (curv === 'concave') tl = Math.min(gl, gu);
  return { sl: k, tl: tl - margin, su: k, tu: tu + margin };
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, lo), hi) : lo;
}
