import { claimSentences } from '../claimSentences.js';
import type { Json, StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { checkSpectralBiasPlan, spectralBiasPlan, type SpectralBiasPlan } from './spec.js';
import { trainArm, type SpectralBiasRecord } from './trainArm.js';
import { spectralBiasClaims, spectralBiasTables } from './summarize.js';
import { chooseArm, selectionTable, validationArea } from './selectArm.js';
import { spectralBiasFigures } from './figures.js';
import { readRunOptions } from '../readRunOptions.js';
import { checkNumber } from '../../util/validate.js';
import { runInWorkerPool, startStudyWorker } from '../workerPool.js';
import type { SpectralBiasArm, SpectralBiasJob } from './spec.js';

/** CPU seconds of this process (all threads), or null outside Node. */
function cpuSeconds(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (p?.cpuUsage === undefined) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Options of `runSpectralBias`: the study options plus an explicit plan (tests, custom sizes). */
export interface SpectralBiasRunOptions extends StudyRunOptions {
  /** Overrides the mode's preset (sizes, arms, seeds). The first arm is the baseline. */
  plan?: SpectralBiasPlan;
  /** Worker threads (Node; each trains on the wasm backend, one core each). 0: in this thread on the active backend. Default 0 in smoke mode, else 2. */
  workers?: number;
}

/** Runs the jobs in this thread or in worker threads; results in job order. */
async function runJobs(jobs: SpectralBiasJob[], workers: number, onDone: (r: SpectralBiasRecord) => void): Promise<SpectralBiasRecord[]> {
  const out: (SpectralBiasRecord | undefined)[] = new Array<SpectralBiasRecord | undefined>(jobs.length);
  if (workers === 0) {
    for (let i = 0; i < jobs.length; i++) {
      // Yield to the event loop between runs (progress bars, interrupts).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const { arm, seed, sizes, threshold, checkpointSteps, role } = jobs[i];
      out[i] = { ...trainArm(arm, seed, sizes, { threshold, checkpointSteps }), role };
      onDone(out[i] as SpectralBiasRecord);
    }
  } else {
    await runInWorkerPool<SpectralBiasJob, SpectralBiasRecord>(() => startStudyWorker(import.meta.url, 'spectralBiasWorker'), jobs, workers, (i, r) => { out[i] = r; onDone(r); });
  }
  return out as SpectralBiasRecord[];
}

/**
 * Runs the plan: the selection stage (every grid cell on the selection seeds, at
 * `selection.steps`), the choice of (lambda, eps) on held-out validation points, then every arm
 * (the baseline, the given arms, the chosen cell) at every evaluation seed, and summarizes. Arms
 * of one seed share the data and the initialization (paired seeds).
 */
export async function runSpectralBias(options: SpectralBiasRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options, 2 ** 31 - 1);
  const plan = checkSpectralBiasPlan(options.plan ?? spectralBiasPlan(mode, seed));
  const workers = checkNumber('options.workers', options.workers ?? (mode === 'smoke' ? 0 : 2), { min: 0, max: 64, integer: true });
  const { sizes } = plan;
  const arms = [...plan.arms];
  const start = performance.now();
  const cpu0 = cpuSeconds();
  let selection: SpectralBiasRecord[] = [];
  const total = (plan.selection === undefined ? 0 : plan.selection.grid.length * plan.selection.seeds.length) + (arms.length + (plan.selection === undefined ? 0 : 1)) * plan.seeds.length;
  let done = 0;
  const job = (arm: SpectralBiasArm, s: number, role: SpectralBiasJob['role'], steps = sizes.steps): SpectralBiasJob => ({
    arm, seed: s, sizes: { ...sizes, steps }, threshold: plan.threshold, role,
    checkpointSteps: role === 'evaluation' && s === plan.seeds[0] ? plan.checkpointSteps : [],
  });
  if (plan.selection !== undefined) {
    const sel = plan.selection;
    const jobs = sel.seeds.flatMap((s) => sel.grid.map((arm) => job(arm, s, 'selection', sel.steps)));
    selection = await runJobs(jobs, workers, (r) => onProgress({ done: ++done, total, label: `selection ${r.arm}, seed ${r.seed}: validation MSE area ${validationArea(r)?.toFixed(4) ?? 'diverged'}` }));
    arms.push(chooseArm(selection, sel.grid));
  }
  const evalJobs = plan.seeds.flatMap((s) => arms.map((arm) => job(arm, s, 'evaluation')));
  const records = await runJobs(evalJobs, workers, (r) => onProgress({ done: ++done, total, label: `${r.arm}, seed ${r.seed}: final MSE ${r.finalMse?.toFixed(4) ?? 'diverged'}` }));
  const baseline = arms[0].name;
  const claims = spectralBiasClaims(records, baseline);
  const chosen = plan.selection === undefined ? '' : `(lambda, eps) chosen on held-out validation points from the paper's grid (${plan.selection.grid.length} cells trained ${plan.selection.steps} steps on selection seed(s) ${plan.selection.seeds.join(', ')}, disjoint from the evaluation seeds; lowest mean validation-MSE area): ${arms[arms.length - 1].name}. `;
  const cpuNow = cpuSeconds();
  const cpu = cpuNow === null || cpu0 === null ? null : cpuNow - cpu0;
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
      + chosen + claimSentences(claims)
      + ` ${selection.length + records.length} runs (${workers === 0 ? 'in this thread' : `${workers} worker threads`}), ${cpu === null ? '' : `${cpu.toFixed(0)} CPU s, `}${((performance.now() - start) / 1000).toFixed(0)} s wall.`,
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
