import { LipkitError } from '../../util/errors.js';
import { mulberry32 } from '../../util/random.js';
import type { LayerChain } from '../global/chainTypes.js';
import {
  chainValue, jacobianTimes, jacobianTransposeTimes, lowSlopes, norm, patternChainReason, preActivations, topSingular, type Pattern,
} from './chainPatterns.js';
import { PAIR_STEP, realizePattern } from './realizePattern.js';
import { FLIP_MAX_OUTPUTS, firstLayerFlips } from './firstLayerFlips.js';

/** Options of `activationPatternSearch`. */
export interface PatternSearchOptions {
  /** Restarts (the given `starts` first, then seeded random points and kicks from the best region). Default 64. */
  restarts?: number;
  /** Wall-clock budget in seconds, checked between realizations. Default 2. */
  seconds?: number;
  /** Starting inputs (flat, chain input size), e.g. the data. */
  starts?: Float64Array[];
  /** Standard deviation of random starting points (times 1, 3, 10 in turn). Default 1. */
  scale?: number;
  /** Improvement rounds per restart. Default 30. */
  rounds?: number;
  /** Candidates returned (best first). Default 4. */
  keep?: number;
  /** Seed. Default 0. */
  seed?: number;
}

/** A realized region: the pair x -/+ (step / 2) v lies in it (up to rounding). */
export interface PatternCandidate {
  x: Float64Array;
  /** Unit direction (top right singular vector of the region Jacobian). */
  v: Float64Array;
  /** Pair distance ||x+ - x-||. */
  step: number;
  /** ESTIMATE: top singular value of the region Jacobian (power iteration). */
  sigma: number;
  /** The pair's difference quotient of the chain in float64 (the model in exact arithmetic). */
  quotient: number;
}

/** The outcome of `activationPatternSearch`. */
export interface PatternSearchResult {
  /** Best realized regions, best float64 quotient first. */
  candidates: PatternCandidate[];
  restarts: number;
  /** Regions whose Jacobian was evaluated (realizations tried). */
  realizations: number;
  seconds: number;
  stoppedByBudget: boolean;
}

/**
 * Activation-pattern search for the largest region Jacobian norm of a piecewise-linear chain
 * (ReLU / leaky ReLU; merged Dense / Conv / BatchNorm), for LOWER bounds only. In the spirit of the
 * activation-pattern local searches used to pin exact constants (LipMIP, Jordan & Dimakis 2020,
 * as a reference point; greedy flips on D in W_m D_{m-1} ... D_1 W_1 as in issue 11):
 *
 * 1. From a start x: its realized pattern D, and (u, v) the top singular pair of J_D.
 * 2. Target ascent (ignoring realizability): u^T J_D v is linear in each layer's slopes, so each
 *    D_k is set to its maximizer (slope 1 where back_k . fwd_k > 0, else the negative slope), the
 *    singular pair recomputed, until no slope changes; then exact greedy bit flips of the first
 *    hidden layer (`firstLayerFlips`) and again; sigma never decreases.
 * 3. Realization: `realizePattern` moves x toward the target region (with room for a pair); the
 *    pattern x really gets is evaluated. If its sigma is not larger, the k best flips (by first-order
 *    gain) are tried for k halving down to 1. The round repeats from the improved region.
 *
 * Only regions actually reached count; each candidate carries a float64 difference quotient of
 * the chain. The number is a bound only once the caller realizes the pair in the model's own
 * float32 forward pass (`lipschitzLowerBound` does).
 */
