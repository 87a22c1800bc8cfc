import { claimSentences } from '../claimSentences.js';
import type { Json, StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { checkSpectralBiasPlan, spectralBiasPlan, type SpectralBiasPlan } from './spec.js';
import { trainArm, type SpectralBiasRecord } from './trainArm.js';
import { spectralBiasClaims, spectralBiasTables } from './summarize.js';
import { chooseArm, selectionTable, validationArea } from './selectArm.js';
import { spectralBiasFigures } from './figures.js';
import { readRunOptions } from '../readRunOptions.js';

/** Options of `runSpectralBias`: the study options plus an explicit plan (tests, custom sizes). */
export interface SpectralBiasRunOptions extends StudyRunOptions {
  /** Overrides the mode's preset (sizes, arms, seeds). The first arm is the baseline. */
  plan?: SpectralBiasPlan;
}

/** Runs every arm at every seed of the plan and summarizes. Arms of one seed share the data and the initialization. */
export async function runSpectralBias(options: SpectralBiasRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options, 2 ** 31 - 1);
  const plan = checkSpectralBiasPlan(options.plan ?? spectralBiasPlan(mode, seed));
  const { sizes } = plan;
  const arms = [...plan.arms];
  const start = performance.now();
  const records: SpectralBiasRecord[] = [];
  const selection: SpectralBiasRecord[] = [];
  const total = (plan.selection === undefined ? 0 : plan.selection.grid.length * plan.selection.seeds.length) + (arms.length + (plan.selection === undefined ? 0 : 1)) * plan.seeds.length;
  if (plan.selection !== undefined) {
    for (const s of plan.selection.seeds) {
      for (const arm of plan.selection.grid) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        const record = { ...trainArm(arm, s, sizes, { threshold: plan.threshold }), role: 'selection' as const };
        selection.push(record);
        onProgress({ done: selection.length, total, label: `selection ${arm.name}, seed ${s}: validation MSE area ${validationArea(record)?.toFixed(4) ?? 'diverged'}` });
      }
    }
    arms.push(chooseArm(selection, plan.selection.grid));
  }
  for (const s of plan.seeds) {
    for (const arm of arms) {
      // Yield to the event loop between runs (progress bars, interrupts).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const record = trainArm(arm, s, sizes, { threshold: plan.threshold, checkpointSteps: s === plan.seeds[0] ? plan.checkpointSteps : [] });
      records.push(record);
      onProgress({ done: selection.length + records.length, total, label: `${arm.name}, seed ${s}: final MSE ${record.finalMse?.toFixed(4) ?? 'diverged'}` });
    }
  }
  const baseline = arms[0].name;
  const claims = spectralBiasClaims(records, baseline);
  const chosen = plan.selection === undefined ? '' : `(lambda, eps) chosen on held-out validation points from the paper's grid (${plan.selection.grid.length} arms on selection seed(s) ${plan.selection.seeds.join(', ')}, disjoint from the evaluation seeds): ${arms[arms.length - 1].name}. `;
  const narrow = sizes.width !== 256 || sizes.depth !== 6 ? ` (narrower than the paper's 6 x 256 in this mode: ${sizes.depth} x ${sizes.width})` : '';
  return {
    study: 'spectral-bias',
    title: 'Spectral bias and the output Lipschitz regularizer',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: `A ${sizes.depth}-layer ReLU network of width ${sizes.width}${narrow} regresses h(x) = sum_i A_i sin(2 pi k_i x + phi_i), k = 5..50, A = 0.1..1.0, at N = ${sizes.count} points of [0, 1) `
      + `with full-batch Adam (lr ${sizes.learningRate}, ${sizes.steps} steps), on MSE alone and on MSE - lambda e^{-eps t} L_Lip(y_hat) (${arms.slice(1).map((a) => a.name).join('; ')}), ${plan.seeds.length} seed(s) per arm, `
      + `the arms of a seed sharing data and initialization. The relative spectral error |DFT(y_hat - y)_k| / |DFT(y)_k| is measured every ${sizes.evalEvery} steps. `
      + chosen + claimSentences(claims),
    claims,
    tables: [...(selection.length === 0 ? [] : [selectionTable(selection)]), ...spectralBiasTables(records)],
    figures: spectralBiasFigures(records),
    records: [...selection, ...records] as unknown as Json[],
  };
}

/** `lipkit study spectral-bias`. */
export const spectralBiasStudy: StudyDefinition = {
  name: 'spectral-bias',
  title: 'Spectral bias and the output Lipschitz regularizer',
  description: 'Sum of sines (k = 5..50) fitted by a 6 x 256 ReLU net with and without -lambda e^{-eps t} L_Lip(y_hat): error per frequency over training',
  run: (options?: StudyRunOptions) => runSpectralBias(options),
};
