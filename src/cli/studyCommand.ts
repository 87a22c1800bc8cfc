import { Command } from 'commander';
import { LipkitError } from '../util/errors.js';
import { parseIntegerFlag } from './parseFlags.js';
import type { CliIO } from './runCli.js';
import { presetPlan, type StudyPreset } from '../studies/continuity/plan.js';
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
  quick?: boolean;
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
    .option('--quick', 'small sizes (2 seeds, lambda 0 and 1; under 3 minutes)')
    .option('--full', 'paper-like sizes for users with hours to spare')
    .option('--tasks <names>', `comma-separated tasks: ${TASK_FORMS}; default ${STUDY_TASKS.join(',')}`)
    .option('--arms <names>', `comma-separated arms (${STUDY_ARMS.map((a) => a.name).join(', ')}); default all`)
    .option('--lambdas <values>', 'comma-separated lambda magnitudes; 0 runs the unregularized arms (default 0,1,2,4; --quick 0,1)')
    .option('--seeds <n>', 'number of seeds (0 .. n-1); default 3 (quick 2, full 5)')
    .option('--epochs <n>', 'training epochs (overrides the preset)')
    .option('--workers <n>', 'parallel worker threads (0: in-process)', '2')
    .option('--out <dir>', 'directory for results.json, results.md and figures', 'lipkit-study-continuity')
    .option('--report', 'also write the HTML report index.html')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (flags: ContinuityFlags) => {
      if (flags.quick === true && flags.full === true) throw new LipkitError('--quick', 'and --full exclude each other');
      const preset: StudyPreset = flags.quick === true ? 'quick' : flags.full === true ? 'full' : 'default';
      const base = presetPlan(preset);
      const plan = presetPlan(preset, {
        tasks: flags.tasks === undefined ? undefined : list(flags.tasks),
        arms: flags.arms === undefined ? undefined : list(flags.arms),
        lambdas: flags.lambdas === undefined ? undefined : parseLambdas(flags.lambdas),
        seeds: flags.seeds === undefined ? undefined : Array.from({ length: parseIntegerFlag('--seeds', flags.seeds, { min: 1, max: 1000 }) }, (_, i) => i),
        sizes: flags.epochs === undefined ? undefined : { ...base.sizes, epochs: parseIntegerFlag('--epochs', flags.epochs, { min: 1, max: 100000 }) },
      });
      const workers = parseIntegerFlag('--workers', flags.workers, { min: 0, max: 64 });
      checkOutputDirectory(flags.out, '--out');
      const progress = stageProgress('continuity', io, flags.progress);
      const result = await runStudy(plan, {
        workers,
        onProgress: (done, total, r) => progress.tick({ done, total, label: `${r.task} ${r.arm} λ=${r.lambda} seed ${r.seed}${r.diverged ? ' (diverged)' : ''}` }),
      }).finally(progress.stop);
      const output = continuityOutput(result.records, result.rows, { mode: preset, seconds: result.seconds });
      const written = await writeStudyFiles([output], flags.out, { report: flags.report === true });
      io.stdout(result.markdown);
      io.stdout(claimsTable([output]));
      io.stdout(`results written to ${written.dir}${flags.report === true ? ' (open index.html)' : ''}\n`);
    });
}

/**
 * The `lipkit study` command group: `lipkit study continuity [--quick | --full] [--out DIR]
 * [--report]` (the data-continuity study, `runStudy`) and one `lipkit study NAME` per study
 * of `STUDIES` (`genericStudyCommand`). Each writes results.json, results.md, figures/*.svg
 * and, with `--report`, index.html (`writeStudyFiles`, atomic). Unknown names: exit status 2.
 */
export function studyCommand(io: CliIO): Command {
  const group = new Command('study').description('reproduction studies').addCommand(continuityCommand(io));
  for (const study of STUDIES) group.addCommand(genericStudyCommand(study, io));
  return group;
}
