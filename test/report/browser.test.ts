import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild'; // vite's bundler (vitest depends on it)
import type { Browser } from 'playwright-core';
import { expectFigureDrawn, inspectFigures, launchChromium, openRecorded } from './inspectReport.js';
import { writeStudyFiles } from '../../src/report/writeStudyFiles.js';
import { syntheticCertify, syntheticMoons } from './syntheticOutputs.js';

/**
 * The report as a person sees it: written by writeStudyFiles, opened in Debian's headless
 * Chromium (.ci/run installs it), checked for network requests and for every figure drawn.
 */
let root: string;
let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lipkit-browser-test-'));
  const { dir } = await writeStudyFiles([syntheticMoons(), syntheticCertify()], join(root, 'report'), { report: true, title: 'Browser test', version: '0.0.0-test' });
  pageUrl = pathToFileURL(join(dir, 'index.html')).href;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('the HTML report in Chromium', () => {
  it('makes no request besides the page itself, and no console errors (no CSP violations)', async () => {
    const { page, requests, problems } = await openRecorded(browser, pageUrl);
    expect(requests).toEqual([pageUrl]);
    for (const u of requests) expect(u).toMatch(/^(file|data|about):/);
    expect(problems).toEqual([]);
    expect(await page.title()).toBe('Browser test');
    await page.close();
  });

  it('draws every figure: a visible SVG over 50 x 50 px with axes and marks', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pageUrl, { waitUntil: 'load' });
    const figures = await inspectFigures(page);
    expect(figures.map((f) => f.id)).toEqual([
      'fig-moons-synthetic-decision-surfaces', 'fig-moons-synthetic-bound-curves',
      'fig-certify-synthetic-per-layer', 'fig-certify-synthetic-lipschitz-vs-accuracy', 'fig-certify-synthetic-frequency-error',
    ]);
    for (const f of figures) expectFigureDrawn(f, 2);
    // the decision surfaces: 3 facet cells x 16 x 16 heatmap cells, with 30 points per cell on top
    const surface = figures[0];
    expect(surface.drawnMarks).toBeGreaterThanOrEqual(3 * 16 * 16 + 3 * 30);
    // the legend's gradient resolves inside the page (namespaced id)
    const gradientFill = await page.$eval('#fig-moons-synthetic-decision-surfaces .role-legend-gradient path', (p) => p.getAttribute('fill') ?? '');
    expect(gradientFill).toMatch(/^url\(#fig-moons-synthetic-decision-surfaces-gradient_\d+\)$/);
    expect(await page.$(gradientFill.slice(4, -1))).not.toBeNull();
    await page.close();
  });

  it('keeps figures inside the column on a narrow screen', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 800 } });
    await page.goto(pageUrl, { waitUntil: 'load' });
    const widths = await page.$$eval('figure.lipkit-figure svg', (svgs) => svgs.map((s) => s.getBoundingClientRect().right));
    for (const right of widths) expect(right).toBeLessThanOrEqual(480);
    await page.close();
  });

  it('renderFigureSvg itself runs in a browser (bundled), with document-relative gradient references', async () => {
    const bundle = await build({ entryPoints: ['src/report/renderFigure.ts'], bundle: true, format: 'iife', globalName: 'lipkitReport', platform: 'browser', write: false, logLevel: 'silent' });
    const blank = join(root, 'blank.html');
    writeFileSync(blank, '<!DOCTYPE html><html><body></body></html>');
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(blank).href}#here`);
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const result = await page.evaluate(async () => {
      const api = (window as unknown as { lipkitReport: { renderFigureSvg: (spec: object) => Promise<string> } }).lipkitReport;
      const svg = await api.renderFigureSvg({
        data: { values: [{ x: 1, y: 1, v: 0 }, { x: 2, y: 1, v: 1 }] },
        mark: 'rect',
        encoding: { x: { field: 'x', type: 'ordinal' }, y: { field: 'y', type: 'ordinal' }, color: { field: 'v', type: 'quantitative' } },
      });
      let error = '';
      try { await api.renderFigureSvg({ data: { url: 'cars.json' }, mark: 'point' }); } catch (e) { error = (e as Error).message; }
      return { svg, error };
    });
    expect(result.svg).toMatch(/^<svg[\s\S]*aria-roledescription="axis"[\s\S]*<\/svg>$/);
    // vega's DOM renderer would write url(file:///...#gradient_0); the string renderer must not
    const refs = [...result.svg.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^#gradient_\d+$/);
    expect(result.error).toMatch(/^spec\.data: /);
    await page.close();
  });
});
