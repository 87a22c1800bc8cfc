import type { StudyClaim, StudyFigure, StudyMode, StudyOutput, StudyTable, VegaLiteSpec } from '../study.js';
import { armDefinition } from './spec.js';
import type { RunRecord } from './runOne.js';
import { directionCell, meanStd, type SummaryRow } from './summarize.js';

const fmt = (x: number, d = 4): string => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : 'n/a');
const pm = (s: { mean: number; std: number; n: number }): string => (s.n === 0 ? 'n/a' : `${fmt(s.mean)} ± ${fmt(s.std, 2)}`);
/** The number a row is judged on (test MSE for forecasting, else the validation metric). */
const score = (r: SummaryRow): { mean: number; std: number; n: number } => r.test?.mse ?? r.validation;

function tables(rows: readonly SummaryRow[]): StudyTable[] {
  return [...new Set(rows.map((r) => r.task))].map((task) => {
    const rs = rows.filter((r) => r.task === task);
    const forecast = rs[0].test !== undefined;
    const metric = `${rs[0].metric} (${rs[0].higherIsBetter ? 'higher' : 'lower'} is better)`;
    return {
      title: task,
      columns: ['arm', 'lambda', forecast ? `validation ${rs[0].metric}` : metric, ...(forecast ? ['test MSE (lower is better)', 'test MAE'] : []), 'L_Lip(emb)', 'L_f(emb)', 'runs', 'diverged', "paper's direction"],
      rows: rs.map((r) => [r.arm, r.lambda, pm(r.validation), ...(r.test === undefined ? [] : [pm(r.test.mse), pm(r.test.mae)]), pm(r.lipReg), pm(r.lf), r.runs, r.diverged, directionCell(r)]),
    };
  });
}

/** Held / total over the rows of the given arms that carry a direction; held when more than half held. */
function directionClaim(rows: readonly SummaryRow[], arm: string, claim: string): StudyClaim | null {
  const rs = rows.filter((r) => r.arm === arm && r.direction !== undefined && r.direction.held !== null);
  if (rs.length === 0) return null;
  const held = rs.filter((r) => r.direction?.held === true).length;
  const strong = rs.filter((r) => r.direction?.held === true && Math.abs(r.direction.sds) >= 1).length;
  const cells = rs.map((r) => `${r.task} λ=${r.lambda}: ${directionCell(r)}`).join('; ');
  return { claim, held: held * 2 > rs.length ? true : held * 2 < rs.length ? false : null, evidence: `${held} of ${rs.length} (task, λ) cells in the paper's direction, ${strong} by at least 1 pooled sd. ${cells}` };
}

/** The mechanism: the regularizer moves L_Lip(e) the intended way (lower with +λ, higher with -λ), per task at the largest |λ|. */
function mechanismClaim(rows: readonly SummaryRow[], arm: string, baseline: string, lower: boolean, claim: string): StudyClaim | null {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const pairs = tasks.flatMap((task) => {
    const base = rows.find((r) => r.task === task && r.arm === baseline);
    const regs = rows.filter((r) => r.task === task && r.arm === arm);
    if (base === undefined || regs.length === 0) return [];
    const reg = regs.reduce((a, b) => (Math.abs(b.lambda) > Math.abs(a.lambda) ? b : a));
    return [{ task, lambda: reg.lambda, base: base.lipReg.mean, reg: reg.lipReg.mean }];
  });
  if (pairs.length === 0) return null;
  const ok = pairs.filter((p) => (lower ? p.reg < p.base : p.reg > p.base)).length;
  return { claim, held: ok === pairs.length ? true : ok === 0 ? false : ok * 2 > pairs.length, evidence: `${ok} of ${pairs.length} tasks: ${pairs.map((p) => `${p.task} ${fmt(p.base)} → ${fmt(p.reg)} (λ=${p.lambda})`).join('; ')}` };
}

/** Figure 1 of the paper: the SSM's error relative to the Transformer's is smaller on continuous (high) than on discrete (low) inputs. */
function figure1Claim(rows: readonly SummaryRow[]): StudyClaim | null {
  const get = (task: string, arm: string): number | undefined => rows.find((r) => r.task === task && r.arm === arm)?.validation.mean;
  const [sh, th, sl, tl] = [get('fig1-high', 'SSM+Emb'), get('fig1-high', 'Transformer'), get('fig1-low', 'SSM+Emb'), get('fig1-low', 'Transformer')];
  if (sh === undefined || th === undefined || sl === undefined || tl === undefined) return null;
  const high = sh / th;
  const low = sl / tl;
  return {
    claim: 'Figure 1: the state space model prefers continuous inputs, the Transformer discrete ones (SSM/Transformer error ratio lower on high-continuity inputs)',
    held: Number.isFinite(high) && Number.isFinite(low) ? high < low : null,
    evidence: `MSE ratio SSM+Emb / Transformer: ${fmt(high)} on fig1-high, ${fmt(low)} on fig1-low (same conv embedding, no regularizer).`,
  };
}

