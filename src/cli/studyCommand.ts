import { Command } from 'commander';
import { LipkitError } from '../util/errors.js';
import { parseIntegerFlag } from './parseFlags.js';
import type { CliIO } from './runCli.js';
import { PRESET_SIZES, presetPlan, type StudyPreset } from '../studies/continuity/plan.js';
import { runStudy } from '../studies/continuity/runStudy.js';
import { continuityOutput } from '../studies/continuity/continuityOutput.js';
import { STUDIES } from '../studies/registry.js';
import { checkOutputDirectory } from '../report/checkOutputDirectory.js';
import { writeStudyFiles } from '../report/writeStudyFiles.js';
import { genericStudyCommand } from './genericStudyCommand.js';
import { stageProgress } from './studyProgress.js';
import { claimsTable } from './claimsTable.js';
import { STUDY_ARMS } from '../studies/continuity/spec.js';
import { STUDY_TASKS, TASK_FORMS } from '../studies/continuity/tasks.js';

interface ContinuityFlags {
  smoke?: boolean;
  quick?: boolean;
  seed?: string;
  full?: boolean;
  tasks?: string;
  arms?: string;
  lambdas?: string;
  seeds?: string;
  epochs?: string;
  workers: string;
  out: string;
  report?: boolean;
  progress: boolean;
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses `--lambdas 0,1,2,4` (magnitudes >= 0; the arm gives the sign). */
export function parseLambdas(text: string): number[] {
  const parts = list(text);
  if (parts.length === 0) throw new LipkitError('--lambdas', `must be comma-separated numbers >= 0, got "${text}"`);
  return parts.map((p) => {
    const v = Number(p);
    if (p === '' || !Number.isFinite(v)) throw new LipkitError('--lambdas', `must be comma-separated numbers, got "${p}"`);
    if (v < 0) throw new LipkitError('--lambdas', `are magnitudes (the arm sets the sign: + for SSM+Emb+Lip, - for Transformer+Lip), got ${v}`);
    return v;
  });
}

function continuityCommand(io: CliIO): Command {
  return new Command('continuity')
    .description('the "Data Continuity Matters" study: SSM / Transformer arms with the Lipschitz regularizer on the embedding output')
    .option('--smoke', 'seconds: tiny sizes, 2 seeds (checks the plumbing, not the claims)')
    .option('--quick', `the primary claims at small sizes (${PRESET_SIZES.quick.seeds} seeds; a few minutes of CPU)`)
    .option('--full', 'paper-like sizes plus the exploratory tasks, for users with hours to spare')
    .option('--seed <n>', 'first seed (seeds run s, s+1, ...)', '0')
    .option('--tasks <names>', `comma-separated tasks: ${TASK_FORMS}; default the Figure 1 primary design (fig1-high, fig1-low); --full adds ${STUDY_TASKS.filter((t) => !t.startsWith('fig1')).join(',')} (forecasting on PROXY series)`)
    .option('--arms <names>', `comma-separated arms (${STUDY_ARMS.map((a) => a.name).join(', ')}); default the primary design`)
    .option('--lambdas <values>', `comma-separated lambda magnitudes, chosen per seed on validation; 0 runs the unregularized arms (default ${PRESET_SIZES.default.lambdas.join(',')}; --quick ${PRESET_SIZES.quick.lambdas.join(',')})`)
    .option('--seeds <n>', `number of paired seeds; default ${PRESET_SIZES.default.seeds} (quick ${PRESET_SIZES.quick.seeds}, full ${PRESET_SIZES.full.seeds})`)
    .option('--epochs <n>', 'training epochs of every model (overrides the preset, its per-model epochs included)')
    .option('--workers <n>', 'parallel worker threads (0: in-process)', '2')
    .option('--out <dir>', 'directory for results.json, results.md and figures', 'lipkit-study-continuity')
    .option('--report', 'also write the HTML report index.html')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (flags: ContinuityFlags) => {
      const chosen = (['smoke', 'quick', 'full'] as const).filter((m) => flags[m] === true);
      if (chosen.length > 1) throw new LipkitError(`--${chosen[0]}`, `and --${chosen[1]} exclude each other`);
      const preset: StudyPreset = chosen[0] ?? 'default';
      const seed = parseIntegerFlag('--seed', flags.seed ?? '0', { min: 0, max: 2 ** 30 });
      const base = presetPlan(preset);
      const plan = presetPlan(preset, {
        tasks: flags.tasks === undefined ? undefined : list(flags.tasks),
        arms: flags.arms === undefined ? undefined : list(flags.arms),
        lambdas: flags.lambdas === undefined ? undefined : parseLambdas(flags.lambdas),
        seeds: Array.from({ length: flags.seeds === undefined ? base.seeds.length : parseIntegerFlag('--seeds', flags.seeds, { min: 2, max: 1000 }) }, (_, i) => seed + i),
        sizes: flags.epochs === undefined ? undefined : { ...base.sizes, epochs: parseIntegerFlag('--epochs', flags.epochs, { min: 1, max: 100000 }), epochsByModel: undefined },
      });
      const workers = parseIntegerFlag('--workers', flags.workers, { min: 0, max: 64 });
      checkOutputDirectory(flags.out, '--out');
      const progress = stageProgress('continuity', io, flags.progress);
      const result = await runStudy(plan, {
        workers,
        onProgress: (done, total, r) => progress.tick({ done, total, label: `${r.task} ${r.arm} λ=${r.lambda} seed ${r.seed}${r.diverged ? ' (diverged)' : ''}` }),
      }).finally(progress.stop);
      const output = continuityOutput(result.records, result.rows, { mode: preset, seed, seconds: result.seconds });
      const written = await writeStudyFiles([output], flags.out, { report: flags.report === true });
      io.stdout(claimsTable([output]));
      io.stdout(`results written to ${written.dir}${flags.report === true ? ' (open index.html)' : ''}\n`);
    });
}

/**
 * The `lipkit study` command group: `lipkit study continuity [--smoke | --quick | --full] [--seed N] [--out DIR]
 * [--report]` (the data-continuity study, `runStudy`) and one `lipkit study NAME` per study
 * of `STUDIES` (`genericStudyCommand`). Each writes results.json, results.md, figures/*.svg
 * and, with `--report`, index.html (`writeStudyFiles`, atomic). Unknown names: exit status 2.
 */
export function studyCommand(io: CliIO): Command {
  const group = new Command('study').description('reproduction studies').addCommand(continuityCommand(io));
  for (const study of STUDIES) group.addCommand(genericStudyCommand(study, io));
  return group;
}
