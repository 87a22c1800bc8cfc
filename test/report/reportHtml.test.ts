import { beforeAll, describe, expect, it } from 'vitest';
import { renderStudyFigures } from '../../src/report/renderFigure.js';
import { escapeHtml, reportHtml } from '../../src/report/reportHtml.js';
import type { StudyOutput } from '../../src/studies/study.js';
import { expectError } from '../expectLipkitError.js';
import { syntheticCertify, syntheticMoons } from './syntheticOutputs.js';

let outputs: StudyOutput[];
let svgs: string[][];
let html: string;

beforeAll(async () => {
  outputs = [syntheticMoons(), syntheticCertify()];
  svgs = await renderStudyFigures(outputs);
  html = reportHtml(outputs, { svgs, title: 'Tour <b>', intro: 'First <i>para</i>.\n\nSecond.', version: '9.8.7', generated: new Date('2025-03-04T05:06:07Z') });
});

describe('escapeHtml', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('reportHtml', () => {
  it('has a header with the title, intro, date and version, and a contents table', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Tour &lt;b&gt;</title>');
    expect(html).toContain('<p class="intro">First &lt;i&gt;para&lt;/i&gt;.</p>\n<p class="intro">Second.</p>');
    expect(html).toContain('Generated 2025-03-04 05:06 UTC by lipkit 9.8.7 · 2 studies, 5 figures');
    expect(html).toContain('<a href="#study-moons-synthetic">');
    expect(html).toContain('<a href="#fig-certify-synthetic-frequency-error">Per-frequency error</a>');
    expect(html).toContain('<a href="#how-to-read">');
  });

  it('holds every figure as an inline SVG with its caption, ids unique across the page', () => {
    const figures = [...html.matchAll(/<figure class="lipkit-figure" id="([^"]+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toEqual([
      'fig-moons-synthetic-decision-surfaces', 'fig-moons-synthetic-bound-curves',
      'fig-certify-synthetic-per-layer', 'fig-certify-synthetic-lipschitz-vs-accuracy', 'fig-certify-synthetic-frequency-error',
    ]);
    for (const [, , body] of figures) {
      expect(body).toMatch(/<svg role="img" aria-label="[^"]+" xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(body).toMatch(/<figcaption><strong>[^<]+\.<\/strong> \S/);
    }
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
    // every in-page link points at an element of the page
    for (const m of html.matchAll(/href="#([^"]+)"/g)) expect(ids).toContain(m[1]);
  });

  it('stays unique when the same SVG (same vega ids) is inlined twice', () => {
    const one = syntheticMoons();
    const twice = reportHtml([one], { svgs: [[svgs[0][0], svgs[0][0]]] });
    const ids = [...twice.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.filter((id) => id.includes('gradient')).length).toBe(2);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is self-contained: no script, no external link, font or image, and a CSP forbidding loads', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b|<iframe|<object|<embed|@import|@font-face/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/url\((?!#)/);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1].startsWith('#')).toBe(true);
    // the only http(s) strings are the XML namespaces of the inline SVGs
    for (const m of html.matchAll(/https?:\/\/[^"\s<]*/g)) expect(m[0]).toMatch(/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it('escapes every text from the outputs', () => {
    expect(html).not.toContain('<synthetic>');
    expect(html).not.toContain('<b>have</b>');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('<h2>Two moons &lt;synthetic&gt; &amp; &quot;quoted&quot;</h2>');
    expect(html).toContain('Accuracy is unchanged &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('The constrained ones &lt;b&gt;have&lt;/b&gt; smoother');
    expect(html).toContain('<caption>Per model | pipes</caption>');
  });

  it('shows run mode and seconds, claims colored by verdict, and the tables with formatted numbers', () => {
    expect(html).toContain('mode <strong>smoke</strong> · seed 0 · ran 3.2 s');
    expect(html).toContain('mode <strong>quick</strong> · seed 1 · ran 13 s');
    expect(html).toMatch(/<tr class="held exploratory"><td>Spectral normalization smooths the decision surface<\/td><td>exploratory<\/td><td><span class="verdict held">✓ held<\/span><\/td><td class="stat">—<\/td><td class="stat">—<\/td><td class="evidence">L upper bound 1\.9 vs 37\.2 \(plain\)<\/td><\/tr>/);
    expect(html).toMatch(/<tr class="contradicted exploratory"><td>Accuracy is unchanged[^<]*<\/td><td>exploratory<\/td><td><span class="verdict contradicted">✗ contradicted<\/span>/);
    expect(html).toMatch(/<tr class="inconclusive exploratory"><td>The gradient penalty[^<]*<\/td><td>exploratory<\/td><td><span class="verdict inconclusive">\? inconclusive<\/span>/);
    expect(html).toContain('<tr class="contradicted primary"><td>P1: the penalty lowers log loss</td><td>primary</td><td><span class="verdict contradicted">✗ contradicted</span></td><td class="stat">0.4213 [0.2324, 0.6102]</td><td class="stat">0.03125 (p 0.007813, n 8)</td>');
    expect(html).toContain('<tr><td>plain</td><td class="num">0.97</td><td class="num">37.21</td><td class="num">5.1</td></tr>');
    expect(html).toContain('<td class="num">—</td>');
    expect(html).toContain('<h2>How to read these numbers</h2>');
    expect(html).toMatch(/Certified upper bound[\s\S]*Empirical lower bound[\s\S]*Estimate/);
  });

  it('rejects missing, miscounted or unsafe SVGs', () => {
    const o = [syntheticCertify()];
    expectError(() => reportHtml(o, undefined as never), 'options.svgs');
    expectError(() => reportHtml(o, { svgs: [svgs[1].slice(0, 2)] }), 'options.svgs[0]');
    expectError(() => reportHtml(o, { svgs: [[svgs[1][0], 'not svg', svgs[1][2]]] }), 'options.svgs[0][1]');
    const evil = ['<svg><script>alert(1)</script></svg>', '<svg><rect onload="alert(1)"/></svg>', '<svg><image href="https://x.test/a.png"/></svg>', '<svg><rect fill="url(https://x.test/p.svg#a)"/></svg>'];
    for (const svg of evil) expectError(() => reportHtml(o, { svgs: [[svgs[1][0], svg, svgs[1][2]]] }), 'options.svgs[0][1]');
  });

  it('defaults: one study is titled by its own title; version unknown', () => {
    const one = reportHtml([outputs[1]], { svgs: [svgs[1]] });
    expect(one).toContain('<title>Certified vs empirical</title>');
    expect(one).toContain('by lipkit unknown · 1 study, 3 figures');
  });
});
