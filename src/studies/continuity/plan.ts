import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { STUDY_ARMS, armDefinition, checkName, checkSizes, type RunSizes, type RunSpec } from './spec.js';
import { STUDY_TASKS, parseStudyTask, pixelDownsample, type StudyTask } from './tasks.js';
import { forecastSplit } from './studyData.js';

/** Study presets. */
export const STUDY_PRESETS = ['smoke', 'quick', 'default', 'full'] as const;
export type StudyPreset = (typeof STUDY_PRESETS)[number];

/** What to run: tasks x arms x lambda magnitudes x seeds, at one size. */
export interface StudyPlan {
  tasks: StudyTask[];
  arms: string[];
  /** Lambda magnitudes; 0 runs the unregularized arms, each value > 0 every regularized arm (with its sign). */
  lambdas: number[];
  seeds: number[];
  sizes: RunSizes;
  /** Arms per task (default: every arm of `arms` on every task). Tasks missing here run `arms`. */
  armsByTask?: Record<string, string[]>;
  /** Lambda magnitudes per regularized arm (default `lambdas`); e.g. the wrong-sign controls at the authors' lambda = 2 only. */
  lambdasByArm?: Record<string, number[]>;
}

/**
 * The pre-registered design of the primary claims (Figure 1 task, Appendix A.1): on high
 * continuity the Transformer arms (P3, and the wrong-sign control), on low continuity the S4
 * arms (P2, and the wrong-sign control); both baselines on both (P1). P4 uses the same runs.
 */
export const PRIMARY_DESIGN: Record<'fig1-high' | 'fig1-low', string[]> = {
  'fig1-high': ['SSM+Emb', 'Transformer', 'Transformer+Lip', 'Transformer+LipWrongSign'],
  'fig1-low': ['SSM+Emb', 'Transformer', 'SSM+Emb+Lip', 'SSM+Emb+LipWrongSign'],
};

/** The wrong-sign controls run at the authors' lambda = 2 only (secondary claims). */
export const CONTROL_LAMBDAS: Record<string, number[]> = { 'SSM+Emb+LipWrongSign': [2], 'Transformer+LipWrongSign': [2] };

/** The exploratory tasks `full` adds (every arm; forecasting on PROXY series). */
export const EXPLORATORY_TASKS = ['fig1mv-high', 'fig1mv-low', 'listops', 'mnist', 'mnist-c', 'weather-24', 'weather-48', 'weather-168'];

