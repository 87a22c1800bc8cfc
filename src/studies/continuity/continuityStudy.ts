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
 * The plan of each mode: the preset of the same name (`presetPlan`: the pre-registered Figure 1
 * design, `full` adds the exploratory tasks). Seeds are offset by `seed` (seed s, s+1, ...).
 */
export function continuityPlan(mode: StudyMode, seed = 0): StudyPlan {
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
  description: 'S4 / Transformer arms with +/- lambda L_Lip on the embedding output: pre-registered Figure 1 claims (Appendix A.1) with paired seeds; --full adds ListOps, pixel MNIST, proxy forecasting',
  run: runContinuity,
};
