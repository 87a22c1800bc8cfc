import type { RunRecord } from './runOne.js';

/** Mean and sample standard deviation (n - 1; 0 for one value; NaN for none). */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

type Stat = { mean: number; std: number; n: number };

/** One row of the study table: a (task, arm, lambda) cell over seeds (descriptive only: verdicts come from `continuityClaims`). */
export interface SummaryRow {
  task: string;
  arm: string;
  lambda: number;
  metric: string;
  higherIsBetter: boolean;
  runs: number;
  diverged: number;
  /** Over the non-diverged runs: final validation metric. */
  validation: Stat;
  /** Test metric (the held-out split; forecasting: every test window) and, for regression, MAE. */
  test: Stat;
  testMae: Stat;
  /** L_Lip(e) in the training form (authors' min-max) on validation data. */
  lipReg: Stat;
  /** Scale-free continuity of e on the test split (`normalize: 'variance'`; lower = more continuous). */
  continuity: Stat;
  /** L_f(e) = max_k ||e_{k+1} - e_k|| on validation data. */
  lf: Stat;
}

const finite = (rs: RunRecord[], f: (r: RunRecord) => number | null): number[] =>
  rs.filter((r) => !r.diverged).map(f).filter((v): v is number => v !== null && Number.isFinite(v));

/**
 * Groups records by (task, arm, lambda) in first-seen order and describes each cell over seeds:
 * final validation metric, test metric (and MAE), L_Lip (training form), scale-free continuity
 * and L_f, diverged runs counted and excluded from the means. Descriptive only: no per-cell
 * verdicts (lambda is chosen on validation and claims are judged with paired seeds in
 * `selectByValidation` / `continuityClaims`).
 */
export function summarize(records: readonly RunRecord[]): SummaryRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = JSON.stringify([r.task, r.arm, r.lambda]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]); else g.push(r);
  }
  return [...groups.values()].map((rs) => {
    const r0 = rs[0];
    return {
      task: r0.task, arm: r0.arm, lambda: r0.lambda, metric: r0.metric, higherIsBetter: r0.higherIsBetter,
      runs: rs.length, diverged: rs.filter((r) => r.diverged).length,
      validation: meanStd(finite(rs, (r) => r.metrics.validation)),
      test: meanStd(finite(rs, (r) => r.test.metric)),
      testMae: meanStd(finite(rs, (r) => r.test.mae)),
      lipReg: meanStd(finite(rs, (r) => r.metrics.lipReg)),
      continuity: meanStd(finite(rs, (r) => r.test.continuity)),
      lf: meanStd(finite(rs, (r) => r.metrics.lf)),
    };
  });
}

function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : Number.isNaN(x) ? '-' : String(x);
}

/** `mean ± sd` (or '-' without values). */
export function pm(s: Stat): string {
  return s.n === 0 ? '-' : `${fmt(s.mean)} ± ${fmt(s.std, 2)}`;
}

/** Column headers and cells of one summary row, shared by results.md and the report tables. */
export function rowCells(r: SummaryRow): { columns: string[]; cells: (string | number)[] } {
  const regression = !r.higherIsBetter;
  return {
    columns: ['arm', 'lambda', `validation ${r.metric}`, `test ${r.metric} (${r.higherIsBetter ? 'higher' : 'lower'} is better)`, ...(regression ? ['test MAE'] : []), 'L_Lip(e) (min-max, trained)', 'continuity C(e) (scale-free)', 'L_f(e)', 'runs', 'diverged'],
    cells: [r.arm, r.lambda, pm(r.validation), pm(r.test), ...(regression ? [pm(r.testMae)] : []), pm(r.lipReg), pm(r.continuity), pm(r.lf), r.runs, r.diverged],
  };
}

/** The descriptive tables as markdown: one section per task, one row per (arm, lambda), mean ± sd over seeds. */
export function formatMarkdown(rows: readonly SummaryRow[], title = 'Continuity study'): string {
  const lines = [`# ${title}`, ''];
  for (const task of [...new Set(rows.map((r) => r.task))]) {
    const rs = rows.filter((r) => r.task === task);
    const { columns } = rowCells(rs[0]);
    lines.push(`## ${task}`, '', `| ${columns.join(' | ')} |`, `|${columns.map((_, j) => (j === 0 ? '---' : '---:')).join('|')}|`);
    for (const r of rs) lines.push(`| ${rowCells(r).cells.join(' | ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}
