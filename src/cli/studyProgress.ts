import cliProgress from 'cli-progress';
import type { StudyProgress } from '../studies/study.js';
import type { CliIO } from './runCli.js';

/** A progress reporter for one stage: a bar on a terminal, one line per tick otherwise, nothing with `enabled: false`. */
export interface StageProgress {
  tick: (p: StudyProgress) => void;
  stop: () => void;
}

/**
 * A cli-progress bar named `stage` on standard error when it is a terminal; otherwise (pipes,
 * CI logs, tests) one line per finished unit `[done/total] stage: label`.
 */
export function stageProgress(stage: string, io: CliIO, enabled: boolean): StageProgress {
  if (!enabled) return { tick: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY !== true) {
    return { tick: (p) => io.stderr(`[${p.done}/${p.total}] ${stage}: ${p.label}\n`), stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar({ format: `${stage.padEnd(18)} {bar} {value}/{total} | {eta_formatted} left | {last}`, etaBuffer: 8, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    tick: (p) => {
      if (!started) { bar.start(p.total, 0, { last: '' }); started = true; }
      bar.setTotal(p.total);
      bar.update(p.done, { last: p.label.slice(0, 48) });
    },
    stop: () => { if (started) bar.stop(); },
  };
}
