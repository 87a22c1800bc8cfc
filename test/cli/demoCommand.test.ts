import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Browser } from 'playwright-core';
import { runCli } from '../../src/cli/runCli.js';
import { setBackend } from '../../src/backend/setBackend.js';
import { expectFigureDrawn, inspectFigures, launchChromium, openRecorded } from '../report/inspectReport.js';

let root: string;
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'lipkit-demo-test-')); });
afterAll(() => { rmSync(root, { recursive: true, force: true }); });

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

interface Output { study: string; claims: { held: boolean | null }[]; figures: { id: string }[]; records: unknown[] }

describe('lipkit demo', () => {
  let browser: Browser | undefined;
  afterAll(async () => { await browser?.close(); });

  it('--smoke runs the whole tour: report with every study, the saved model certifies, the page draws every figure offline', async () => {
    const dir = join(root, 'report');
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    // the demo's temporary folder (for the saved model) is gone when it ends
    const tmp = join(root, 'tmp');
    mkdirSync(tmp);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(['demo', '--smoke', '--out', dir, '--no-progress']);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = savedTmp;
    }
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.startsWith('lipkit-demo-'))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.out).toContain('index.html');
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { studies: Output[] };
    expect(json.studies.map((s) => s.study)).toEqual(['two-moons', 'spectral-bias', 'enforced-lipschitz', 'continuity', 'certify']);
    for (const s of json.studies) {
      expect(s.figures.length, s.study).toBeGreaterThanOrEqual(1);
      expect(s.claims.length, s.study).toBeGreaterThanOrEqual(1);
      expect(s.records.length, s.study).toBeGreaterThanOrEqual(1);
      for (const f of s.figures) expect(existsSync(join(dir, 'figures', `${s.study}-${f.id}.svg`)), f.id).toBe(true);
    }
    // The certify part checked the saved model honestly, and the CLI certifies it again from the report folder.
    const certify = json.studies[4];
    expect(certify.claims[0].held).toBe(true);
    const model = join(dir, 'models', 'two-moons-spectral-normalization', 'model.json');
    const again = await cli(['certify', model, '--json', '--data', join(dir, 'models', 'two-moons-spectral-normalization', 'inputs.json')]);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out) as { upperBound: number; lowerBound: number; certified: boolean };
    expect(report.certified).toBe(true);
    expect(report.upperBound).toBeGreaterThanOrEqual(report.lowerBound);
    // Spectral normalization with D = 1 per layer: the certified bound is about 1 (power iteration may leave it slightly above).
    expect(report.upperBound).toBeLessThan(1.5);

    browser = await launchChromium();
    const url = pathToFileURL(join(dir, 'index.html')).href;
    const { page, requests, problems } = await openRecorded(browser, url);
    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
    const figures = await inspectFigures(page);
    expect(figures.length).toBe(json.studies.reduce((a, s) => a + s.figures.length, 0));
    for (const f of figures) expectFigureDrawn(f);
    await page.close();
  });

  it('bad input: one line on stderr, exit status 2, before anything runs', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const cases: [string[], RegExp][] = [
      [['demo', '--seed', 'x'], /--seed/],
      [['demo', '--out', file], /--out/],
      [['demo', '--out', join(file, 'sub')], /--out/],
      [['demo', '--bogus'], /unknown option/],
      [['study', 'nope'], /unknown command/],
      [['study', 'two-moons', '--quick', '--full'], /--quick/],
      [['study', 'two-moons', '--seed', '-1'], /--seed/],
      [['study', 'spectral-bias', '--out', file], /--out/],
      [['study', 'continuity', '--out', file], /--out/],
    ];
    for (const [argv, message] of cases) {
      const t0 = performance.now();
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n').length, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(performance.now() - t0, argv.join(' ')).toBeLessThan(20_000); // refused up front, not after a study
    }
  });
});

describe('lipkit study NAME', () => {
  it('--smoke --report writes results, figures and the report, and prints the claims', async () => {
    const dir = join(root, 'invertible');
    const r = await cli(['study', 'invertible', '--smoke', '--report', '--out', dir, '--no-progress']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/held|contradicted|inconclusive/);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Output;
    expect(json.study).toBe('invertible');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<figure class="lipkit-figure"');
    for (const f of json.figures) expect(existsSync(join(dir, 'figures', `invertible-${f.id}.svg`))).toBe(true);
  });
});
