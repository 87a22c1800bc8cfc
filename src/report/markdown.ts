import type { StudyOutput, StudyTable } from '../studies/study.js';
import { checkStudyOutputs } from './checkStudyOutputs.js';
import { CLAIM_COLUMNS, claimCells, figureFileName, formatCell, isNumericColumn } from './reportLabels.js';

/** Options of `resultsMarkdown`. */
export interface ResultsMarkdownOptions {
  /** Top heading. Default 'lipkit results' (one study: its title). */
  title?: string;
  /** Paragraphs under the heading. Default none. */
  intro?: string;
  /** Markdown appended after the studies (e.g. a study's own detailed tables). Default none. */
  extra?: string;
  /** Link each figure's SVG file (`figures/<study>-<id>.svg`). Default true. */
  linkFigures?: boolean;
}

/** One markdown table cell: pipes escaped, line breaks as spaces. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A GitHub-flavoured markdown table (numeric columns right-aligned). */
export function markdownTable(table: StudyTable): string {
  const align = table.columns.map((_, j) => (isNumericColumn(table.rows, j) ? '---:' : '---'));
  const lines = [
    `| ${table.columns.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map((v) => cell(formatCell(v))).join(' | ')} |`),
  ];
  return lines.join('\n');
}

function studyMarkdown(o: StudyOutput, heading: string, linkFigures: boolean): string {
  const parts = [
    `${heading} ${o.title}`,
    `\`lipkit study ${o.study}\`, mode ${o.mode}, seed ${o.seed}, ${Number.isFinite(o.seconds) ? o.seconds.toFixed(1) : '?'} s`,
    o.summary.trim(),
  ];
  if (o.claims.length > 0) {
    parts.push(`${heading}# Claims`, markdownTable({
      title: 'Claims',
      columns: [...CLAIM_COLUMNS],
      rows: o.claims.map(claimCells),
    }));
  }
  for (const t of o.tables) parts.push(`${heading}# ${t.title}`, markdownTable(t));
  if (o.figures.length > 0) {
    parts.push(`${heading}# Figures`, o.figures.map((f) => {
      const name = linkFigures ? `[${f.title}](${figureFileName(o.study, f.id)})` : f.title;
      return `- ${name}: ${f.caption.replace(/\s*\n\s*/g, ' ')}`;
    }).join('\n'));
  }
  return parts.filter((p) => p !== '').join('\n\n');
}

/**
 * `results.md` for one or several study outputs: a heading, the intro, then per study its
 * run line (mode, seed, seconds), summary, claims table (primary or exploratory; ✓ held /
 * ✗ contradicted / ? inconclusive; effect with its 95 % interval, adjusted p, n; the evidence), its tables (numbers with 4 significant digits), and the list of figures
 * with captions linked to their SVG files; `extra` last.
 */
export function resultsMarkdown(outputs: readonly StudyOutput[], options: ResultsMarkdownOptions = {}): string {
  checkStudyOutputs('outputs', outputs);
  const single = outputs.length === 1;
  const title = options.title ?? (single ? outputs[0].title : 'lipkit results');
  const parts = [`# ${title}`];
  if (options.intro !== undefined && options.intro.trim() !== '') parts.push(options.intro.trim());
  const linkFigures = options.linkFigures ?? true;
  if (single && options.title === undefined) {
    // the study is the document: its sections one level down, without repeating its title
    parts.push(studyMarkdown(outputs[0], '#', linkFigures).split('\n\n').slice(1).join('\n\n'));
  } else {
    for (const o of outputs) parts.push(studyMarkdown(o, '##', linkFigures));
  }
  if (options.extra !== undefined && options.extra.trim() !== '') parts.push(options.extra.trim());
  return `${parts.join('\n\n')}\n`;
}
