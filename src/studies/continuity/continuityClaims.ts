import type { StudyClaim } from '../study.js';
import { judgeClaim, judgeFamily, pairedEvidence } from '../stats/judgeClaim.js';
import { verdictClaim } from '../stats/verdictClaim.js';
import type { ClaimDirection, PairedEvidence } from '../stats/verdictTypes.js';
import { armDefinition, STUDY_ARMS } from './spec.js';
import type { SelectedRun } from './selectLambda.js';

/** A claim judged on one paired number per seed. */
interface ClaimDefinition {
  id: string;
  claim: string;
  direction: ClaimDirection;
  /** What the effect is, in words (units). */
  effect: string;
  /** The paper's number for the same effect, or '' when the paper gives none. */
  paper: string;
  /** The (task, arm) cells the claim compares (it is judged only when all were run). */
  cells: [string, string][];
  /** The paired difference at a seed, or null when a side is missing (diverged everywhere or not run). */
  value: (get: Lookup, seed: number) => number | null;
}

type Lookup = (task: string, arm: string, seed: number) => SelectedRun | undefined;
type Field = 'metric' | 'continuity';

const ln = Math.log;

/** ln of the selected run's test value (metric or scale-free continuity), null when missing or <= 0. */
function lnTest(get: Lookup, task: string, arm: string, seed: number, field: Field): number | null {
  const v = get(task, arm, seed)?.record?.test[field];
  return v === null || v === undefined || !(v > 0) ? null : ln(v);
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** ln(arm) - ln(baseline) of a test field at a seed. */
const versus = (task: string, arm: string, baseline: string, field: Field) => (get: Lookup, seed: number): number | null =>
  diff(lnTest(get, task, arm, seed, field), lnTest(get, task, baseline, seed, field));

const paperLog = (a: number, b: number): string => `ln(${a} / ${b}) = ${ln(a / b).toFixed(2)}`;

/**
 * The pre-registered primary claims (Holm-adjusted together), fixed before any run:
 * P1 the interaction of model and continuity on ln test MSE (Figure 1 / Table 3); P2 S4 + Emb
 * + Lip (+lambda) beats S4 + Emb on low-continuity input; P3 Transformer + Lip (-lambda) beats
 * the Transformer on high-continuity input; P4a/P4b the scale-free continuity of the embedding
 * output moves the intended way for each sign.
 */
export const PRIMARY_CLAIMS: readonly ClaimDefinition[] = [
  {
    id: 'P1', direction: 'less',
    claim: 'P1 (Figure 1, Table 3): S4 prefers high-continuity input and the Transformer low (interaction of model and continuity on ln test MSE < 0)',
    effect: '[ln MSE(S4+Emb, high) − ln MSE(S4+Emb, low)] − [ln MSE(Transformer, high) − ln MSE(Transformer, low)]',
    paper: `Table 3: ln(0.0006 / 0.0887) − ln(0.0482 / 0.0189) = ${(ln(0.0006 / 0.0887) - ln(0.0482 / 0.0189)).toFixed(2)}`,
    cells: [['fig1-high', 'SSM+Emb'], ['fig1-low', 'SSM+Emb'], ['fig1-high', 'Transformer'], ['fig1-low', 'Transformer']],
    value: (get, seed) => {
      const s = diff(lnTest(get, 'fig1-high', 'SSM+Emb', seed, 'metric'), lnTest(get, 'fig1-low', 'SSM+Emb', seed, 'metric'));
      const t = diff(lnTest(get, 'fig1-high', 'Transformer', seed, 'metric'), lnTest(get, 'fig1-low', 'Transformer', seed, 'metric'));
      return diff(s, t);
    },
  },
  {
    id: 'P2', direction: 'less',
    claim: 'P2 (Table 3): S4 + Emb + Lip (+λ) beats S4 + Emb on low-continuity input (ln test MSE lower)',
    effect: 'ln MSE(S4+Emb+Lip) − ln MSE(S4+Emb) on fig1-low', paper: `Table 3: ${paperLog(0.0399, 0.0887)}`,
    cells: [['fig1-low', 'SSM+Emb+Lip'], ['fig1-low', 'SSM+Emb']], value: versus('fig1-low', 'SSM+Emb+Lip', 'SSM+Emb', 'metric'),
  },
  {
    id: 'P3', direction: 'less',
    claim: 'P3 (Table 3): Transformer + Lip (−λ) beats the Transformer on high-continuity input (ln test MSE lower)',
    effect: 'ln MSE(Transformer+Lip) − ln MSE(Transformer) on fig1-high', paper: `Table 3: ${paperLog(0.0051, 0.0482)}`,
    cells: [['fig1-high', 'Transformer+Lip'], ['fig1-high', 'Transformer']], value: versus('fig1-high', 'Transformer+Lip', 'Transformer', 'metric'),
  },
  {
    id: 'P4a', direction: 'less',
    claim: 'P4a (mechanism): +λ makes the S4 embedding output more continuous (scale-free continuity lower)',
    effect: 'ln C(S4+Emb+Lip) − ln C(S4+Emb) on fig1-low test sequences, C = lipReg(e, { normalize: \'variance\' })', paper: '',
    cells: [['fig1-low', 'SSM+Emb+Lip'], ['fig1-low', 'SSM+Emb']], value: versus('fig1-low', 'SSM+Emb+Lip', 'SSM+Emb', 'continuity'),
  },
  {
    id: 'P4b', direction: 'greater',
    claim: 'P4b (mechanism): −λ makes the Transformer embedding output less continuous (scale-free continuity higher)',
    effect: 'ln C(Transformer+Lip) − ln C(Transformer) on fig1-high test sequences', paper: '',
    cells: [['fig1-high', 'Transformer+Lip'], ['fig1-high', 'Transformer']], value: versus('fig1-high', 'Transformer+Lip', 'Transformer', 'continuity'),
  },
];

/** The wrong-sign controls (secondary: judged alone, not in the primary family). */
export const CONTROL_CLAIMS: readonly ClaimDefinition[] = [
  {
    id: 'C1', direction: 'greater', claim: 'Control: S4 + Emb with the wrong sign (−λ) does worse than S4 + Emb on low-continuity input',
    effect: 'ln MSE(S4+Emb, −λ) − ln MSE(S4+Emb) on fig1-low', paper: '', cells: [['fig1-low', 'SSM+Emb+LipWrongSign'], ['fig1-low', 'SSM+Emb']], value: versus('fig1-low', 'SSM+Emb+LipWrongSign', 'SSM+Emb', 'metric'),
  },
  {
    id: 'C2', direction: 'greater', claim: 'Control: the Transformer with the wrong sign (+λ) does worse than the Transformer on high-continuity input',
    effect: 'ln MSE(Transformer, +λ) − ln MSE(Transformer) on fig1-high', paper: '', cells: [['fig1-high', 'Transformer+LipWrongSign'], ['fig1-high', 'Transformer']], value: versus('fig1-high', 'Transformer+LipWrongSign', 'Transformer', 'metric'),
  },
  {
    id: 'C3', direction: 'greater', claim: 'Control (mechanism): −λ makes the S4 embedding output less continuous',
    effect: 'ln C(S4+Emb, −λ) − ln C(S4+Emb) on fig1-low', paper: '', cells: [['fig1-low', 'SSM+Emb+LipWrongSign'], ['fig1-low', 'SSM+Emb']], value: versus('fig1-low', 'SSM+Emb+LipWrongSign', 'SSM+Emb', 'continuity'),
  },
  {
    id: 'C4', direction: 'less', claim: 'Control (mechanism): +λ makes the Transformer embedding output more continuous',
    effect: 'ln C(Transformer, +λ) − ln C(Transformer) on fig1-high', paper: '', cells: [['fig1-high', 'Transformer+LipWrongSign'], ['fig1-high', 'Transformer']], value: versus('fig1-high', 'Transformer+LipWrongSign', 'Transformer', 'continuity'),
  },
];

/**
 * Exploratory comparisons: every (task, regularized arm) of the run that no primary or control
 * claim covers, against its baseline arm, on the test metric (ln MSE, or accuracy in points) and
 * on the scale-free continuity; the paper's direction (expectBetter) gives the claimed sign.
 */
function exploratoryDefinitions(selected: readonly SelectedRun[]): ClaimDefinition[] {
  const covered = new Set(['fig1-low|SSM+Emb+Lip', 'fig1-high|Transformer+Lip', 'fig1-low|SSM+Emb+LipWrongSign', 'fig1-high|Transformer+LipWrongSign']);
  const cells = [...new Set(selected.map((s) => `${s.task}|${s.arm}`))].filter((c) => !covered.has(c));
  const defs: ClaimDefinition[] = [];
  for (const cell of cells) {
    const [task, armName] = cell.split('|');
    const arm = STUDY_ARMS.find((a) => a.name === armName);
    if (arm?.baseline === undefined || arm.expectBetter === undefined) continue;
    if (!selected.some((s) => s.task === task && s.arm === arm.baseline)) continue;
    const sample = selected.find((s) => s.task === task && s.record !== null)?.record;
    const higher = sample?.higherIsBetter ?? false;
    const metricName = sample?.metric ?? 'mse';
    const better = arm.expectBetter;
    const base = arm.baseline;
    defs.push({
      id: `E:${task}:${armName}`, direction: higher === better ? 'greater' : 'less',
      claim: `${armName} ${better ? 'beats' : 'does worse than'} ${base} on ${task}${/^(weather|daily|co2)-/.test(task) ? ' (proxy for the paper\'s ETT/Weather forecasting)' : ''}`,
      effect: higher ? `test ${metricName}(${armName}) − test ${metricName}(${base})` : `ln test ${metricName}(${armName}) − ln test ${metricName}(${base})`,
      paper: '', cells: [[task, armName], [task, base]],
      value: higher
        ? (get, seed) => { const a = get(task, armName, seed)?.record?.test.metric; const b = get(task, base, seed)?.record?.test.metric; return a == null || b == null ? null : a - b; }
        : versus(task, armName, base, 'metric'),
    });
    const lower = armDefinition(armName).sign > 0;
    defs.push({
      id: `E:${task}:${armName}:continuity`, direction: lower ? 'less' : 'greater',
      claim: `${armName} makes the embedding output ${lower ? 'more' : 'less'} continuous than ${base} on ${task} (scale-free)`,
      effect: `ln C(${armName}) − ln C(${base})`, paper: '', cells: [[task, armName], [task, base]], value: versus(task, armName, base, 'continuity'),
    });
  }
  return defs;
}

/** The paired values of a claim over the seeds where both sides exist. */
function pairedValues(def: ClaimDefinition, get: Lookup, seeds: readonly number[]): { values: number[]; missing: number } {
  const values: number[] = [];
  for (const s of seeds) {
    const v = def.value(get, s);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  return { values, missing: seeds.length - values.length };
}

function lambdaNote(selected: readonly SelectedRun[], def: ClaimDefinition): string {
  const notes = def.cells.flatMap(([task, arm]) => {
    const rs = selected.filter((s) => s.task === task && s.arm === arm);
    if (rs.every((r) => r.tried.every((l) => l === 0))) return [];
    const counts = new Map<number, number>();
    for (const r of rs) if (r.record !== null) counts.set(r.lambda, (counts.get(r.lambda) ?? 0) + 1);
    const tried = [...new Set(rs.flatMap((r) => r.tried))].sort((a, b) => Math.abs(a) - Math.abs(b));
    const diverged = rs.reduce((a, r) => a + r.diverged, 0);
    return [`${arm} on ${task}: λ chosen on validation from {${tried.join(', ')}}: ${[...counts].map(([l, c]) => `${l} ×${c}`).join(', ')}${diverged > 0 ? ` (${diverged} run(s) diverged)` : ''}`];
  });
  return notes.length === 0 ? '' : ` ${notes.join('; ')}.`;
}

function describe(def: ClaimDefinition, n: number, missing: number, effect: number | null, selected: readonly SelectedRun[]): string {
  const ratio = effect === null ? '' : ` (ratio e^effect = ${Math.exp(effect).toPrecision(3)})`;
  return `Effect = ${def.effect}, paired over ${n} seed(s)${missing > 0 ? ` (${missing} seed(s) missing: a side diverged or was not run)` : ''}${ratio}.${def.paper === '' ? '' : ` Paper: ${def.paper}.`}${lambdaNote(selected, def)}`;
}

function judgeOne(def: ClaimDefinition, values: number[]): PairedEvidence | null {
  return values.length >= 2 ? pairedEvidence(values, { direction: def.direction }) : null;
}

/** An undecidable claim (fewer than 2 paired seeds). */
function undecided(def: ClaimDefinition, evidence: string, n: number, primary: boolean): StudyClaim {
  return { claim: def.claim, held: null, evidence: `${evidence} Fewer than 2 paired seeds: no test.`, verdict: 'inconclusive', n, primary };
}

/**
 * The continuity study's claims from the lambda-selected runs (`selectByValidation`):
 * the primary claims P1-P4 judged together (paired seeds, 95 % t interval, exact sign-flip p,
 * Holm over the primaries present), then the wrong-sign controls and every exploratory
 * comparison judged alone (unadjusted p; `primary: false`). A claim whose cells were not run is
 * left out; one with fewer than 2 paired seeds is inconclusive without statistics.
 */
export function continuityClaims(selected: readonly SelectedRun[]): StudyClaim[] {
  const index = new Map(selected.map((s) => [JSON.stringify([s.task, s.arm, s.seed]), s]));
  const get: Lookup = (task, arm, seed) => index.get(JSON.stringify([task, arm, seed]));
  const seeds = [...new Set(selected.map((s) => s.seed))].sort((a, b) => a - b);
  const ran = (def: ClaimDefinition): boolean => def.cells.every(([task, arm]) => selected.some((s) => s.task === task && s.arm === arm));
  const primaries = PRIMARY_CLAIMS.filter(ran);
  const prim = primaries.map((d) => ({ d, ...pairedValues(d, get, seeds) }));
  const evidences = prim.map((x) => judgeOne(x.d, x.values));
  const judged = evidences.some((e) => e !== null)
    ? judgeFamily(evidences.map((e, i) => e ?? { effect: NaN, interval: [NaN, NaN], p: 1, n: prim[i].values.length, direction: prim[i].d.direction, test: 'sign-flip', sd: NaN }))
    : [];
  const claims: StudyClaim[] = prim.map((x, i) => {
    const text = describe(x.d, x.values.length, x.missing, evidences[i]?.effect ?? null, selected);
    return evidences[i] === null ? undecided(x.d, text, x.values.length, true) : verdictClaim(x.d.claim, `${text} Holm over ${prim.length} primary claims.`, judged[i], true);
  });
  for (const d of [...CONTROL_CLAIMS, ...exploratoryDefinitions(selected)]) {
    if (!ran(d)) continue;
    const { values, missing } = pairedValues(d, get, seeds);
    const e = judgeOne(d, values);
    const text = `${describe(d, values.length, missing, e?.effect ?? null, selected)} Exploratory: p not adjusted.`;
    claims.push(e === null ? undecided(d, text, values.length, false) : verdictClaim(d.claim, text, judgeClaim(e), false));
  }
  return claims;
}
