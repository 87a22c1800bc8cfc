import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { LipkitError } from '../util/errors.js';
import { parseIntegerFlag } from './parseFlags.js';
import type { CliIO } from './runCli.js';
import { presetPlan, type StudyPreset } from '../studies/continuity/plan.js';
import { runStudy } from '../studies/continuity/runStudy.js';
import { STUDY_ARMS } from '../studies/continuity/spec.js';
import { STUDY_TASKS, TASK_FORMS } from '../studies/continuity/tasks.js';
import type { RunRecord } from '../studies/continuity/runOne.js';

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

function progressLine(done: number, total: number, r: RunRecord): string {
  const metric = r.metrics.validation === null ? 'NaN' : r.metrics.validation.toPrecision(4);
  return `[${done}/${total}] ${r.task} ${r.arm} lambda=${r.lambda} seed=${r.seed}: ${r.metric} ${metric}${r.diverged ? ' (diverged)' : ''} (${r.seconds.toFixed(1)} s)\n`;
}

function continuityCommand(io: CliIO): Command {
  return new Command('continuity')
    .description('the "Data Continuity Matters" study: SSM / Transformer arms with the Lipschitz regularizer on the embedding output')
    .option('--quick', 'tiny sizes (a smoke run, about a minute)')
    .option('--full', 'paper-like sizes for users with hours to spare')
    .option('--tasks <names>', `comma-separated tasks: ${TASK_FORMS}; default ${STUDY_TASKS.join(',')}`)
    .option('--arms <names>', `comma-separated arms (${STUDY_ARMS.map((a) => a.name).join(', ')}); default all`)
    .option('--lambdas <values>', 'comma-separated lambda magnitudes; 0 runs the unregularized arms (default 0,1,2,4; --quick 0,1)')
    .option('--seeds <n>', 'number of seeds (0 .. n-1); default 3 (quick 2, full 5)')
    .option('--epochs <n>', 'training epochs (overrides the preset)')
    .option('--workers <n>', 'parallel worker threads (0: in-process)', '2')
    .option('--out <dir>', 'directory for results.json and results.md', 'lipkit-study-continuity')
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
      if (flags.out.trim() === '') throw new LipkitError('--out', 'must be a directory path');
      const bar = flags.progress && process.stderr.isTTY === true
        ? new cliProgress.SingleBar({ format: 'continuity {bar} {value}/{total} runs | {eta_formatted} left | {last}', etaBuffer: 8 }, cliProgress.Presets.shades_classic)
        : null;
      let started = false;
      const result = await runStudy(plan, {
        workers,
        out: flags.out,
        onProgress: (done, total, r) => {
          if (bar !== null) {
            if (!started) { bar.start(total, 0, { last: '' }); started = true; }
            bar.update(done, { last: `${r.task} ${r.arm} ${r.lambda}` });
          } else if (flags.progress) io.stderr(progressLine(done, total, r));
        },
      }).finally(() => { if (started) bar?.stop(); });
      io.stdout(result.markdown);
      io.stdout(`results written to ${flags.out}/results.json and ${flags.out}/results.md\n`);
    });
}

/**
 * The `lipkit study` command group; `lipkit study continuity [--quick | --full] [--out DIR]`
 * runs the data-continuity study (`runStudy`) and writes results.json and results.md.
 */
export function studyCommand(io: CliIO): Command {
  return new Command('study')
    .description('reproduction studies')
    .addCommand(continuityCommand(io));
}
