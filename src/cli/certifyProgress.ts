import cliProgress from 'cli-progress';
import type { CliIO } from './runCli.js';

/** One progress report of `lipkit certify`: a stage ('layer norms', 'lower bound: directions', ...) and its units done. */
export interface CertifyProgressEvent { stage: string; done: number; total: number; label?: string }

/** The progress display of `lipkit certify`. */
export interface CertifyProgress {
  onProgress: (p: CertifyProgressEvent) => void;
  /** Ends the display: with `ok` the last stage's line is printed (non-terminal), without it nothing more is written. */
  stop: (ok: boolean) => void;
}

/**
 * Progress of `lipkit certify` on standard error, never on standard output (so `--json` stays
 * one object): on a terminal a cli-progress bar per stage (layer norms, then the lower bound's
 * stages); otherwise one line per finished stage, `lipkit certify: <stage> <done>/<total> (<s> s)`.
 */
export function certifyProgress(io: CliIO, isTerminal = process.stderr.isTTY === true): CertifyProgress {
  let stage: string | null = null;
  let last: CertifyProgressEvent | null = null;
  let started = 0;
  let bar: cliProgress.SingleBar | null = null;
  const finish = (): void => {
    if (bar) { bar.stop(); bar = null; }
    else if (!isTerminal && last) {
      io.stderr(`lipkit certify: ${last.stage} ${last.done}/${last.total} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    }
  };
  return {
    onProgress: (p) => {
      if (p.stage !== stage) {
        if (stage !== null) finish();
        stage = p.stage;
        started = performance.now();
        if (isTerminal) {
          bar = new cliProgress.SingleBar({
            format: `${p.stage.padEnd(24)} {bar} {value}/{total} | {eta_formatted} left | {last}`, etaBuffer: 16, hideCursor: true, stream: process.stderr,
          }, cliProgress.Presets.shades_classic);
          bar.start(p.total, 0, { last: '' });
        }
      }
      last = p;
      if (bar) {
        bar.setTotal(p.total);
        bar.update(p.done, { last: (p.label ?? '').slice(0, 40) });
      }
    },
    stop: (ok) => {
      if (ok) finish();
      else if (bar) { bar.stop(); bar = null; }
      stage = null;
      last = null;
    },
  };
}