/**
 * Sizes of the presets, from learning curves measured on the wasm backend (issue 13;
 * scripts/studies/continuity_curves.mts, seed 0 unless noted, length 200, width 64, batch 4,
 * Adam; validation MSE after 64 / 128 / 256 steps, test MSE after 256):
 * - Transformer with sinusoidal positions (amplitude 1, as before): fig1-high 0.085 / 0.080 /
 *   0.078, test 0.075 — a plateau near the target variance (0.10 for seed 0), also at lr 1e-3.
 *   The conv embedding is ~0.15 in scale (inputs within ±0.4, Glorot kernel), so the positions
 *   swamp it. Scaling the embedding by sqrt(64) = 8 (Vaswani §3.4): 0.083 / 0.075 / 0.029, test
 *   0.026 on high, but fig1-low stays on the plateau (test 0.074; it leaves it only after ~450
 *   steps). Without positions: high 0.075 / 0.062 / 0.022, test 0.022 (seed 1: 0.016);
 *   low 0.062 / 0.036 / 0.019, test 0.019 (seed 1: 0.018; Table 3: 0.0482 / 0.0189). Hence
 *   `defaultPositional`: none on the Figure 1 tasks (a pointwise map; see studyModel.ts).
 * - S4+Emb: high 0.058 / 0.038 / 0.026, test 0.025 (seed 1: 0.024); low 0.078 / 0.074 / 0.051,
 *   test 0.055 (a plateau left after ~220 steps; seed 1 leaves it at ~100 steps: test 0.024).
 *   Neither lr 1e-2 (high 0.023, low 0.060; seed 1 high 0.027), cosine decay (0.033), batch 8
 *   at equal CPU (0.034), a PyTorch-default conv initialization (0.062) nor post-norm S4 blocks
 *   (0.074) helped, so Adam 3e-3 constant stays. S4 needs steps: after 1,024 steps high reaches
 *   test 0.0055 (and the Transformer with positions scaled by 8 leaves its low-continuity plateau
 *   after ~450 steps, test 0.0065 at 1,024), which the CPU budget could not pay for 64 runs (about
 *   0.10 CPU s per step for either model at batch 4).
 * - Issue 13, step cost (scripts/studies/continuity_profile.mts, one default-size training step on
 *   wasm): before 0.105 CPU s (S4: tfjs-layers LayerNormalization's Tile kernel and its gradient
 *   ~35 ms, three depthwise convolutions of width L ~35 ms, ~150 small ops generating the S4D
 *   kernel ~15 ms; Transformer: batched matMuls on tfjs-wasm's plain loop ~60 ms), after about
 *   0.029 CPU s for either model (fused-gradient `LayerNorm`, direct float64 causal convolution,
 *   float64 `s4dKernel` with its analytic gradient, batched matMul as one XNNPACK GEMM per matrix,
 *   lipReg's min/max gradient against a scalar). Same math; learning curves unchanged (S4 high
 *   validation 0.058 after 64 steps, as above).
 * - Learning curves with the faster step, seed 0, validation MSE after 256 / 512 / 768 / 1,024
 *   steps: S4+Emb high 0.026 / 0.019 / 0.013 / 0.0063, test 0.0055 at 1,024 (Table 3: 0.0006);
 *   S4+Emb low 0.051 / 0.024 / 0.016 / 0.0091, test 0.0094 (Table 3: 0.0887); Transformer high
 *   0.022 / 0.013 / 0.0062 / 0.0053, test 0.0046 at 1,024 (Table 3: 0.0482); Transformer low
 *   0.019 / 0.015 / 0.0079 / 0.0040, test 0.0040 (Table 3: 0.0189). Every curve still falls at
 *   1,024 steps. The Transformer is at or below its Table 3 level by 512 steps on both inputs;
 *   S4 is 10x above its high-continuity level even at 1,024. Hence per-model epochs
 *   (`epochsByModel`): S4 1,024 steps, the Transformer 512 (the arms a claim compares share a
 *   model, so their runs stay paired; P1 compares within-model ratios).
 * - S4 trained 3,072 steps (scripts/studies/continuity_long.mjs, all 8 seeds, 3,411 CPU s, too
 *   long for a preset): test 0.0019 high / 0.0025 low, below the Transformer on both; P1 +0.78
 *   [-0.07, 1.64], opposite to the paper (docs/results/continuity-long.md).
 * Default: 64 training sequences in batches of 4, Adam 3e-3 constant, 64 epochs (1,024 steps) for
 * S4 and 32 (512 steps) for the Transformer: measured 1,478 CPU s for 64 runs on 2 workers
 * (15:49 wall at a 155 % CPU share; 0.029 CPU s per step with evaluation). Figure 1 presets
 * follow Appendix A.1 (length 200, conv embedding kernel 5, one S4D or Transformer layer of
 * width 64; quick: width 32, length 100, S4 512 steps, the Transformer 256; ~0.015 CPU s per step).
 * quick and default run the primary claims only (`controls: false`: the wrong-sign controls are
 * exploratory and cost 20 % more), lambda in {1, 4} chosen on validation. Runs per seed: 4
 * baselines + 2 x |lambda > 0| regularized (+ 2 controls in full). Measured CPU seconds are in
 * the header of docs/results/continuity-default.md and continuity-quick.md.
 */
