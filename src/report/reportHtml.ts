import { LipkitError } from '../util/errors.js';
import type { StudyOutput, StudyTable } from '../studies/study.js';
import { checkStudyOutputs } from './checkStudyOutputs.js';
import { namespaceSvgIds } from './namespaceSvgIds.js';
import { REPORT_CSS } from './reportCss.js';
import { CLAIM_COLUMNS, claimCells, claimRole, claimVerdict, figureElementId, formatCell, isNumericColumn, studyElementId, VERDICT_LABEL, type ClaimVerdict } from './reportLabels.js';

/** Options of `reportHtml`. */
export interface ReportHtmlOptions {
  /** The SVG of every figure: `svgs[i][j]` for `outputs[i].figures[j]` (from `renderStudyFigures`). Required. */
  svgs: readonly (readonly string[])[];
  /** Page title. Default 'lipkit report' (one study: that study's title). */
  title?: string;
  /** Introduction in plain text; blank lines separate paragraphs. Default none. */
  intro?: string;
  /** The lipkit version printed in the header. Default 'unknown'. */
  version?: string;
  /** When the report was made. Default now. */
  generated?: Date;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** An SVG string fit to inline: one `<svg>` root, no scripts, event handlers, foreign content or external references. */
function checkSvg(name: string, svg: unknown): string {
  if (typeof svg !== 'string' || !/^\s*<svg[\s>]/.test(svg) || !/<\/svg>\s*$/.test(svg)) {
    throw new LipkitError(name, 'must be an SVG string (<svg ...>...</svg>)');
  }
  if (/<script|<foreignObject|<iframe|<!\[CDATA|\son\w+\s*=|javascript:/i.test(svg)) {
    throw new LipkitError(name, 'must not contain scripts, event handlers or foreign content');
  }
  for (const m of svg.matchAll(/\s(?:xlink:)?href\s*=\s*"([^"]*)"|url\(\s*['"]?([^)'"]*)/gi)) {
    const ref = m[1] ?? m[2];
    if (!ref.startsWith('#') && !/^data:image\/(png|jpeg|gif|webp);/.test(ref)) {
      throw new LipkitError(name, `must not reference anything outside itself (found ${JSON.stringify(ref)})`);
    }
  }
  return svg;
}

function paragraphs(text: string, className: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== '')
    .map((p) => `<p class="${className}">${e(p)}</p>`).join('\n');
}

function verdictBadge(verdict: ClaimVerdict, text = VERDICT_LABEL[verdict]): string {
  return `<span class="verdict ${verdict}">${e(text)}</span>`;
}

function claimCounts(o: StudyOutput): string {
  const n: Record<ClaimVerdict, number> = { 'held': 0, 'contradicted': 0, 'inconclusive': 0 };
  for (const c of o.claims) n[claimVerdict(c)] += 1;
  if (o.claims.length === 0) return '<span class="meta">no claims</span>';
  return `<span class="counts">${verdictBadge('held', `✓ ${n.held}`)}${verdictBadge('contradicted', `✗ ${n.contradicted}`)}${verdictBadge('inconclusive', `? ${n.inconclusive}`)}</span>`;
}

function seconds(s: number): string {
  return typeof s === 'number' && Number.isFinite(s) ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : '—';
}

