import type { StudyDefinition, StudyMode, StudyOutput, StudyRunOptions } from '../study.js';
import { readRunOptions } from '../readRunOptions.js';
import { presetPlan, type StudyPlan } from './plan.js';
import { runStudy } from './runStudy.js';
import { continuityOutput } from './continuityOutput.js';

/** Options of the continuity study as a `StudyDefinition`: the common ones, an explicit plan, worker threads. */
export interface ContinuityRunOptions extends StudyRunOptions {
  /** Run this plan instead of the mode's preset (the mode is then only a label). */
  plan?: StudyPlan;
  /** Worker threads, default 2 (0: in this thread, on the active backend). */
  workers?: number;
}

/**
 * The plan of each mode: 'smoke' = seconds (Figure 1 low-continuity task and ListOps, tiny
 * sizes, λ in {0, 1}, 1 seed); 'quick' = the `--quick` preset; 'default' and 'full' = the presets of the
 * same name. Seeds are offset by `seed`.
 */
export function continuityPlan(mode: StudyMode, seed = 0): StudyPlan {
  if (mode === 'smoke') {
    return presetPlan('quick', {
      tasks: ['fig1-low', 'listops'], lambdas: [0, 1], seeds: [seed],
      sizes: { train: 16, validation: 8, length: 16, minLength: 6, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 8, epochs: 2, learningRate: 3e-3 },
    });
  }
  const plan = presetPlan(mode);
  return { ...plan, seeds: plan.seeds.map((s) => s + seed) };
}

/**
 * `lipkit study continuity` as a `StudyDefinition` (the report and the demo use it): runs
 * `runStudy` on the mode's plan (or `options.plan`) in worker threads and returns
 * `continuityOutput` (tables in the paper's layout, claims, figures, every run record).
 */
export async function runContinuity(options: ContinuityRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const plan = options.plan ?? continuityPlan(mode, seed);
  const result = await runStudy(plan, {
    workers: options.workers ?? 2,
    onProgress: (done, total, r) => onProgress({ done, total, label: `${r.task} ${r.arm} λ=${r.lambda} seed ${r.seed}` }),
  });
  return continuityOutput(result.records, result.rows, { mode, seed, seconds: result.seconds });
}

/** The continuity study ("Data Continuity Matters", Qu et al., ICLR 2023). */
export const continuityStudy: StudyDefinition = {
  name: 'continuity',
  title: 'Data continuity: state space models and Transformers with the Lipschitz Regularizer',
  description: 'SSM / Transformer arms with +/- lambda L_Lip on the embedding output (Figure 1 task, ListOps, pixel MNIST and -c, forecasting)',
  run: runContinuity,
};
