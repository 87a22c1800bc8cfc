import { Command } from 'commander';
import { setBackend } from '../backend/setBackend.js';
import { LipkitError } from '../util/errors.js';
import { STUDY_MODES, type StudyDefinition, type StudyMode } from '../studies/study.js';
import { checkOutputDirectory } from '../report/checkOutputDirectory.js';
import { writeStudyFiles } from '../report/writeStudyFiles.js';
import { parseIntegerFlag } from './parseFlags.js';
import { stageProgress } from './studyProgress.js';
import { claimsTable } from './claimsTable.js';
import type { CliIO } from './runCli.js';

/** The size flags every study command shares: `--smoke`, `--quick`, `--full` (default: the 'default' mode). */
export interface ModeFlags {
  smoke?: boolean;
  quick?: boolean;
  full?: boolean;
}

/** The mode chosen by the size flags (LipkitError naming the first of two conflicting flags). */
export function modeFromFlags(flags: ModeFlags): StudyMode {
  const chosen = STUDY_MODES.filter((m) => m !== 'default' && flags[m as keyof ModeFlags] === true);
  if (chosen.length > 1) throw new LipkitError(`--${chosen[0]}`, `and --${chosen[1]} exclude each other`);
  return chosen[0] ?? 'default';
}

interface GenericFlags extends ModeFlags {
  seed: string;
  out?: string;
  report?: boolean;
  progress: boolean;
}

/**
 * `lipkit study NAME [--smoke | --quick | --full] [--seed N] [--out DIR] [--report]`: runs a
 * `StudyDefinition`, writes results.json, results.md and figures/*.svg (and index.html with
 * `--report`) atomically to DIR (default `lipkit-study-NAME`, checked before the study runs),
 * and prints the study's claims with their verdicts.
 */
export function genericStudyCommand(study: StudyDefinition, io: CliIO): Command {
  return new Command(study.name)
    .description(study.description)
    .option('--smoke', 'seconds: a check that the pipeline runs')
    .option('--quick', 'the primary claims at small sizes (8 paired seeds in most studies; 1-5 minutes)')
    .option('--full', 'larger sizes and more seeds, for users with time')
    .option('--seed <n>', 'base seed', '0')
    .option('--out <dir>', `output directory (default lipkit-study-${study.name})`)
    .option('--report', 'also write the HTML report index.html')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (flags: GenericFlags) => {
      const mode = modeFromFlags(flags);
      const seed = parseIntegerFlag('--seed', flags.seed, { min: 0, max: 1e6 });
      const out = flags.out ?? `lipkit-study-${study.name}`;
      checkOutputDirectory(out, '--out');
      await setBackend();
      const progress = stageProgress(study.name, io, flags.progress);
      const output = await study.run({ mode, seed, onProgress: progress.tick }).finally(progress.stop);
      const written = await writeStudyFiles([output], out, { report: flags.report === true });
      io.stdout(`${output.title} (${mode}, ${output.seconds.toFixed(1)} s)\n${output.summary}\n`);
      io.stdout(claimsTable([output]));
      io.stdout(`results written to ${written.dir}${flags.report === true ? ' (open index.html)' : ''}\n`);
    });
}
