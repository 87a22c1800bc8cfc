import type { LayerChain } from './chainTypes.js';
import { certifySdpBound, eclipseFastMultipliers, type SdpBound } from './eclipseFast.js';
import { lipsdpObjective } from './lipsdpObjective.js';
import { schurBarrier } from './schurBarrier.js';

/** Options of `lipsdpNeuronBound`. */
export interface LipsdpNeuronOptions {
  /** Wall-clock budget in seconds for the optimization (the certificate is computed after it). Default 3. */
  seconds?: number;
  /** Maximum L-BFGS iterations over all barrier stages. Default 2000. */
  maxIterations?: number;
  /** End a barrier stage when an iteration improves its objective by less than this. Default 1e-9. */
  tolerance?: number;
  /**
   * Barrier weights mu of the path (log rho - (mu / N) sum_k log det X_k, one L-BFGS stage each, the last
   * normally 0). Default [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 0], or [0] alone when the budget affords fewer than
   * ~150 evaluations of rho(T) (large networks).
   */
  stages?: readonly number[];
  /**
   * Deterministic work budget: evaluations of rho(T) (one with the barrier counts as 4). When given, the
   * barrier path is chosen (it needs ~150 evaluations) and its stages share the work by counting
   * evaluations instead of reading the clock, so the bound does not depend on the machine's load
   * unless `seconds` runs out first (then a note says so). `lipschitzBound` passes
   * `lipsdpEvaluations(chain, planned)`, `planned` being its budget less the predicted (not
   * measured) seconds of the other methods and the certificate. Default: none (stages share the time).
   */
  evaluationBudget?: number;
  /** Called after each accepted iteration with the (uncertified) bound sqrt(rho) so far and the seconds spent. */
  onIteration?: (p: { iteration: number; estimate: number; seconds: number }) => void;
}

/**
 * A LipSDP-Neuron-quality CERTIFIED bound without an SDP solver: minimizes the convex function
 * rho(T) (`lipsdpObjective`, the smallest feasible rho for diagonal multipliers T, i.e. ECLipsE with
 * per-neuron Lambda_k) over log T by L-BFGS with backtracking, starting from ECLipsE-Fast's
 * multipliers. A step is accepted only when every Schur complement passes the float64 Cholesky
 * check and rho decreases; the final multipliers are certified by `certifySdpBound`. Approaches
 * LipSDP-Neuron's optimum (Fazlyab et al. 2019) from above; any iterate is a valid bound.
 */
