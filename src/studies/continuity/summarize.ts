import { armDefinition } from './spec.js';
import type { RunRecord } from './runOne.js';

/** Mean and sample standard deviation (n - 1; 0 for one value; NaN for none). */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

/** One row of the study table: a (task, arm, lambda) cell over seeds. */
export interface SummaryRow {
  task: string;
  arm: string;
  lambda: number;
  metric: string;
  higherIsBetter: boolean;
  runs: number;
  diverged: number;
  /** Over the non-diverged runs. */
  validation: { mean: number; std: number; n: number };
  lipReg: { mean: number; std: number; n: number };
  lf: { mean: number; std: number; n: number };
  /** Forecasting tasks: test-window MSE and MAE after training (the numbers Informer-style tables report). */
  test?: { mse: { mean: number; std: number; n: number }; mae: { mean: number; std: number; n: number } };
  /** For regularized arms: the paper's expected direction against the baseline arm of the same task. */
  direction?: { baseline: string; expectBetter: boolean; improvement: number; sds: number; held: boolean | null };
}

const finite = (rs: RunRecord[], f: (r: RunRecord) => number | null): number[] =>
  rs.filter((r) => !r.diverged).map(f).filter((v): v is number => v !== null && Number.isFinite(v));

/** The number the paper's direction is judged on: test MSE for forecasting (Informer protocol), else the validation metric. */
function scored(row: SummaryRow): { mean: number; std: number; n: number } {
  return row.test?.mse ?? row.validation;
}

/**
 * Groups records by (task, arm, lambda) in first-seen order and summarizes the final validation
 * metric, L_Lip and L_f over seeds (diverged runs counted, excluded from the means). For a
 * regularized arm it compares with its baseline arm of the same task, on the validation metric
 * (test MSE for forecasting tasks, whose rows also carry test MSE and MAE):
 *   improvement = (mean_arm - mean_base), sign-flipped when lower is better (so > 0 = better);
 *   sds = improvement / sqrt((s_arm^2 + s_base^2) / 2)   (pooled standard deviations, Cohen's d);
 *   (NaN when a side has fewer than 2 finite runs); held = (improvement > 0) === expectBetter,
 *   null when a side has no finite run.
 */
export function summarize(records: readonly RunRecord[]): SummaryRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = JSON.stringify([r.task, r.arm, r.lambda]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]); else g.push(r);
  }
  const rows: SummaryRow[] = [];
  for (const rs of groups.values()) {
    const r0 = rs[0];
    rows.push({
      task: r0.task, arm: r0.arm, lambda: r0.lambda, metric: r0.metric, higherIsBetter: r0.higherIsBetter,
      runs: rs.length, diverged: rs.filter((r) => r.diverged).length,
      validation: meanStd(finite(rs, (r) => r.metrics.validation)),
      lipReg: meanStd(finite(rs, (r) => r.metrics.lipReg)),
      lf: meanStd(finite(rs, (r) => r.metrics.lf)),
      ...(r0.test == null ? {} : { test: { mse: meanStd(finite(rs, (r) => r.test?.mse ?? null)), mae: meanStd(finite(rs, (r) => r.test?.mae ?? null)) } }),
    });
  }
  for (const row of rows) {
    const arm = armDefinition(row.arm);
    if (arm.baseline === undefined || arm.expectBetter === undefined) continue;
    const base = rows.find((r) => r.task === row.task && r.arm === arm.baseline);
    if (base === undefined) continue;
    const [a, b] = [scored(row), scored(base)];
    const diff = a.mean - b.mean;
    const improvement = row.higherIsBetter ? diff : -diff;
    const pooled = Math.sqrt((a.std ** 2 + b.std ** 2) / 2);
    // One seed on a side: no spread, so no number of standard deviations (NaN), only the sign.
    const single = a.n < 2 || b.n < 2;
    const sds = single ? NaN : pooled > 0 ? improvement / pooled : improvement === 0 ? 0 : Math.sign(improvement) * Infinity;
    const held = Number.isNaN(improvement) ? null : (improvement > 0) === arm.expectBetter;
    row.direction = { baseline: base.arm, expectBetter: arm.expectBetter, improvement, sds, held };
  }
  return rows;
}

function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : Number.isNaN(x) ? '-' : String(x);
}

function pm(s: { mean: number; std: number; n: number }): string {
  return s.n === 0 ? '-' : `${fmt(s.mean)} ± ${fmt(s.std, 2)}`;
}

/** The direction cell: "held (+1.3 sd)", "did not hold (-0.4 sd)", "n/a" or "" (no claim). */
export function directionCell(row: SummaryRow): string {
  const d = row.direction;
  if (d === undefined) return '';
  if (d.held === null) return 'n/a';
  const sds = Number.isNaN(d.sds) ? 'one seed, no sd' : `${d.sds >= 0 ? '+' : ''}${fmt(d.sds, 2)} sd`;
  return `${d.held ? 'held' : 'did not hold'} (${sds} vs ${d.baseline})`;
}

/**
 * The study table in the paper's layout: one section per task, one row per arm and lambda,
 * validation metric (forecasting: also test MSE and MAE) / L_Lip / L_f as mean ± std over seeds, diverged runs, and whether the
 * paper's direction held (regularized arms: better than the baseline for the right sign,
 * not better for the wrong-sign controls; "+d sd" = how many pooled standard deviations better).
 */
export function formatMarkdown(rows: readonly SummaryRow[], title = 'Continuity study'): string {
  const lines = [`# ${title}`, ''];
  const tasks = [...new Set(rows.map((r) => r.task))];
  for (const task of tasks) {
    const rs = rows.filter((r) => r.task === task);
    const metric = `${rs[0].metric} (${rs[0].higherIsBetter ? 'higher' : 'lower'} is better)`;
    const forecast = rs[0].test !== undefined;
    const head = forecast ? `validation ${rs[0].metric} | test MSE (lower is better) | test MAE` : metric;
    lines.push(`## ${task}`, '', `| arm | lambda | ${head} | L_Lip(emb) | L_f(emb) | runs | diverged | paper's direction |`, `|---|---:|${forecast ? '---|---|---|' : '---|'}---|---|---:|---:|---|`);
    for (const r of rs) {
      const scores = r.test === undefined ? pm(r.validation) : `${pm(r.validation)} | ${pm(r.test.mse)} | ${pm(r.test.mae)}`;
      lines.push(`| ${r.arm} | ${r.lambda} | ${scores} | ${pm(r.lipReg)} | ${pm(r.lf)} | ${r.runs} | ${r.diverged} | ${directionCell(r)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
