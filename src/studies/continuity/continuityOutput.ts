import type { StudyClaim, StudyFigure, StudyMode, StudyOutput, StudyTable, VegaLiteSpec } from '../study.js';
import { armDefinition, type RunSizes } from './spec.js';
import type { RunRecord } from './runOne.js';
import { meanStd, pm, rowCells, type SummaryRow } from './summarize.js';
import { selectByValidation, type SelectedRun } from './selectLambda.js';
import { continuityClaims } from './continuityClaims.js';

const PROXY = /^(weather|daily|co2)-/;
const taskTitle = (task: string): string => (PROXY.test(task) ? `${task} (vega-datasets series: a PROXY for the paper's ETT/Weather data)` : task);

function tables(rows: readonly SummaryRow[], selected: readonly SelectedRun[]): StudyTable[] {
  const perTask = [...new Set(rows.map((r) => r.task))].map((task) => {
    const rs = rows.filter((r) => r.task === task);
    return { title: `${taskTitle(task)}: every (arm, λ), mean ± sd over seeds`, columns: rowCells(rs[0]).columns, rows: rs.map((r) => rowCells(r).cells) };
  });
  const cells = [...new Set(selected.map((s) => JSON.stringify([s.task, s.arm])))].map((k) => JSON.parse(k) as [string, string]);
  const chosen: StudyTable = {
    title: 'λ chosen per seed on the validation split, scored on the test split (the numbers the claims use)',
    columns: ['task', 'arm', 'λ chosen (× seeds)', 'test metric', 'continuity C(e)', 'seeds', 'seeds with every λ diverged'],
    rows: cells.map(([task, arm]) => {
      const ss = selected.filter((s) => s.task === task && s.arm === arm);
      const ok = ss.filter((s) => s.record !== null);
      const counts = new Map<number, number>();
      for (const s of ok) counts.set(s.lambda, (counts.get(s.lambda) ?? 0) + 1);
      return [task, arm, [...counts].sort((a, b) => Math.abs(a[0]) - Math.abs(b[0])).map(([l, c]) => `${l} ×${c}`).join(', '),
        pm(meanStd(ok.map((s) => s.record?.test.metric).filter((v): v is number => typeof v === 'number'))),
        pm(meanStd(ok.map((s) => s.record?.test.continuity).filter((v): v is number => typeof v === 'number'))),
        ss.length, ss.length - ok.length];
    }),
  };
  return [chosen, ...perTask];
}

/** Mean over seeds of a per-epoch curve, per (task, arm, lambda). */
function curveRows(records: readonly RunRecord[], key: 'lf' | 'loss', keep: (r: RunRecord) => boolean): Record<string, unknown>[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records.filter(keep)) {
    const k = JSON.stringify([r.task, r.arm, r.lambda]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].flatMap((rs) => {
    const epochs = Math.max(...rs.map((r) => r.curves[key].length));
    return Array.from({ length: epochs }, (_, e) => {
      const v = meanStd(rs.map((r) => r.curves[key][e]).filter((x): x is number => x !== null && x !== undefined));
      return v.n === 0 ? null : { task: rs[0].task, series: `${rs[0].arm} λ=${rs[0].lambda}`, epoch: e + 1, value: v.mean };
    }).filter((x) => x !== null);
  });
}

