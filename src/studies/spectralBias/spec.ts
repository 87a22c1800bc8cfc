import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import type { StudyMode } from '../study.js';

/** Sizes of one spectral-bias run. */
export interface SpectralBiasSizes {
  /** Points N on [0, 1). */
  count: number;
  /** Units per hidden ReLU layer. */
  width: number;
  /** Hidden ReLU layers. */
  depth: number;
  /** Full-batch Adam steps. */
  steps: number;
  /** Measure the spectrum every this many steps. */
  evalEvery: number;
  learningRate: number;
  [key: string]: number;
}

/** One arm: the plain MSE (lambda 0) or MSE - lambda e^{-eps t} L_Lip(y_hat). */
export interface SpectralBiasArm {
  name: string;
  lambda: number;
  epsilon: number;
}

/** A whole study: arms x seeds at one size. */
export interface SpectralBiasPlan {
  sizes: SpectralBiasSizes;
  arms: SpectralBiasArm[];
  seeds: number[];
  /** Seeds whose predictions are kept at `checkpointSteps`. */
  checkpointSteps: number[];
  /** Error threshold for "learned" (steps to reach it per frequency). */
  threshold: number;
  /**
   * The paper's protocol for (lambda, eps): every arm of `grid` is trained on the selection seeds
   * (disjoint from `seeds`); the one with the lowest mean validation-MSE area (held-out points,
   * mean over the measured steps: fast AND good) is appended to `arms` and evaluated on `seeds`
   * against the baseline. `steps` (default `sizes.steps`, at least `sizes.evalEvery`): the
   * selection runs' length (a coarser stage than the evaluation runs). Absent: `arms` as given.
   */
  selection?: { seeds: number[]; grid: SpectralBiasArm[]; steps?: number };
}

/** One training run handed to a worker: an arm at a seed and size, with its role. */
export interface SpectralBiasJob {
  arm: SpectralBiasArm;
  seed: number;
  sizes: SpectralBiasSizes;
  threshold: number;
  checkpointSteps: number[];
  role: 'selection' | 'evaluation';
}

/** The paper's grid: lambda in {1, ..., 5} x eps in {1e-5, 1e-4, 1e-3, 1e-2, 1e-1}. */
export const PAPER_GRID: readonly SpectralBiasArm[] = [1, 2, 3, 4, 5].flatMap((lambda) => [1e-5, 1e-4, 1e-3, 1e-2, 1e-1].map((epsilon) => ({ name: armName(lambda, epsilon), lambda, epsilon })));

/** Name of an arm from its schedule. */
export function armName(lambda: number, epsilon: number): string {
  return lambda === 0 ? 'MSE' : `MSE - ${lambda} e^(-${epsilon} t) L_Lip`;
}

/** Validates sizes (LipkitError naming `sizes.<field>`). */
export function checkSizes(sizes: unknown): SpectralBiasSizes {
  checkOptions('sizes', sizes);
  const s = (sizes ?? {}) as Partial<SpectralBiasSizes>;
  const out: SpectralBiasSizes = {
    count: checkNumber('sizes.count', s.count, { min: 101, max: 1e5, integer: true }),
    width: checkNumber('sizes.width', s.width, { min: 1, max: 4096, integer: true }),
    depth: checkNumber('sizes.depth', s.depth, { min: 1, max: 64, integer: true }),
    steps: checkNumber('sizes.steps', s.steps, { min: 1, max: 1e7, integer: true }),
    evalEvery: checkNumber('sizes.evalEvery', s.evalEvery, { min: 1, max: 1e7, integer: true }),
    learningRate: checkNumber('sizes.learningRate', s.learningRate, { min: 0, exclusiveMin: true, max: 10 }),
  };
  if (out.evalEvery > out.steps) throw new LipkitError('sizes.evalEvery', `must be <= sizes.steps (${out.steps}), got ${out.evalEvery}`);
  return out;
}

/** Validates an arm: lambda >= 0 (the minus sign is in the loss), epsilon >= 0. */
export function checkArm(name: string, arm: unknown): SpectralBiasArm {
  checkOptions(name, arm);
  const a = (arm ?? {}) as Partial<SpectralBiasArm>;
  const lambda = checkNumber(`${name}.lambda`, a.lambda, { min: 0, max: 1e3 });
  const epsilon = checkNumber(`${name}.epsilon`, a.epsilon, { min: 0, max: 10 });
  return { name: typeof a.name === 'string' && a.name !== '' ? a.name : armName(lambda, epsilon), lambda, epsilon };
}

