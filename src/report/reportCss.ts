import { REPORT_FONT } from './reportStyle.js';

/**
 * The report page's only style sheet (inlined in a `<style>` element; the page loads no
 * fonts, images or scripts): a centered responsive column, cards per study, zebra tables
 * with right-aligned numbers, claims colored by verdict, and print rules.
 */
export const REPORT_CSS = `
:root {
  --ink: #1f2933; --muted: #52606d; --faint: #7b8794; --line: #e4e7eb; --paper: #ffffff; --ground: #f3f5f8;
  --accent: #2457a6; --held: #1d7a3a; --held-bg: #e3f6e8; --not: #b42318; --not-bg: #fdeaea;
  --undecided: #8a5a00; --undecided-bg: #fff4d6;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--ground); color: var(--ink); font-family: ${REPORT_FONT};
  font-size: 16px; line-height: 1.55; }
.page { max-width: 1080px; margin: 0 auto; padding: 40px 28px 56px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; background: #edf0f4;
  padding: 1px 5px; border-radius: 4px; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 2rem; letter-spacing: -0.01em; }
h2 { font-size: 1.45rem; }
h3 { font-size: 1.05rem; margin: 28px 0 10px; color: var(--ink); }
p { margin: 0 0 12px; }
.report-header { margin-bottom: 28px; }
.eyebrow { text-transform: uppercase; letter-spacing: 0.12em; font-size: 0.75rem; font-weight: 700; color: var(--accent); margin-bottom: 6px; }
.intro { font-size: 1.06rem; color: #323f4b; max-width: 72ch; margin-top: 12px; }
.meta { color: var(--muted); font-size: 0.9rem; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 26px 30px;
  margin-bottom: 28px; box-shadow: 0 1px 2px rgba(31, 41, 51, 0.04); }
.toc h2 { font-size: 1.1rem; margin-bottom: 10px; }
.toc table { margin: 0; }
.toc ol { margin: 4px 0 0; padding-left: 18px; color: var(--muted); font-size: 0.9rem; }
.study-meta { color: var(--muted); font-size: 0.92rem; margin: 6px 0 16px; }
.summary { max-width: 78ch; }
.table-wrap { overflow-x: auto; margin: 0 0 18px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 8px; color: var(--ink); }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--line); }
th { background: #f5f7fa; font-weight: 600; color: #323f4b; border-bottom: 2px solid #d5dbe3; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.claims td:first-child { width: 30%; }
table.claims td.stat { white-space: nowrap; font-variant-numeric: tabular-nums; font-size: 0.85rem; }
table.claims tr.primary td:nth-child(2) { font-weight: 600; }
table.claims tr.held td:first-child { box-shadow: inset 4px 0 0 var(--held); }
table.claims tr.contradicted td:first-child { box-shadow: inset 4px 0 0 var(--not); }
table.claims tr.inconclusive td:first-child { box-shadow: inset 4px 0 0 #d9a400; }
.evidence { color: #323f4b; }
.verdict { display: inline-block; white-space: nowrap; font-weight: 600; font-size: 0.85rem; border-radius: 999px; padding: 1px 10px; }
.verdict.held { color: var(--held); background: var(--held-bg); }
.verdict.contradicted { color: var(--not); background: var(--not-bg); }
.verdict.inconclusive { color: var(--undecided); background: var(--undecided-bg); }
.counts { display: inline-flex; gap: 6px; flex-wrap: wrap; }
.figures { display: flex; flex-direction: column; gap: 22px; }
figure.lipkit-figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 16px 16px 12px; background: #fff; }
figure.lipkit-figure .figure-svg { overflow-x: auto; text-align: center; }
figure.lipkit-figure svg { max-width: 100%; height: auto; display: inline-block; vertical-align: top; }
figcaption { margin-top: 10px; font-size: 0.9rem; color: var(--muted); max-width: 90ch; }
figcaption strong { color: var(--ink); }
.how-to-read h2 { margin-bottom: 12px; }
.how-to-read dl { margin: 0; }
.how-to-read dt { font-weight: 700; margin-top: 14px; }
.how-to-read dd { margin: 2px 0 0; color: #323f4b; max-width: 80ch; }
.inequality { font-size: 1.05rem; text-align: center; margin: 14px 0 4px; }
footer { color: var(--faint); font-size: 0.85rem; text-align: center; margin-top: 8px; }
@media (max-width: 700px) {
  .page { padding: 22px 12px 40px; }
  .card { padding: 18px 14px; }
  h1 { font-size: 1.6rem; }
  table.claims td:first-child { width: auto; }
}
@media print {
  body { background: #fff; }
  .card { box-shadow: none; border: none; padding: 0; }
  figure.lipkit-figure, table { break-inside: avoid; }
}
`;
