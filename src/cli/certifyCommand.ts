import { Command } from 'commander';
import Table from 'cli-table3';
import { certify, type CertifyReport } from './certify.js';
import { parseIntegerFlag, parseShapeFlag } from './parseFlags.js';
import type { CliIO } from './runCli.js';
import { formatLocalReport } from './certifyLocal.js';
import { LipkitError } from '../util/errors.js';
import { BOUND_METHODS, type BoundMethod } from '../estimate/global/boundMethods.js';
import { certifyProgress } from './certifyProgress.js';
import { looseBoundLines } from './certifyHeadline.js';

interface CertifyFlags {
  json?: boolean;
  data?: string;
  inputShape?: string;
  samples: string;
  steps: string;
  seed: string;
  skipUnsupported?: boolean;
  lowerBound: boolean;
  localRadius?: string;
  localRelaxation: string;
  budget?: string;
  method: string;
}

/**
 * The `lipkit certify <model.json>` command: prints a per-layer table and the certified upper
 * bound, the empirical lower bound and their gap (or, with `--json`, one JSON object).
 */
export function certifyCommand(io: CliIO): Command {
  return new Command('certify')
    .description('certified upper bound (and empirical lower bound) of the l2 Lipschitz constant of a TF.js Layers model')
    .argument('<model>', 'path to a TF.js Layers model.json (weights next to it)')
    .option('--json', 'print one JSON object instead of a table')
    .option('--data <file>', 'JSON file with input examples for the lower bound: an array, or { "inputs": [...] }')
    .option('--input-shape <dims>', 'input shape without batch axis, e.g. 28,28,1 (overrides the model\'s)')
    .option('--samples <n>', 'random normal inputs for the lower bound when no --data is given', '16')
    .option('--steps <n>', 'difference-quotient ascent steps of the lower bound', '20')
    .option('--seed <n>', 'seed of the random inputs and of the ascent', '0')
    .option('--skip-unsupported', 'count layers without a certified bound as 1 (result NOT certified)')
    .option('--no-lower-bound', 'skip the empirical lower bound')
    .option('--local-radius <r>', 'certified local bounds and radii around the --data inputs on l2 balls of radius r (labels in the data file give certified robust accuracy)')
    .option('--local-relaxation <kind>', 'pre-activation bounds of --local-radius: linear (CROWN-style) or interval (faster)', 'linear')
    .option('--budget <seconds>', 'time budget of the empirical lower bound in seconds (default: the library\'s, sized for a 224x224 MobileNetV2)')
    .option('--method <m>', `global upper-bound method: ${BOUND_METHODS.join(', ')} (auto: every method that fits in a few seconds; the smallest certified bound wins)`, 'auto')
    .action(async (modelPath: string, flags: CertifyFlags) => {
      if (!(BOUND_METHODS as readonly string[]).includes(flags.method)) throw new LipkitError('--method', `must be one of ${BOUND_METHODS.join(', ')}, got "${flags.method}"`);
      const budgetSeconds = parseBudget(flags.budget);
      const progress = certifyProgress(io);
      let ok = false;
      const report = await certify(modelPath, {
        budgetSeconds,
        onProgress: progress.onProgress,
        inputShape: flags.inputShape === undefined ? undefined : parseShapeFlag('--input-shape', flags.inputShape),
        data: flags.data,
        samples: parseIntegerFlag('--samples', flags.samples, { min: 1, max: 4096 }),
        steps: parseIntegerFlag('--steps', flags.steps, { min: 0, max: 10000 }),
        seed: parseIntegerFlag('--seed', flags.seed, { min: 0, max: 2 ** 31 - 1 }),
        skipUnsupported: flags.skipUnsupported === true,
        lowerBound: flags.lowerBound,
        method: flags.method as BoundMethod,
        ...parseLocalFlags(flags),
      }).then((r) => { ok = true; return r; }).finally(() => progress.stop(ok));
      if (!report.certified) {
        io.stderr(`lipkit: warning: the upper bound of ${modelPath} is NOT certified (${reasonNotCertified(report)})\n`);
      }
      io.stdout(flags.json ? `${JSON.stringify(report)}\n` : formatCertifyReport(report));
    });
}

/** `--budget`: seconds, a finite number > 0 (undefined: the library default). */
function parseBudget(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const b = Number(value);
  if (value.trim() === '' || !Number.isFinite(b) || b <= 0 || b > 1e6) throw new LipkitError('--budget', `must be a number of seconds > 0, got "${value}"`);
  return b;
}

/** `--local-radius` (a finite number >= 0) and `--local-relaxation`. */
function parseLocalFlags(flags: CertifyFlags): { localRadius?: number; localRelaxation?: 'linear' | 'interval' } {
  if (flags.localRelaxation !== 'linear' && flags.localRelaxation !== 'interval') {
    throw new LipkitError('--local-relaxation', `must be linear or interval, got "${flags.localRelaxation}"`);
  }
  if (flags.localRadius === undefined) return {};
  const r = Number(flags.localRadius);
  if (flags.localRadius.trim() === '' || !Number.isFinite(r) || r < 0) {
    throw new LipkitError('--local-radius', `must be a finite number >= 0, got "${flags.localRadius}"`);
  }
  return { localRadius: r, localRelaxation: flags.localRelaxation };
}

function reasonNotCertified(report: CertifyReport): string {
  if (report.soundness === 'SOUNDNESS FAILURE') return 'SOUNDNESS FAILURE: a realized difference quotient exceeds it beyond float32 rounding; see notes';
  const skipped = report.layers.filter((l) => l.lipschitz === null).map((l) => l.name);
  return skipped.length > 0 ? `layers skipped: ${skipped.join(', ')}` : 'see notes';
}

function fmt(x: number | null): string {
  return x === null ? '-' : Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

/** The human-readable report of `lipkit certify`: per-layer table, bounds, gap, notes. */
export function formatCertifyReport(report: CertifyReport): string {
  const table = new Table({
    head: ['layer', 'class', 'Lipschitz', 'method'],
    colWidths: [null, null, null, 60],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const l of report.layers) table.push([l.name, l.className, fmt(l.lipschitz), l.method]);
  const lines = [
    `model: ${report.model} (backend ${report.backend})`,
    table.toString(),
    `upper bound: ${fmt(report.upperBound)} (${report.certified ? 'certified' : 'NOT certified'})`,
    ...(report.bounds ? [`bounds by method: ${Object.entries(report.bounds).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (smallest: ${report.method})`] : []),
    `lower bound: ${report.lowerBound === null ? 'not computed' : `${fmt(report.lowerBound)} (empirical)`}`,
  ];
  if (report.lowerBound !== null && report.lowerBound > 0) {
    lines.push(`gap: upper / lower = ${fmt(report.upperBound / report.lowerBound)}`);
  }
  lines.push(...looseBoundLines(report));
  if (report.notes.length > 0) lines.push('notes:', ...report.notes.map((n) => `  - ${n}`));
  if (report.local) lines.push(...formatLocalReport(report.local));
  lines.push(`time: ${report.seconds.toFixed(2)} s`);
  return `${lines.join('\n')}\n`;
}