/** Validates a whole plan: sizes, arms (the first is the baseline), seeds, checkpoint steps (measured steps), threshold. */
export function checkSpectralBiasPlan(plan: unknown): SpectralBiasPlan {
  checkOptions('plan', plan);
  const p = (plan ?? {}) as Partial<SpectralBiasPlan>;
  const sizes = checkSizes(p.sizes);
  const list = (name: string, v: unknown, allowEmpty = false): unknown[] => {
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) throw new LipkitError(name, `must be a${allowEmpty ? 'n' : ' non-empty'} array`);
    return v;
  };
  const arms = list('plan.arms', p.arms).map((a, i) => checkArm(`plan.arms[${i}]`, a));
  if (new Set(arms.map((a) => a.name)).size !== arms.length) throw new LipkitError('plan.arms', 'arm names must be unique');
  const seeds = list('plan.seeds', p.seeds).map((s, i) => checkNumber(`plan.seeds[${i}]`, s, { min: 0, max: 2 ** 31 - 1, integer: true }));
  if (new Set(seeds).size !== seeds.length) throw new LipkitError('plan.seeds', 'must not repeat a seed');
  const checkpointSteps = list('plan.checkpointSteps', p.checkpointSteps, true).map((s, i) => {
    const v = checkNumber(`plan.checkpointSteps[${i}]`, s, { min: 0, max: sizes.steps, integer: true });
    if (v % sizes.evalEvery !== 0 && v !== sizes.steps) throw new LipkitError(`plan.checkpointSteps[${i}]`, `must be a measured step (a multiple of sizes.evalEvery = ${sizes.evalEvery}, or sizes.steps), got ${v}`);
    return v;
  });
  const threshold = checkNumber('plan.threshold', p.threshold ?? 0.5, { min: 0, exclusiveMin: true });
  if (p.selection === undefined) return { sizes, arms, seeds, checkpointSteps, threshold };
  checkOptions('plan.selection', p.selection);
  const sel = p.selection as Partial<NonNullable<SpectralBiasPlan['selection']>>;
  const selSeeds = list('plan.selection.seeds', sel.seeds).map((x, i) => checkNumber(`plan.selection.seeds[${i}]`, x, { min: 0, max: 2 ** 31 - 1, integer: true }));
  if (selSeeds.some((x) => seeds.includes(x))) throw new LipkitError('plan.selection.seeds', 'must be disjoint from plan.seeds (choose on some seeds, evaluate on others)');
  const grid = list('plan.selection.grid', sel.grid).map((a, i) => checkArm(`plan.selection.grid[${i}]`, a));
  if (grid.some((g) => g.lambda === 0)) throw new LipkitError('plan.selection.grid', 'holds regularized arms only (lambda > 0)');
  const steps = checkNumber('plan.selection.steps', sel.steps ?? sizes.steps, { min: sizes.evalEvery, max: 1e7, integer: true });
  return { sizes, arms, seeds, checkpointSteps, threshold, selection: { seeds: selSeeds, grid, steps } };
}

/**
 * The presets. One step of the 6 x 256 network at N = 200 costs about 28 ms of CPU (wasm, one
 * thread, measured with `process.cpuUsage` on 2026-12-05; TF.js's matMuls are about 75 % of it);
 * runs go to 2 worker threads (one core each). The output regularizer only acts once the
 * prediction has some roughness (its gradient is proportional to the prediction's own
 * differences), so a fast decay (eps >= 1e-2) switches it off within a few hundred steps.
 * - smoke: 3 x 32 network, 60 steps, lambda 1 / eps 1e-3, 2 seeds, in this thread (plumbing only);
 * - quick: 6 x 256, plain vs lambda 1 / eps 1e-2 (fixed: the cell the default preset's selection
 *   chose at seed 0 on 2026-12-05) on 8 paired seeds of 800 steps (12,800 steps; measured 334 CPU s,
 *   169 s wall in 2 worker threads);
 * - default: the paper's grid (lambda 1..5 x eps 1e-5..1e-1, 25 cells) trained for 400 steps on
 *   2 selection seeds (a coarse stage: 20,000 steps), the cell with the lowest validation-MSE
 *   area then run against the plain MSE on 8 evaluation seeds for 2,000 steps (32,000 steps):
 *   measured 1,567 CPU s (2026-12-05; 31 min wall on the loaded shared machine, about 13 min on
 *   a quiet 2-core one). The paper plots 60,000 steps.
 * - full: the grid on 2 selection seeds for 2,000 steps, 12 evaluation seeds of 10,000 steps (hours).
 */
export function spectralBiasPlan(mode: StudyMode, seed: number): SpectralBiasPlan {
  const seeds = (k: number, from = seed): number[] => Array.from({ length: k }, (_, i) => from + i);
  const mse = { name: armName(0, 0), lambda: 0, epsilon: 0 };
  const lip = (lambda: number, epsilon: number): SpectralBiasArm => ({ name: armName(lambda, epsilon), lambda, epsilon });
  switch (mode) {
    case 'smoke': {
      // Narrower network (3 x 32) and 101 points: the smoke test checks the plumbing, not the claim.
      const sizes = { count: 101, width: 32, depth: 3, steps: 60, evalEvery: 20, learningRate: 1e-3 };
      return { sizes, arms: [mse, lip(1, 1e-3)], seeds: seeds(2), checkpointSteps: [20, 60], threshold: 0.5 };
    }
    case 'quick': {
      const sizes = { count: 200, width: 256, depth: 6, steps: 800, evalEvery: 25, learningRate: 1e-3 };
      return { sizes, arms: [mse, lip(1, 1e-2)], seeds: seeds(8), checkpointSteps: [100, 400, 800], threshold: 0.5 };
    }
    case 'default': {
      const sizes = { count: 200, width: 256, depth: 6, steps: 2000, evalEvery: 25, learningRate: 1e-3 };
      return { sizes, arms: [mse], seeds: seeds(8), checkpointSteps: [200, 1000, 2000], threshold: 0.5, selection: { seeds: [seed + 1000, seed + 1001], grid: [...PAPER_GRID], steps: 400 } };
    }
    case 'full': {
      const sizes = { count: 200, width: 256, depth: 6, steps: 10000, evalEvery: 100, learningRate: 1e-3 };
      return { sizes, arms: [mse], seeds: seeds(12), checkpointSteps: [1000, 5000, 10000], threshold: 0.5, selection: { seeds: [seed + 1000, seed + 1001], grid: [...PAPER_GRID], steps: 2000 } };
    }
    default:
      throw new LipkitError('options.mode', `unknown mode ${String(mode)}`);
  }
}
