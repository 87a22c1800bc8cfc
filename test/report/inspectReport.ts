import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';

/** Debian's Chromium (.ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium as this machine allows it (no background networking: the network is closed). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What a report figure looks like in the browser. */
export interface FigureInfo {
  id: string;
  svgs: number;
  width: number;
  height: number;
  axes: number;
  axisTicks: number;
  markGroups: number;
  drawnMarks: number;
  drawnMarkArea: number;
  caption: string;
}

/** Measures every `figure.lipkit-figure` of the page: its SVG's size, axes, ticks and drawn marks. */
export async function inspectFigures(page: Page): Promise<FigureInfo[]> {
  return page.$$eval('figure.lipkit-figure', (nodes) => nodes.map((f) => {
    const svg = f.querySelector('svg');
    const box = svg?.getBoundingClientRect();
    const drawn = svg === null ? [] : Array.from(svg.querySelectorAll('.role-mark')).flatMap((g) => Array.from(g.querySelectorAll('path, rect, line, circle, text')));
    const area = drawn.reduce((a, el) => {
      const r = el.getBoundingClientRect();
      return a + r.width * r.height;
    }, 0);
    return {
      id: f.id,
      svgs: f.querySelectorAll('svg').length,
      width: box?.width ?? 0,
      height: box?.height ?? 0,
      axes: svg?.querySelectorAll('[aria-roledescription="axis"]').length ?? 0,
      axisTicks: svg?.querySelectorAll('.role-axis-tick line').length ?? 0,
      markGroups: svg?.querySelectorAll('.role-mark').length ?? 0,
      drawnMarks: drawn.length,
      drawnMarkArea: area,
      caption: f.querySelector('figcaption')?.textContent ?? '',
    };
  }));
}

/** Opens `url` and records every request and every console error, warning or page error. */
export async function openRecorded(browser: Browser, url: string, viewport = { width: 1200, height: 900 }): Promise<{ page: Page; requests: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(300); // late requests (favicon, fonts) would show up here
  return { page, requests, problems };
}

/** Asserts that a figure was drawn: one visible SVG over 50 x 50 px, at least `minAxes` axes with ticks, marks with area, a caption. */
export function expectFigureDrawn(f: FigureInfo, minAxes = 1): void {
  expect(f.svgs, f.id).toBe(1);
  expect(f.width, f.id).toBeGreaterThan(50);
  expect(f.height, f.id).toBeGreaterThan(50);
  expect(f.axes, f.id).toBeGreaterThanOrEqual(minAxes);
  expect(f.axisTicks, f.id).toBeGreaterThan(2);
  expect(f.markGroups, f.id).toBeGreaterThanOrEqual(1);
  expect(f.drawnMarks, f.id).toBeGreaterThanOrEqual(1); // a line chart draws one path per series
  expect(f.drawnMarkArea, f.id).toBeGreaterThan(0);
  expect(f.caption.length, f.id).toBeGreaterThan(20);
}