export const PRESET_SIZES: Record<StudyPreset, { sizes: RunSizes; seeds: number; lambdas: number[]; controls: boolean }> = {
  smoke: { sizes: { train: 8, validation: 4, test: 4, length: 32, minLength: 6, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 4, epochs: 1, learningRate: 3e-3, kernelSize: 5 }, seeds: 2, lambdas: [0, 1], controls: true },
  quick: { sizes: { train: 64, validation: 16, test: 32, length: 100, minLength: 12, width: 32, depth: 1, stateSize: 32, heads: 2, batchSize: 4, epochs: 16, epochsByModel: { s4d: 32 }, learningRate: 3e-3, kernelSize: 5 }, seeds: 8, lambdas: [0, 1, 4], controls: false },
  default: { sizes: { train: 64, validation: 16, test: 32, length: 200, minLength: 16, width: 64, depth: 1, stateSize: 64, heads: 4, batchSize: 4, epochs: 32, epochsByModel: { s4d: 64 }, learningRate: 3e-3, kernelSize: 5 }, seeds: 8, lambdas: [0, 1, 4], controls: false },
  full: { sizes: { train: 256, validation: 64, test: 128, length: 200, minLength: 64, width: 64, depth: 1, stateSize: 64, heads: 4, batchSize: 8, epochs: 20, learningRate: 3e-3, kernelSize: 5 }, seeds: 16, lambdas: [0, 1, 2, 3, 4, 5], controls: true },
};

/** `PRIMARY_DESIGN`, without the wrong-sign control arms unless `controls`. */
function primaryDesign(controls: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [task, arms] of Object.entries(PRIMARY_DESIGN)) out[task] = controls ? [...arms] : arms.filter((a) => !a.endsWith('WrongSign'));
  return out;
}

/**
 * The plan of a preset, with optional overrides (validated). Without `tasks` / `arms` overrides
 * it is the primary design (`PRIMARY_DESIGN`; the wrong-sign controls at lambda 2 only where the preset has `controls`; `full` adds
 * `EXPLORATORY_TASKS` with every arm); with them, every given arm runs on every given task.
 */
export function presetPlan(preset: StudyPreset, overrides: Partial<StudyPlan> = {}): StudyPlan {
  const p = PRESET_SIZES[checkName('options.preset', preset, STUDY_PRESETS)];
  const custom = overrides.tasks !== undefined || overrides.arms !== undefined;
  const tasks = overrides.tasks ?? [...Object.keys(PRIMARY_DESIGN), ...(preset === 'full' ? EXPLORATORY_TASKS : [])];
  return validatePlan({
    tasks,
    arms: overrides.arms ?? STUDY_ARMS.map((a) => a.name),
    lambdas: overrides.lambdas ?? p.lambdas,
    seeds: overrides.seeds ?? Array.from({ length: p.seeds }, (_, i) => i),
    sizes: { ...p.sizes, ...(overrides.sizes ?? {}) },
    ...(custom ? {} : { armsByTask: overrides.armsByTask ?? primaryDesign(p.controls), lambdasByArm: overrides.lambdasByArm ?? { ...CONTROL_LAMBDAS } }),
  });
}

function nonEmpty<T>(field: string, a: unknown): T[] {
  if (!Array.isArray(a) || a.length === 0) throw new LipkitError(field, 'must be a non-empty array');
  return a as T[];
}

/**
 * A task name that fits the sizes (LipkitError naming `plan.tasks`): known, pixel tasks with
 * length >= 4, forecasting horizons that fit their series (`informerSplit`'s rule:
 * length + horizon <= training rows, horizon <= validation and test rows).
 */
export function checkTaskFits(name: unknown, sizes: RunSizes): string {
  const task = parseStudyTask(name, 'plan.tasks');
  if (task.kind === 'pixel') pixelDownsample(sizes.length, 'plan.sizes.length');
  if (task.kind === 'forecast') forecastSplit(task, sizes.length, 'plan.tasks');
  return task.name;
}