export function lipsdpNeuronBound(chain: LayerChain, options: LipsdpNeuronOptions = {}): SdpBound & { iterations: number } {
  const { seconds = 3, maxIterations = 2000, tolerance = 1e-9, onIteration, evaluationBudget } = options;
  const start = performance.now();
  let timedOut = false;
  const timeUp = (): boolean => {
    if ((performance.now() - start) / 1000 >= seconds) timedOut = true;
    return timedOut;
  };
  let used = 0; // evaluations spent (a barrier evaluation counts as 4)
  const sizes = chain.linears.slice(0, -1).map((l) => l.rows);
  const dim = sizes.reduce((a, b) => a + b, 0);
  const split = (theta: Float64Array): Float64Array[] => {
    const out: Float64Array[] = [];
    let o = 0;
    for (const s of sizes) { out.push(theta.subarray(o, o + s).map(Math.exp)); o += s; }
    return out;
  };
  let mu = 0;
  const evaluate = (theta: Float64Array): { f: number; g: Float64Array; rho: number } | null => {
    const t = split(theta);
    used += mu > 0 ? 4 : 1;
    const r = lipsdpObjective(chain, t, true);
    if (!Number.isFinite(r.rho) || !(r.rho > 0) || !r.gradient || !r.factors) return null;
    const b = mu > 0 ? schurBarrier(chain, t, r.factors) : null;
    const g = new Float64Array(dim);
    let o = 0;
    r.gradient.forEach((gk, k) => {
      gk.forEach((v, i) => { g[o + i] = (v * t[k][i]) / r.rho - (b ? (mu / dim) * b.gradient[k][i] * t[k][i] : 0); });
      o += gk.length;
    });
    return { f: Math.log(r.rho) - (b ? (mu / dim) * b.value : 0), g, rho: r.rho };
  };
  const fast = eclipseFastMultipliers(chain);
  let theta = new Float64Array(dim);
  { let o = 0; for (const tk of fast) { tk.forEach((v, i) => { theta[o + i] = Math.log(v); }); o += tk.length; } }
  // Barrier path: minimize log rho - (mu / N) sum_k log det X_k for mu = 1e-1, 1e-2, ..., then mu = 0;
  // the barrier keeps the iterates off the boundary, where plain descent stalls.
  let iterations = 0;
  let best = { theta: Float64Array.from(theta), rho: Infinity };
  // The barrier path needs many evaluations (each also costs ~3 factorizations for the barrier): when the
  // budget affords fewer than ~150 plain evaluations (about 1,000 hidden units in 3-10 s), go straight to
  // mu = 0 (measured on the 64-500-500-10 fixture: within 4 % of LipSDP-Neuron after ~18 iterations, while
  // the barrier path made no step in 10 s).
  let stages = options.stages;
  if (stages === undefined && evaluationBudget !== undefined) {
    stages = evaluationBudget < 150 ? [0] : [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 0];
  } else if (stages === undefined) {
    const t0 = performance.now();
    evaluate(theta);
    const perEvaluation = (performance.now() - t0) / 1000;
    stages = seconds / Math.max(perEvaluation, 1e-9) < 150 ? [0] : [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 0];
  }
  const perStage = Math.max(5, Math.floor(maxIterations / stages.length));
  for (const [stageIndex, stageMu] of stages.entries()) {
    mu = stageMu;
    // Each stage gets an equal share of the time left (a stage that converges early passes its time on).
    // With an evaluation budget the shares are counted in evaluations (deterministic), else in time.
    const left = stages.length - stageIndex;
    const stageEnd = performance.now() + (seconds * 1000 - (performance.now() - start)) / left;
    const stageEvaluations = evaluationBudget === undefined ? Infinity : used + (evaluationBudget - used) / left;
    const stageOver = (): boolean => (evaluationBudget === undefined ? performance.now() >= stageEnd : used >= stageEvaluations);
    let cur = evaluate(theta);
    if (!cur) break;
    const hist: { s: Float64Array; y: Float64Array; rho: number }[] = [];
    for (let it = 0; it < perStage && !timeUp() && !stageOver(); it++) {
      iterations++;
      const d = direction(cur.g, hist);
      let slope = dot(d, cur.g);
      if (!(slope < 0)) { hist.length = 0; d.set(cur.g.map((v) => -v)); slope = -dot(cur.g, cur.g); }
      let step = hist.length === 0 ? Math.min(1, 0.5 / Math.sqrt(dot(cur.g, cur.g) + 1e-300)) : 1;
      let next: { f: number; g: Float64Array; rho: number } | null = null;
      let trial = theta;
      for (let ls = 0; ls < 30 && !timeUp(); ls++) {
        trial = theta.map((v, i) => v + step * d[i]);
        next = evaluate(trial);
        if (next && next.f <= cur.f + 1e-4 * step * slope) break;
        next = null;
        step *= 0.5;
      }
      if (!next) break;
      const improvement = cur.f - next.f;
      const s = trial.map((v, i) => v - theta[i]);
      const y = next.g.map((v, i) => v - cur!.g[i]);
      const sy = dot(s, y);
      if (sy > 1e-16) { hist.push({ s, y, rho: 1 / sy }); if (hist.length > 12) hist.shift(); }
      theta = trial;
      cur = next;
      if (cur.rho < best.rho) best = { theta: Float64Array.from(theta), rho: cur.rho };
      onIteration?.({ iteration: iterations, estimate: Math.sqrt(best.rho) * chain.postFactor, seconds: (performance.now() - start) / 1000 });
      if (improvement < tolerance) break;
    }
    if (cur.rho < best.rho) best = { theta: Float64Array.from(theta), rho: cur.rho };
  }
  theta = best.theta;
  const t = split(theta);
  const r = certifySdpBound(chain, t, `LipSDP-Neuron by L-BFGS on log multipliers (${iterations} iterations)`, fast);
  if (timedOut && evaluationBudget !== undefined) {
    r.notes.push(`lipsdp: stopped by the ${seconds.toPrecision(3)} s clock before its evaluation budget; the bound depends on this machine's speed`);
  }
  return { ...r, iterations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** L-BFGS two-loop recursion: -H g. */
function direction(g: Float64Array, hist: { s: Float64Array; y: Float64Array; rho: number }[]): Float64Array {
  const q = Float64Array.from(g);
  const alphas: number[] = [];
  for (let i = hist.length - 1; i >= 0; i--) {
    const a = hist[i].rho * dot(hist[i].s, q);
    alphas[i] = a;
    for (let j = 0; j < q.length; j++) q[j] -= a * hist[i].y[j];
  }
  if (hist.length) {
    const last = hist[hist.length - 1];
    const gammaK = dot(last.s, last.y) / dot(last.y, last.y);
    for (let j = 0; j < q.length; j++) q[j] *= gammaK;
  }
  for (let i = 0; i < hist.length; i++) {
    const b = hist[i].rho * dot(hist[i].y, q);
    for (let j = 0; j < q.length; j++) q[j] += hist[i].s[j] * (alphas[i] - b);
  }
  return q.map((v) => -v);
}
