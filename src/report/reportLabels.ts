import type { StudyClaim } from '../studies/study.js';

/**
 * How the report names and prints things, shared by results.md, index.html and the figure
 * files: figure file names and page anchors, claim verdicts, and table cells.
 */

/** `figures/<study>-<id>.svg`, relative to the output directory. */
export function figureFileName(study: string, figureId: string): string {
  return `figures/${study}-${figureId}.svg`;
}

/** The page anchor of a study section (`study-two-moons`). */
export function studyElementId(study: string): string {
  return `study-${study}`;
}

/** The page anchor of a figure (`fig-two-moons-decision-surfaces`); also its SVG id prefix. */
export function figureElementId(study: string, figureId: string): string {
  return `fig-${study}-${figureId}`;
}

/** The three verdicts of a claim (the statistical rule's words; see `src/studies/stats/judgeClaim`). */
export type ClaimVerdict = 'held' | 'contradicted' | 'inconclusive';

/**
 * A claim's verdict: its `verdict` field when present (claims judged with paired seeds), else
 * from `held` (claims judged by a study's older rule): true -> 'held', false -> 'contradicted',
 * null -> 'inconclusive'. Accepts the claim or, for older callers, its `held` value.
 */
export function claimVerdict(claim: Pick<StudyClaim, 'held' | 'verdict'> | StudyClaim['held']): ClaimVerdict {
  if (claim !== null && typeof claim === 'object') {
    if (claim.verdict !== undefined) return claim.verdict;
    return claimVerdict(claim.held);
  }
  return claim === true ? 'held' : claim === false ? 'contradicted' : 'inconclusive';
}

/** The words shown for a verdict (`✓ held`, `✗ contradicted`, `? inconclusive`). */
export const VERDICT_LABEL: Record<ClaimVerdict, string> = {
  'held': '✓ held',
  'contradicted': '✗ contradicted',
  'inconclusive': '? inconclusive',
};

/** 'primary' for a pre-registered primary claim (`primary: true`), else 'exploratory'. */
export function claimRole(claim: Pick<StudyClaim, 'primary'>): 'primary' | 'exploratory' {
  return claim.primary === true ? 'primary' : 'exploratory';
}

/** Effect and interval as text: `−0.4213 [−0.6102, −0.2324]`; an em dash without an effect. */
export function claimEffectText(claim: Pick<StudyClaim, 'effect' | 'interval'>): string {
  if (claim.effect === undefined) return '—';
  const iv = claim.interval === undefined ? '' : ` [${formatCell(claim.interval[0])}, ${formatCell(claim.interval[1])}]`;
  return `${formatCell(claim.effect)}${iv}`;
}

/**
 * p-values as text: `0.0313 (p 0.0078, n 8)`, the adjusted p first (what the verdict uses), then
 * the raw p and the paired seeds; an em dash without a p.
 */
export function claimPText(claim: Pick<StudyClaim, 'p' | 'pAdjusted' | 'n'>): string {
  if (claim.p === undefined) return '—';
  const adj = claim.pAdjusted ?? claim.p;
  const raw = claim.pAdjusted !== undefined && claim.pAdjusted !== claim.p ? `p ${formatCell(claim.p)}, ` : '';
  return `${formatCell(adj)} (${raw}n ${claim.n ?? '?'})`;
}

/** The claims table's column headers (results.md, index.html, the CLI table). */
export const CLAIM_COLUMNS = ['Claim', 'Kind', 'Verdict', 'Effect [95 % CI]', 'p adj. (p, n)', 'Evidence'] as const;

/** One claim as the table's text cells, in `CLAIM_COLUMNS` order. */
export function claimCells(claim: StudyClaim): string[] {
  return [claim.claim, claimRole(claim), VERDICT_LABEL[claimVerdict(claim)], claimEffectText(claim), claimPText(claim), claim.evidence];
}

/**
 * A table cell as text: strings unchanged; `null` as an em dash; integers in full; other
 * numbers with 4 significant digits (trailing zeros dropped), in exponent form outside
 * [1e-3, 1e6); NaN and ±Infinity spelled out.
 */
export function formatCell(value: string | number | null): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  const text = abs >= 1e-3 && abs < 1e6 ? value.toPrecision(4) : value.toExponential(3);
  return text.replace(/(\.\d*?)0+(?=$|e)/, '$1').replace(/\.(?=$|e)/, '');
}

/** True when every non-null cell of column `j` is a number (the column is right-aligned). */
export function isNumericColumn(rows: readonly (readonly (string | number | null)[])[], j: number): boolean {
  let any = false;
  for (const row of rows) {
    const v = row[j];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') return false;
    any = true;
  }
  return any;
}
