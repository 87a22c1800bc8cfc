import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { STUDY_ARMS, armDefinition, checkName, checkSizes, type RunSizes, type RunSpec } from './spec.js';
import { STUDY_TASKS, parseStudyTask, pixelDownsample, type StudyTask } from './tasks.js';
import { forecastSplit } from './studyData.js';

/** Study presets. */
export const STUDY_PRESETS = ['quick', 'default', 'full'] as const;
export type StudyPreset = (typeof STUDY_PRESETS)[number];

/** What to run: tasks x arms x lambda magnitudes x seeds, at one size. */
export interface StudyPlan {
  tasks: StudyTask[];
  arms: string[];
  /** Lambda magnitudes; 0 runs the unregularized arms, each value > 0 every regularized arm (with its sign). */
  lambdas: number[];
  seeds: number[];
  sizes: RunSizes;
}

/**
 * Sizes of the presets (`length` = Figure 1 task length, ListOps max length, pixel steps bound
 * (28x28 downsampled to 7x7 = 49 steps in quick and default), forecasting input window):
 * - quick: 128 train, 64 validation, length 49, width 16, 1 block, state 8, 3 epochs, seeds 0-1,
 *   lambdas {0, 1}, every default task (112 runs; measured 112 s with the built CLI and 2 workers
 *   while other jobs loaded the 2-core machine);
 * - default: 256 train, 256 validation, length 64, width 32, 1 block, state 16, 5 epochs, seeds
 *   0-2, lambdas {0, 1, 2, 4}, 8 tasks (360 runs: 192 S4D, 168 Transformer); see
 *   docs/results/continuity-default.md for the measured time;
 * - full: 2000 train, 500 validation, length 256 (pixels 14x14), width 64, 4 blocks, state 64,
 *   30 epochs, seeds 0-4, lambdas {0, 1, 2, 4} (hours).
 */
export const PRESET_SIZES: Record<StudyPreset, { sizes: RunSizes; seeds: number; lambdas: number[] }> = {
  quick: { sizes: { train: 128, validation: 64, length: 49, minLength: 12, width: 16, depth: 1, stateSize: 8, heads: 2, batchSize: 32, epochs: 3, learningRate: 3e-3 }, seeds: 2, lambdas: [0, 1] },
  default: { sizes: { train: 256, validation: 256, length: 64, minLength: 16, width: 32, depth: 1, stateSize: 16, heads: 2, batchSize: 32, epochs: 5, learningRate: 2e-3 }, seeds: 3, lambdas: [0, 1, 2, 4] },
  full: { sizes: { train: 2000, validation: 500, length: 256, minLength: 64, width: 64, depth: 4, stateSize: 64, heads: 4, batchSize: 32, epochs: 30, learningRate: 1e-3 }, seeds: 5, lambdas: [0, 1, 2, 4] },
};

/** The plan of a preset, with optional overrides (validated). */
export function presetPlan(preset: StudyPreset, overrides: Partial<StudyPlan> = {}): StudyPlan {
  const p = PRESET_SIZES[checkName('options.preset', preset, STUDY_PRESETS)];
  return validatePlan({
    tasks: overrides.tasks ?? [...STUDY_TASKS],
    arms: overrides.arms ?? STUDY_ARMS.map((a) => a.name),
    lambdas: overrides.lambdas ?? p.lambdas,
    seeds: overrides.seeds ?? Array.from({ length: p.seeds }, (_, i) => i),
    sizes: { ...p.sizes, ...(overrides.sizes ?? {}) },
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
  return { tasks: [...new Set(tasks)], arms: [...new Set(arms)], lambdas: [...new Set(lambdas)], seeds: [...new Set(seeds)], sizes };
}

/** Every run of a plan: unregularized arms once (lambda 0), regularized arms once per lambda > 0 with their sign. */
export function expandPlan(plan: StudyPlan): RunSpec[] {
  const p = validatePlan(plan);
  const runs: RunSpec[] = [];
  for (const task of p.tasks) {
    for (const seed of p.seeds) {
      for (const name of p.arms) {
        const arm = armDefinition(name);
        const lambdas = arm.sign === 0 ? [0] : p.lambdas.filter((l) => l > 0).map((l) => arm.sign * l);
        for (const lambda of lambdas) runs.push({ task, model: arm.model, arm: arm.name, lambda, seed, sizes: { ...p.sizes } });
      }
    }
  }
  return runs;
}