function tableHtml(t: StudyTable, className = ''): string {
  const numeric = t.columns.map((_, j) => isNumericColumn(t.rows, j));
  const cls = (j: number): string => (numeric[j] ? ' class="num"' : '');
  const head = t.columns.map((c, j) => `<th${cls(j)} scope="col">${e(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v, j) => `<td${cls(j)}>${e(formatCell(v))}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table${className === '' ? '' : ` class="${className}"`}><caption>${e(t.title)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function claimsHtml(o: StudyOutput): string {
  if (o.claims.length === 0) return '';
  const rows = o.claims.map((c) => {
    const v = claimVerdict(c);
    const [claim, role, , effect, p, evidence] = claimCells(c);
    return `<tr class="${v} ${claimRole(c)}"><td>${e(claim)}</td><td>${e(role)}</td><td>${verdictBadge(v)}</td>`
      + `<td class="stat">${e(effect)}</td><td class="stat">${e(p)}</td><td class="evidence">${e(evidence)}</td></tr>`;
  }).join('\n');
  const head = CLAIM_COLUMNS.map((h) => `<th scope="col">${e(h)}</th>`).join('');
  return `<h3>Claims</h3>\n<div class="table-wrap"><table class="claims">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table></div>`;
}

function figureHtml(o: StudyOutput, j: number, svg: string): string {
  const f = o.figures[j];
  const id = figureElementId(o.study, f.id);
  const inline = namespaceSvgIds(svg.trim(), `${id}-`).replace(/^<svg\b/, `<svg role="img" aria-label="${e(f.title)}"`);
  return `<figure class="lipkit-figure" id="${e(id)}">\n<div class="figure-svg">${inline}</div>\n<figcaption><strong>${e(f.title)}.</strong> ${e(f.caption)}</figcaption>\n</figure>`;
}

function studyHtml(o: StudyOutput, svgs: readonly string[]): string {
  const parts = [
    `<section class="card study" id="${e(studyElementId(o.study))}">`,
    `<h2>${e(o.title)}</h2>`,
    `<p class="study-meta"><code>lipkit study ${e(o.study)}</code> · mode <strong>${e(o.mode)}</strong> · seed ${e(String(o.seed))} · ran ${e(seconds(o.seconds))} · claims ${claimCounts(o)}</p>`,
    paragraphs(o.summary, 'summary'),
    claimsHtml(o),
  ];
  if (o.tables.length > 0) parts.push('<h3>Results</h3>', ...o.tables.map((t) => tableHtml(t)));
  if (o.figures.length > 0) {
    parts.push('<h3>Figures</h3>', '<div class="figures">', ...o.figures.map((_, j) => figureHtml(o, j, svgs[j])), '</div>');
  }
  parts.push('</section>');
  return parts.filter((p) => p !== '').join('\n');
}

function tocHtml(outputs: readonly StudyOutput[]): string {
  const rows = outputs.map((o) => {
    const figs = o.figures.map((f) => `<li><a href="#${e(figureElementId(o.study, f.id))}">${e(f.title)}</a></li>`).join('');
    return `<tr><td><a href="#${e(studyElementId(o.study))}"><strong>${e(o.title)}</strong></a>${figs === '' ? '' : `<ol>${figs}</ol>`}</td>`
      + `<td>${e(o.mode)}</td><td class="num">${e(seconds(o.seconds))}</td><td>${claimCounts(o)}</td></tr>`;
  }).join('\n');
  return `<nav class="card toc" aria-label="Contents"><h2>Contents</h2>\n<div class="table-wrap"><table>\n`
    + `<thead><tr><th scope="col">Study and figures</th><th scope="col">Mode</th><th scope="col" class="num">Time</th><th scope="col">Claims</th></tr></thead>\n`
    + `<tbody>\n${rows}\n</tbody></table></div>\n<p class="meta"><a href="#how-to-read">How to read these numbers</a></p></nav>`;
}

const HOW_TO_READ = `<section class="card how-to-read" id="how-to-read">
<h2>How to read these numbers</h2>
<p>lipkit reports three kinds of numbers and never mixes them up. For a network <em>f</em> with true Lipschitz constant <em>L</em>:</p>
<p class="inequality">empirical lower bound &nbsp;≤&nbsp; <em>L</em> &nbsp;≤&nbsp; certified upper bound</p>
<dl>
<dt>Certified upper bound</dt>
<dd>A proven bound (<code>lipschitzBound</code>, layer by layer, in float64 where it matters): the network cannot change its output by more than this times the change of its input. Certified radii and certified accuracies computed from it are guarantees, not measurements.</dd>
<dt>Empirical lower bound</dt>
<dd>The largest difference quotient ‖f(x) − f(y)‖ / ‖x − y‖ found by searching (<code>lipschitzLowerBound</code>): the true constant is at least this. The gap to the certified bound shows how loose the bound is.</dd>
<dt>Estimate</dt>
<dd>Everything else: power-iteration norms, losses, accuracies on a finite test set, means over a few seeds. No guarantee in either direction; the run's mode and seeds matter.</dd>
<dt>Claims</dt>
<dd>Primary claims are fixed before the run and judged with paired seeds (the same seed gives both arms the same data and initialization): ${verdictBadge('held')} the 95 % interval of the mean paired effect excludes zero on the claimed side and the p-value, Holm-adjusted over the study's primary claims, is at most 0.05; ${verdictBadge('contradicted')} the same on the opposite side; ${verdictBadge('inconclusive')} anything else. Exploratory claims are everything else (not adjusted; some still use a study's older rule, shown without statistics): read them as leads. Verdicts from <code>quick</code> runs have fewer seeds: run a larger mode before relying on one.</dd>
</dl>
</section>`;

/**
 * Builds the report as one self-contained HTML5 page: inline CSS only, no script, no external
 * link, font or image, and a Content-Security-Policy that forbids loading anything. Header
 * (title, intro, generation date, lipkit version), a contents table (studies with mode, time,
 * claim counts and figures), one section per study (summary, mode and seconds, claims table
 * colored by verdict, the study's tables, each figure as
 * `<figure class="lipkit-figure" id="fig-<study>-<id>">` with its inline SVG, ids namespaced, and a
 * `<figcaption>`), and a closing "how to read these numbers" note (certified bound vs empirical
 * lower bound vs estimate). All text is escaped. Pure string work: also runs in a browser.
 */
export function reportHtml(outputs: readonly StudyOutput[], options: ReportHtmlOptions): string {
  checkStudyOutputs('outputs', outputs);
  if (options === null || typeof options !== 'object' || !Array.isArray(options.svgs)) {
    throw new LipkitError('options.svgs', 'must be an array with the SVGs of every study (renderStudyFigures)');
  }
  outputs.forEach((o, i) => {
    const s = options.svgs[i];
    if (!Array.isArray(s) || s.length !== o.figures.length) {
      throw new LipkitError(`options.svgs[${i}]`, `must hold ${o.figures.length} SVG strings, one per figure of "${o.study}"`);
    }
    s.forEach((svg, j) => checkSvg(`options.svgs[${i}][${j}]`, svg));
  });
  const title = options.title ?? (outputs.length === 1 ? outputs[0].title : 'lipkit report');
  const version = options.version ?? 'unknown';
  const generated = options.generated ?? new Date();
  const date = Number.isNaN(generated.getTime()) ? 'unknown date' : `${generated.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const figureCount = outputs.reduce((n, o) => n + o.figures.length, 0);
  const studies = `${outputs.length} ${outputs.length === 1 ? 'study' : 'studies'}, ${figureCount} ${figureCount === 1 ? 'figure' : 'figures'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="lipkit ${e(version)}">
<title>${e(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<div class="page">
<header class="report-header">
<p class="eyebrow">lipkit report</p>
<h1>${e(title)}</h1>
${options.intro === undefined ? '' : paragraphs(options.intro, 'intro')}
<p class="meta">Generated ${e(date)} by lipkit ${e(version)} · ${e(studies)}</p>
</header>
${tocHtml(outputs)}
<main>
${outputs.map((o, i) => studyHtml(o, options.svgs[i])).join('\n')}
${HOW_TO_READ}
</main>
<footer>Made with lipkit ${e(version)}. This page is self-contained: it loads nothing from the network.</footer>
</div>
</body>
</html>
`;
}