/** Validates a plan: known task and arm names, lambda magnitudes >= 0, integer seeds >= 0, sizes. */
export function validatePlan(plan: StudyPlan): StudyPlan {
  const sizes = checkSizes(plan.sizes, 'plan.sizes');
  const tasks = nonEmpty<string>('plan.tasks', plan.tasks).map((t) => checkTaskFits(t, sizes));
  const arms = nonEmpty<string>('plan.arms', plan.arms).map((a) => armDefinition(a, 'plan.arms').name);
  const lambdas = nonEmpty<number>('plan.lambdas', plan.lambdas).map((l) => checkNumber('plan.lambdas', l, { min: 0 }));
  const seeds = nonEmpty<number>('plan.seeds', plan.seeds).map((s) => checkNumber('plan.seeds', s, { min: 0, max: 2 ** 31 - 1, integer: true }));
  const plain = arms.some((a) => armDefinition(a).sign === 0);
  const regularized = arms.some((a) => armDefinition(a).sign !== 0);
  if (plain && !lambdas.includes(0)) throw new LipkitError('plan.lambdas', 'must include 0 to run the unregularized arms');
  if (regularized && !lambdas.some((l) => l > 0)) throw new LipkitError('plan.lambdas', 'needs a value > 0 for the regularized arms');
  const out: StudyPlan = { tasks: [...new Set(tasks)], arms: [...new Set(arms)], lambdas: [...new Set(lambdas)], seeds: [...new Set(seeds)], sizes };
  if (plan.armsByTask !== undefined) {
    if (plan.armsByTask === null || typeof plan.armsByTask !== 'object') throw new LipkitError('plan.armsByTask', 'must be an object of task -> arm names');
    out.armsByTask = {};
    for (const [task, list] of Object.entries(plan.armsByTask)) {
      if (!out.tasks.includes(task)) throw new LipkitError('plan.armsByTask', `task ${JSON.stringify(task)} is not in plan.tasks`);
      out.armsByTask[task] = [...new Set(nonEmpty<string>(`plan.armsByTask.${task}`, list).map((a) => armDefinition(a, `plan.armsByTask.${task}`).name))];
    }
  }
  if (plan.lambdasByArm !== undefined) {
    if (plan.lambdasByArm === null || typeof plan.lambdasByArm !== 'object') throw new LipkitError('plan.lambdasByArm', 'must be an object of arm -> lambda magnitudes');
    out.lambdasByArm = {};
    for (const [arm, list] of Object.entries(plan.lambdasByArm)) {
      const name = armDefinition(arm, 'plan.lambdasByArm').name;
      out.lambdasByArm[name] = nonEmpty<number>(`plan.lambdasByArm.${arm}`, list).map((l) => checkNumber(`plan.lambdasByArm.${arm}`, l, { min: 0, exclusiveMin: true }));
    }
  }
  return out;
}

/**
 * Every run of a plan: per task its arms (`armsByTask`, else `arms`), unregularized arms once
 * (lambda 0), regularized arms once per lambda magnitude (`lambdasByArm`, else `lambdas` > 0)
 * with their sign; every seed runs the same cells (paired seeds).
 */
export function expandPlan(plan: StudyPlan): RunSpec[] {
  const p = validatePlan(plan);
  const runs: RunSpec[] = [];
  for (const task of p.tasks) {
    for (const seed of p.seeds) {
      for (const name of p.armsByTask?.[task] ?? p.arms) {
        const arm = armDefinition(name);
        const lambdas = arm.sign === 0 ? [0] : (p.lambdasByArm?.[name] ?? p.lambdas.filter((l) => l > 0)).map((l) => arm.sign * l);
        for (const lambda of lambdas) runs.push({ task, model: arm.model, arm: arm.name, lambda, seed, sizes: { ...p.sizes } });
      }
    }
  }
  return runs;
}
