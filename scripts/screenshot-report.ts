/**
 * Full-page PNG screenshot of a lipkit HTML report, for the README:
 *
 *   npx tsx scripts/screenshot-report.ts lipkit-report/index.html --out docs/report.png [--width 1200]
 *
 * Uses Debian's headless Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core,
 * with the network off: the report is self-contained, and a request other than the page
 * itself is reported as an error.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'docs/report.png' },
    width: { type: 'string', default: '1200' },
    scale: { type: 'string', default: '1' },
  },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: npx tsx scripts/screenshot-report.ts path/to/index.html --out docs/report.png [--width 1200] [--scale 1]\n');
  process.exit(2);
}
const width = Number(values.width);
const scale = Number(values.scale);
if (!Number.isInteger(width) || width < 320 || width > 4000) throw new Error(`--width must be an integer in [320, 4000], got ${values.width}`);
if (!(scale > 0 && scale <= 3)) throw new Error(`--scale must be in (0, 3], got ${values.scale}`);

const page = pathToFileURL(resolve(positionals[0])).href;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: scale, offline: true });
  const tab = await context.newPage();
  const requests: string[] = [];
  tab.on('request', (r) => requests.push(r.url()));
  await tab.goto(page, { waitUntil: 'load' });
  const others = requests.filter((u) => u !== page);
  if (others.length > 0) throw new Error(`the report made requests besides itself: ${others.join(', ')}`);
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  await tab.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out} (${width} px wide)\n`);
} finally {
  await browser.close();
}
