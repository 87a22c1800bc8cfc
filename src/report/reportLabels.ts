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

/** The three verdicts of a claim. */
export type ClaimVerdict = 'held' | 'not-held' | 'undecided';

/** `held: true` -> 'held', `false` -> 'not-held', `null` -> 'undecided'. */
export function claimVerdict(held: StudyClaim['held']): ClaimVerdict {
  return held === true ? 'held' : held === false ? 'not-held' : 'undecided';
}

/** The words shown for a verdict (`✓ held`, `✗ did not hold`, `? undecided`). */
export const VERDICT_LABEL: Record<ClaimVerdict, string> = {
  'held': '✓ held',
  'not-held': '✗ did not hold',
  'undecided': '? undecided',
};

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