export function activationPatternSearch(chain: LayerChain, options: PatternSearchOptions = {}): PatternSearchResult {
  const { restarts = 64, seconds = 2, starts = [], scale = 1, rounds = 30, keep = 4, seed = 0 } = options;
  const reason = patternChainReason(chain);
  if (reason) throw new LipkitError('chain', reason);
  const t0 = performance.now();
  const timeUp = (): boolean => (performance.now() - t0) / 1000 >= seconds;
  const gen = mulberry32(seed);
  const uni = (): number => gen() / 4294967296;
  const rnd = (): number => Math.sqrt(-2 * Math.log(uni() + 1e-300)) * Math.cos(2 * Math.PI * uni());
  const n = chain.inputDim;
  const floor = 1e-3 * Math.sqrt(n);
  const lo = lowSlopes(chain);
  const spread = [1, 3, 10];
  const out: PatternCandidate[] = [];
  let realizations = 0;
  let stopped = false;

  const evaluate = (x: Float64Array, vStart: Float64Array): { x: Float64Array; d: Pattern; sigma: number; u: Float64Array; v: Float64Array } => {
    realizations++;
    const d = preActivations(chain, x).pattern;
    const top = topSingular(chain, d, vStart, 40, 1e-7);
    return { x, d, ...top };
  };
  const record = (r: { x: Float64Array; d: Pattern; sigma: number; v: Float64Array }): void => {
    if (out.length >= keep && r.sigma <= out[out.length - 1].quotient) return;
    // Center the pair in its own region, then measure the float64 quotient of the chain.
    const fit = realizePattern(chain, r.d, r.v, r.x, { floor, iterations: 30 });
    const x = preActivations(chain, fit.x).pattern.every((dk, k) => dk.every((s, i) => s === r.d[k][i])) ? fit.x : r.x;
    const step = PAIR_STEP * Math.max(norm(x), floor);
    const a = x.map((e, j) => e - (step / 2) * r.v[j]);
    const b = x.map((e, j) => e + (step / 2) * r.v[j]);
    const fa = chainValue(chain, a);
    const fb = chainValue(chain, b);
    const quotient = norm(fb.map((e, i) => e - fa[i])) / step;
    if (out.some((c) => Math.abs(c.quotient - quotient) <= 1e-12 * quotient)) return;
    out.push({ x, v: r.v, step, sigma: r.sigma, quotient });
    out.sort((p, q) => q.quotient - p.quotient);
    out.length = Math.min(out.length, keep);
  };

  // Restarts: the given starts, then alternately fresh random points and kicks from the best region
  // found (its point plus noise of 30 %, 10 %, 3 % of its norm), an iterated local search.
  let kicks = 0;
  const startPoint = (r: number): Float64Array => {
    if (r < starts.length) return Float64Array.from(starts[r]);
    const j = r - starts.length;
    if (j % 2 === 1 && out.length > 0) {
      const b = out[0].x;
      const size = [0.3, 0.1, 0.03][kicks++ % 3] * Math.max(norm(b), floor) / Math.sqrt(n);
      return b.map((e) => e + rnd() * size);
    }
    return Float64Array.from({ length: n }, () => rnd() * scale * spread[(j >> 1) % spread.length]);
  };
  let r = 0;
  for (; r < restarts && !stopped; r++) {
    const x0 = startPoint(r);
    if (x0.length !== n) throw new LipkitError('options.starts', `each start must have ${n} entries, got ${x0.length}`);
    let cur = evaluate(x0, Float64Array.from({ length: n }, rnd));
    record(cur);
    for (let round = 0; round < rounds; round++) {
      if (timeUp()) { stopped = true; break; }
      const target = ascend(chain, cur.d, cur.u, cur.v, lo, timeUp);
      if (!(target.sigma > cur.sigma * (1 + 1e-9))) break;
      // First-order gains of each flip at the current pair, to order partial targets and weight constraints.
      const fwd = jacobianTimes(chain, cur.d, cur.v).fwd;
      const back = jacobianTransposeTimes(chain, cur.d, cur.u).back;
      const weights = target.d.map((dk, k) => dk.map((_, i) => Math.abs(back[k][i] * fwd[k][i]) * (1 - lo[k]) + 1e-3 * cur.sigma / Math.sqrt(dk.length)));
      const flips: { k: number; i: number; gain: number }[] = [];
      target.d.forEach((dk, k) => dk.forEach((s, i) => { if (s !== cur.d[k][i]) flips.push({ k, i, gain: (s - cur.d[k][i]) * back[k][i] * fwd[k][i] }); }));
      flips.sort((p, q) => q.gain - p.gain);
      let improved = false;
      for (let count = flips.length; count >= 1 && !improved; count = count === 1 ? 0 : Math.ceil(count / 2)) {
        if (timeUp()) { stopped = true; break; }
        const goal = count === flips.length ? target.d : cur.d.map((dk) => Float64Array.from(dk));
        if (count < flips.length) for (const f of flips.slice(0, count)) goal[f.k][f.i] = target.d[f.k][f.i];
        const vGoal = count === flips.length ? target.v : cur.v;
        const fit = realizePattern(chain, goal, vGoal, cur.x, { floor, weights });
        const next = evaluate(fit.x, vGoal);
        if (next.sigma > cur.sigma * (1 + 1e-9)) { cur = next; improved = true; record(cur); }
      }
      if (!improved) break;
    }
  }
  return { candidates: out, restarts: r, realizations, seconds: (performance.now() - t0) / 1000, stoppedByBudget: stopped };
}

/**
 * Coordinate ascent of u^T J_D v over the slopes, layer by layer, with (u, v) the top singular
 * pair recomputed after each sweep; at its fixed points, exact greedy flips of the first hidden
 * layer (`firstLayerFlips`, small outputs). Ignores whether the pattern is realizable.
 */
function ascend(
  chain: LayerChain, d0: Pattern, u0: Float64Array, v0: Float64Array, lo: number[], stop: () => boolean,
): { d: Pattern; sigma: number; u: Float64Array; v: Float64Array } {
  const d = d0.map((dk) => Float64Array.from(dk));
  let u = u0;
  let v = v0;
  let sigma = 0;
  for (let sweep = 0; sweep < 50 && !(sweep > 0 && stop()); sweep++) {
    let changed = false;
    for (let k = 0; k < d.length; k++) {
      if (lo[k] === 1) continue;
      const fwd = jacobianTimes(chain, d, v).fwd[k];
      const back = jacobianTransposeTimes(chain, d, u).back[k];
      for (let i = 0; i < fwd.length; i++) {
        const g = back[i] * fwd[i];
        const s = g > 0 ? 1 : g < 0 ? lo[k] : d[k][i];
        if (s !== d[k][i]) { d[k][i] = s; changed = true; }
      }
    }
    let top = topSingular(chain, d, v, changed ? 12 : 60);
    if (!changed && d.length > 0 && lo[0] !== 1 && top.u.length <= FLIP_MAX_OUTPUTS && firstLayerFlips(chain, d, lo[0], d[0].length, stop).flips > 0) {
      changed = true;
      top = topSingular(chain, d, v, 60);
    }
    ({ u, v, sigma } = top);
    if (!changed) break;
  }
  return { d, sigma, u, v };
}
