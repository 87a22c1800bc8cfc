import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { setBackend } from '../backend/setBackend.js';
import Table from 'cli-table3';
import type { StudyOutput, StudyProgress } from '../studies/study.js';
import { runTwoMoons } from '../studies/twoMoons/twoMoonsStudy.js';
import { moonsSplit } from '../studies/mlp/classificationData.js';
import { continuityPlan, runContinuity } from '../studies/continuity/continuityStudy.js';
import { presetPlan, type StudyPlan } from '../studies/continuity/plan.js';
import { runSpectralBias } from '../studies/spectralBias/spectralBiasStudy.js';
import { spectralBiasPlan, type SpectralBiasPlan } from '../studies/spectralBias/spec.js';

/** The demo's spectral-bias plan: the smoke preset, or the quick one cut to 2 seeds of 300 steps (the demo is not a verdict). */
function demoSpectralBiasPlan(mode: 'smoke' | 'quick', seed: number): SpectralBiasPlan {
  const plan = spectralBiasPlan(mode, seed);
  return mode === 'smoke' ? plan : { ...plan, sizes: { ...plan.sizes, steps: 300, evalEvery: 20 }, seeds: plan.seeds.slice(0, 2), checkpointSteps: [100, 300] };
}
import { runEnforcedLipschitz } from '../studies/enforcedLipschitz/enforcedLipschitzStudy.js';
import { checkOutputDirectory } from '../report/checkOutputDirectory.js';
import { writeStudyFiles } from '../report/writeStudyFiles.js';
import { withCleanupOnInterrupt, type InterruptGuard } from '../report/interruptCleanup.js';
import { certify } from './certify.js';
import { certifyOutput } from './certifyOutput.js';
import { fileIOHandler } from './fileIOHandler.js';
import { parseIntegerFlag } from './parseFlags.js';
import { stageProgress } from './studyProgress.js';
import { claimsTable } from './claimsTable.js';
import type { CliIO } from './runCli.js';

/** What the tour hands to the report: every part's output, the saved model's files, the certify command. */
interface DemoOutputs {
  list: StudyOutput[];
  extraFiles: { path: string; content: Uint8Array }[];
  command: string;
}

interface DemoFlags {
  out: string;
  smoke?: boolean;
  seed: string;
  progress: boolean;
}

/** The arm of the two-moons study whose model the demo saves and certifies. */
const CERTIFIED_ARM = 'spectral normalization D=1';
/** Where that model goes inside the report directory. */
const MODEL_DIR = 'models/two-moons-spectral-normalization';

const INTRO = [
  'This report was written by `lipkit demo`: a guided tour of lipkit on this machine\'s CPU, in a few minutes.',
  'Two moons: five ways to make a small network smooth, with decision surfaces, per-layer constants, and the certified upper and empirical lower bounds of each model. '
    + 'Spectral bias: the output Lipschitz Regularizer of "Data Continuity Matters" and the error per frequency during training. '
    + 'Enforced Lipschitz constants: an MLP on MNIST trained with Adam and with Muon under hard and soft spectral caps, its certified bound against its accuracy and its certified robust accuracy. '
    + 'Data continuity: state space models and Transformers with the Lipschitz Regularizer on their embedding, on inputs of high and of low continuity (the paper\'s Figure 1 task). '
    + 'Certify: the spectrally normalized two-moons model, saved to disk and bounded by `lipkit certify`.',
  'Each claim of the source talks and papers is marked held, contradicted or inconclusive, with the numbers behind it. Pre-registered primary claims are judged with paired seeds (95 % interval and Holm-adjusted p); the demo runs too few seeds for those to be decided: run the study with --quick or larger.',
  'Further studies, not run by the demo:\n'
    + '- `lipkit study uncertainty --quick`: softmax, gradient penalty at the data, SNGP and DUQ on two moons with far out-of-distribution points (AUROC of uncertainty, uncertainty surfaces; about a CPU minute).\n'
    + '- `lipkit study gan --quick`: a small GAN on 8 Gaussians on a ring with an unconstrained, gradient-penalty or spectrally normalized critic and Adam β1 0 / 0.5 / 0.9 (modes, sliced W2, certified critic bound, samples and critic contours; about 3 CPU minutes in two worker threads).',
].join('\n\n');

/**
 * The continuity part of the tour: the pre-registered Figure 1 design (Appendix A.1 task, both
 * continuities, the primary arms and wrong-sign controls) at lambda 2, three paired seeds, and
 * sizes smaller than --quick (length 100, width 16, 3 epochs): too few seeds for a verdict (the
 * smallest possible two-sided sign-flip p with 3 seeds is 0.25), so its claims show as
 * inconclusive; `lipkit study continuity --quick` is the bar for a verdict. With --smoke: the
 * smoke plan of `continuityPlan`.
 */
function demoContinuityPlan(seed: number, smoke: boolean): StudyPlan {
  if (smoke) return continuityPlan('smoke', seed);
  const quick = presetPlan('quick');
  return presetPlan('quick', {
    lambdas: [0, 2], seeds: [seed, seed + 1, seed + 2],
    sizes: { ...quick.sizes, train: 32, validation: 8, test: 16, length: 100, width: 16, stateSize: 16, epochs: 3 },
  });
}

async function stage<T>(name: string, io: CliIO, enabled: boolean, run: (tick: (p: StudyProgress) => void) => Promise<T>): Promise<T> {
  const progress = stageProgress(name, io, enabled);
  return run(progress.tick).finally(progress.stop);
}