function figures(rows: readonly SummaryRow[], records: readonly RunRecord[]): StudyFigure[] {
  const facet = { field: 'task', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } };
  const perLambda = rows.map((r) => {
    const s = r.test;
    return { task: r.task, arm: r.arm, lambda: r.lambda, mean: s.mean, lo: s.mean - s.std, hi: s.mean + s.std, continuity: r.continuity.mean, metric: `test ${r.metric}` };
  }).filter((d) => Number.isFinite(d.mean));
  const maxAbs = Math.max(0, ...rows.map((r) => Math.abs(r.lambda)));
  const extreme = (r: RunRecord): boolean => r.lambda === 0 || Math.abs(r.lambda) === maxAbs;
  const armColor = { field: 'arm', type: 'nominal', title: 'arm' };
  const curve = (key: 'lf' | 'loss', title: string): VegaLiteSpec => ({
    data: { values: curveRows(records, key, extreme) },
    facet: { ...facet, columns: 3 },
    resolve: { scale: { y: 'independent' } },
    spec: { width: 220, height: 150, mark: { type: 'line', point: true }, encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } }, y: { field: 'value', type: 'quantitative', title, scale: { zero: false } }, color: { field: 'series', type: 'nominal', title: 'arm, λ' } } },
  });
  return [
    {
      id: 'metric-vs-lambda', title: 'Task metric against the signed regularizer weight',
      caption: 'Mean ± sd over seeds of each arm\'s test score at each signed λ (descriptive: the claims use the λ chosen on validation per seed); λ = 0 are the unregularized arms. The paper predicts gains for SSM+Emb+Lip at λ > 0 and for Transformer+Lip at λ < 0.',
      spec: {
        data: { values: perLambda }, facet: { ...facet, columns: 3 }, resolve: { scale: { y: 'independent' } },
        spec: {
          width: 220, height: 150,
          layer: [
            { mark: { type: 'errorbar' }, encoding: { x: { field: 'lambda', type: 'quantitative', title: 'signed λ' }, y: { field: 'lo', type: 'quantitative', title: 'score', scale: { zero: false } }, y2: { field: 'hi' }, color: armColor } },
            { mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' }, color: armColor } },
          ],
        },
      },
    },
    {
      id: 'continuity-vs-lambda', title: 'Scale-free continuity of the embedding output against λ',
      caption: 'C(e) = mean squared step / variance over time of the embedding output on test data (lipReg with normalize \'variance\'; about 2 for white noise, near 0 for smooth sequences), mean over seeds, log scale: +λ should lower it, −λ raise it. Unlike raw L_Lip it cannot move by rescaling.',
      spec: {
        data: { values: perLambda.filter((d) => d.continuity > 0) }, facet: { ...facet, columns: 3 }, resolve: { scale: { y: 'independent' } },
        spec: { width: 220, height: 150, mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative', title: 'signed λ' }, y: { field: 'continuity', type: 'quantitative', title: 'C(e)', scale: { type: 'log' } }, color: armColor } },
      },
    },
    { id: 'lf-curves', title: 'Discrete Lipschitz constant L_f of the embedding output during training', caption: `L_f(e) = max_k ||e_{k+1} − e_k|| averaged over validation sequences, per epoch (mean over seeds), for λ = 0 and |λ| = ${maxAbs}.`, spec: curve('lf', 'L_f(e)') },
    { id: 'loss-curves', title: 'Training objective during training', caption: `Task loss + λ·L_Lip per epoch (mean over seeds), for λ = 0 and |λ| = ${maxAbs}; with λ < 0 the objective can go below the task loss.`, spec: curve('loss', 'training objective') },
  ];
}

/** "N epochs", or the epochs (and Adam steps) per model when the sizes set `epochsByModel`. */
function epochsText(sizes: RunSizes): string {
  const byModel = sizes.epochsByModel;
  if (byModel === undefined || Object.keys(byModel).length === 0) return `${sizes.epochs} epochs`;
  const perEpoch = Math.ceil(sizes.train / sizes.batchSize);
  const part = (label: string, e: number): string => `${e} epochs (${e * perEpoch} Adam steps) for ${label}`;
  return `${part('S4', byModel.s4d ?? sizes.epochs)}, ${part('the Transformer', byModel.transformer ?? sizes.epochs)}`;
}

/**
 * The continuity study's results as a `StudyOutput` (for `--report` and `lipkit demo`): the
 * claims of "Data Continuity Matters" (`continuityClaims` on the runs chosen per seed on
 * validation: the pre-registered primaries P1-P4 with Holm, the wrong-sign controls and the
 * exploratory comparisons), the table of chosen λ with their test scores, one descriptive table
 * per task, and figures (test score vs λ, scale-free continuity vs λ, L_f and loss curves).
 * Forecasting tasks are labelled as proxies for the paper's data.
 */
export function continuityOutput(records: readonly RunRecord[], rows: readonly SummaryRow[], { mode, seed = 0, seconds }: { mode: StudyMode; seed?: number; seconds: number }): StudyOutput {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const arms = [...new Set(rows.map((r) => r.arm))].filter((a) => armDefinition(a).sign !== 0);
  const selected = selectByValidation(records);
  const claims: StudyClaim[] = continuityClaims(selected);
  const sizes = records[0]?.sizes;
  const seeds = new Set(records.map((r) => r.seed)).size;
  return {
    study: 'continuity', title: 'Data continuity: state space models and Transformers with the Lipschitz Regularizer', mode, seed, seconds,
    summary: `${records.length} training runs (${tasks.map(taskTitle).join(', ')}; arms ${[...new Set(rows.map((r) => r.arm))].join(', ')}; ${seeds} paired seeds: the same seed gives every arm the same data and initialization). `
      + `Regularized arms (${arms.join(', ')}) train on loss ± λ·L_Lip(e) of the embedding output e in the authors' released form (min-max normalized, Qu et al., ICLR 2023); continuity is reported scale-free. `
      + `λ is chosen per seed on the validation split and scored on the test split. `
      + (sizes === undefined ? '' : `Sizes: ${sizes.train} training sequences of length ${sizes.length}, conv embedding kernel ${sizes.kernelSize ?? 3}, width ${sizes.width}, ${sizes.depth} block(s), ${epochsText(sizes)} of batch ${sizes.batchSize} (Adam, learning rate ${sizes.learningRate}), Transformer positions ${sizes.positional ?? 'none on the Figure 1 tasks (pointwise maps), sinusoidal elsewhere'}. `)
      + 'Primary claims are pre-registered and Holm-adjusted; everything else is exploratory.',
    claims, tables: tables(rows, selected), figures: figures(rows, records), records: [...records],
  };
}