function claims(rows: readonly SummaryRow[]): StudyClaim[] {
  return [
    mechanismClaim(rows, 'SSM+Emb+Lip', 'SSM+Emb', true, 'Adding λ·L_Lip makes the SSM embedding output more continuous (lower L_Lip)'),
    mechanismClaim(rows, 'Transformer+Lip', 'Transformer', false, 'Subtracting λ·L_Lip makes the Transformer embedding output less continuous (higher L_Lip)'),
    directionClaim(rows, 'SSM+Emb+Lip', 'SSM + Emb + Lip (+λ) beats SSM + Emb (Table 1, LRA)'),
    directionClaim(rows, 'Transformer+Lip', 'Transformer + Lip (−λ) beats the Transformer (Table 2, forecasting)'),
    directionClaim(rows, 'SSM+Emb+LipWrongSign', 'Wrong-sign control: SSM with −λ does not beat SSM + Emb'),
    directionClaim(rows, 'Transformer+LipWrongSign', 'Wrong-sign control: Transformer with +λ does not beat the Transformer'),
    figure1Claim(rows),
  ].filter((c): c is StudyClaim => c !== null);
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
    const s = score(r);
    return { task: r.task, arm: r.arm, lambda: r.lambda, mean: s.mean, lo: s.mean - s.std, hi: s.mean + s.std, lipReg: r.lipReg.mean, metric: r.test === undefined ? `validation ${r.metric}` : 'test MSE' };
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
      caption: 'Mean ± sd over seeds of each arm\'s score (validation accuracy or MSE; test MSE for forecasting) at each signed λ; λ = 0 are the unregularized arms. The paper predicts gains for SSM+Emb+Lip at λ > 0 and for Transformer+Lip at λ < 0.',
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
      id: 'lipreg-vs-lambda', title: 'L_Lip of the embedding output against λ',
      caption: 'The regularizer\'s own target, mean over seeds on validation data (log scale): +λ should lower it (smoother embedding sequences), −λ raise it.',
      spec: {
        data: { values: perLambda.filter((d) => d.lipReg > 0) }, facet: { ...facet, columns: 3 }, resolve: { scale: { y: 'independent' } },
        spec: { width: 220, height: 150, mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative', title: 'signed λ' }, y: { field: 'lipReg', type: 'quantitative', title: 'L_Lip(e)', scale: { type: 'log' } }, color: armColor } },
      },
    },
    { id: 'lf-curves', title: 'Discrete Lipschitz constant L_f of the embedding output during training', caption: `L_f(e) = max_k ||e_{k+1} − e_k|| averaged over validation sequences, per epoch (mean over seeds), for λ = 0 and |λ| = ${maxAbs}.`, spec: curve('lf', 'L_f(e)') },
    { id: 'loss-curves', title: 'Training objective during training', caption: `Task loss + λ·L_Lip per epoch (mean over seeds), for λ = 0 and |λ| = ${maxAbs}; with λ < 0 the objective can go below the task loss.`, spec: curve('loss', 'training objective') },
  ];
}

/**
 * The continuity study's results as a `StudyOutput` (for `--report` and `lipkit demo`): one
 * table per task in the paper's layout, the claims of "Data Continuity Matters" (the
 * regularizer's mechanism on L_Lip, the direction of each arm against its baseline counted
 * over (task, λ) cells, the wrong-sign controls, and Figure 1's preference), and figures
 * (score vs λ, L_Lip vs λ, L_f and loss curves).
 */
export function continuityOutput(records: readonly RunRecord[], rows: readonly SummaryRow[], { mode, seed = 0, seconds }: { mode: StudyMode; seed?: number; seconds: number }): StudyOutput {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const arms = [...new Set(rows.map((r) => r.arm))].filter((a) => armDefinition(a).sign !== 0);
  return {
    study: 'continuity', title: 'Data continuity: state space models and Transformers with the Lipschitz Regularizer', mode, seed, seconds,
    summary: `${records.length} training runs (${tasks.join(', ')}; arms ${[...new Set(rows.map((r) => r.arm))].join(', ')}; ${new Set(records.map((r) => r.seed)).size} seeds), each with loss + λ·L_Lip(e) on the embedding output e (Qu et al., ICLR 2023). Regularized arms: ${arms.join(', ')}. Small CPU scale: differences within about one pooled standard deviation are noise.`,
    claims: claims(rows), tables: tables(rows), figures: figures(rows, records), records: [...records],
  };
}