/** The tour itself, saving the certified model into `temp` (a folder the caller owns and removes). */
async function runTour(temp: string, guard: InterruptGuard, { io, flags, mode, seed }: { io: CliIO; flags: DemoFlags; mode: 'smoke' | 'quick'; seed: number }): Promise<DemoOutputs> {
  const modelPath = join(temp, 'model.json');
  let saved = false;
  // The demo shows the studies at one seed (two-moons) and 2 seeds of 300 steps (spectral bias):
  // their --quick presets run 8 paired seeds for the verdicts, minutes the tour does not spend.
  const moons = await stage('two-moons', io, flags.progress, (tick) => runTwoMoons({
    seeds: 1,
    mode, seed, onProgress: tick,
    onModel: async (arm, model) => {
      if (saved || arm !== CERTIFIED_ARM || guard.interrupted) return;
      try {
        await model.save(fileIOHandler(modelPath));
      } catch (e) {
        if (guard.interrupted) return; // Ctrl-C removed the folder under the save: the process is about to die of it
        throw e;
      }
      saved = true;
    },
  }));
  const bias = await stage('spectral-bias', io, flags.progress, (tick) => runSpectralBias({ mode, seed, onProgress: tick, plan: demoSpectralBiasPlan(mode, seed) }));
  const enforced = await stage('enforced-lipschitz', io, flags.progress, (tick) => runEnforcedLipschitz({ mode, seed, onProgress: tick }));
  const continuity = await stage('continuity', io, flags.progress, (tick) => runContinuity({ mode, seed, plan: demoContinuityPlan(seed, mode === 'smoke'), onProgress: tick }));
  if (!saved) throw new Error(`the two-moons study trained no '${CERTIFIED_ARM}' model`);
  const { test } = moonsSplit({ seed, test: 256 });
  const inputs = Array.from({ length: test.count }, (_, i) => [test.points[2 * i], test.points[2 * i + 1]]);
  writeFileSync(join(temp, 'inputs.json'), JSON.stringify({ inputs }));
  const t0 = performance.now();
  const report = await certify(modelPath, { data: join(temp, 'inputs.json') });
  const shown = join(flags.out, MODEL_DIR);
  const command = `lipkit certify ${join(shown, 'model.json')} --data ${join(shown, 'inputs.json')}`;
  const cert = certifyOutput({ ...report, model: join(shown, 'model.json') }, { command, mode, seconds: (performance.now() - t0) / 1000 });
  const extraFiles = readdirSync(temp).map((f) => ({ path: `${MODEL_DIR}/${f}`, content: readFileSync(join(temp, f)) }));
  return { list: [moons, bias, enforced, continuity, cert], extraFiles, command };
}

/**
 * `lipkit demo [--out DIR]`: the guided tour (a few minutes on 2 cores, no arguments needed):
 * the two-moons study (quick), the spectral-bias study (quick), the enforced-lipschitz study
 * (quick), a quick continuity study (Figure 1
 * task), and `lipkit certify` on the spectrally normalized two-moons model it trained (saved under
 * DIR/models/). Progress bars on the terminal, a summary table at the end, and the HTML report
 * DIR/index.html (default DIR `lipkit-report`) with results.json, results.md and figures/*.svg,
 * written atomically (an interrupted demo leaves no report behind).
 */
export function demoCommand(io: CliIO): Command {
  return new Command('demo')
    .description('the guided tour: two moons, spectral bias, enforced Lipschitz constants, data continuity and certify, with an HTML report (a few minutes)')
    .option('--out <dir>', 'report directory', 'lipkit-report')
    .option('--seed <n>', 'base seed', '0')
    .option('--smoke', 'every part at its smallest size (seconds; checks the pipeline, numbers meaningless)')
    .option('--no-progress', 'no progress bars or progress lines')
    .action(async (flags: DemoFlags) => {
      const seed = parseIntegerFlag('--seed', flags.seed, { min: 0, max: 1e6 });
      checkOutputDirectory(flags.out, '--out');
      await setBackend();
      const start = performance.now();
      const mode = flags.smoke === true ? 'smoke' : 'quick';
      // The saved model goes through a temporary folder of this process; it is removed when the demo
      // ends, whatever the way: success, error (finally) or SIGINT/SIGTERM/SIGHUP (withCleanupOnInterrupt).
      const temp = mkdtempSync(join(tmpdir(), 'lipkit-demo-'));
      let outputs: DemoOutputs;
      try {
        outputs = await withCleanupOnInterrupt(temp, (guard) => runTour(temp, guard, { io, flags, mode, seed }));
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
      const written = await writeStudyFiles(outputs.list, flags.out, { report: true, title: 'lipkit demo', intro: INTRO, extraFiles: outputs.extraFiles });
      io.stdout(summaryTable(outputs.list));
      io.stdout(claimsTable(outputs.list));
      io.stdout(`demo finished in ${((performance.now() - start) / 1000).toFixed(0)} s; report: ${join(written.dir, 'index.html')}\n`);
      io.stdout(`certify the saved model yourself: ${outputs.command}\n`);
    });
}

/** One row per part of the tour: what ran, how long, and how many of its claims held. */
function summaryTable(outputs: readonly StudyOutput[]): string {
  const table = new Table({ head: ['part', 'mode', 'seconds', 'claims held'], style: { head: [], border: [] } });
  for (const o of outputs) {
    const decided = o.claims.filter((c) => c.held !== null);
    table.push([o.title, o.mode, o.seconds.toFixed(1), `${decided.filter((c) => c.held === true).length} of ${decided.length}${decided.length < o.claims.length ? ` (${o.claims.length - decided.length} undecided)` : ''}`]);
  }
  return `${table.toString()}\n`;
}
