// The playground page in headless Chromium: it trains, draws the decision surface, shows a
// certified bound, certifies a dropped model (and refuses bad drops with one message), loads
// nothing from beyond 127.0.0.1 and logs no console error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildPlayground } from '../../scripts/bundle.js';
import { serveStatic, type StaticServer } from '../../src/cli/staticServer.js';
import { PLAYGROUND_CSP } from '../../src/cli/playgroundCommand.js';
import { launchChromium } from '../report/inspectReport.js';
import { certify } from '../../src/cli/certify.js';

interface DropFile { name: string; b64: string }

/** Drops files on the page's drop zone (a real `drop` event with a DataTransfer of File objects). */
async function dropFiles(page: Page, files: DropFile[]): Promise<void> {
  const dt = await page.evaluateHandle((fs: DropFile[]) => {
    const t = new DataTransfer();
    for (const f of fs) t.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    return t;
  }, files);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
}

const file = (path: string, name = path.split('/').pop() as string): DropFile => ({ name, b64: readFileSync(path).toString('base64') });

describe('lipkit playground page', () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lipkit-playground-'));
    await buildPlayground(dir);
    server = await serveStatic({ port: 0, routes: { '/': dir }, headers: { 'Content-Security-Policy': PLAYGROUND_CSP } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('trains, draws, bounds, certifies a dropped model and refuses bad drops; nothing leaves 127.0.0.1', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const backend = await page.textContent('#backend');
    expect(backend).toMatch(/^(WebGL|wasm)/);

    // Train with a gradient penalty for a few seconds.
    await page.selectOption('#method', 'gradient-penalty');
    await page.click('#train');
    await page.waitForFunction(() => Number(document.getElementById("step")?.textContent) >= 30, undefined, { timeout: 60_000 });
    await page.click('#train'); // pause: the bounds are then those of the current model
    await page.waitForFunction(() => document.getElementById('upper')?.dataset.step === document.getElementById('step')?.textContent,
      undefined, { timeout: 60_000 });
    const upper = Number(await page.textContent('#upper'));
    const lower = Number(await page.textContent('#lower'));
    expect(upper).toBeGreaterThan(0);
    expect(upper).toBeGreaterThanOrEqual(lower);
    // Paused: the tight bound (method auto, 2-D input so the exact constant is among them) sits between.
    await page.waitForFunction(() => document.getElementById('tight')?.dataset.step === document.getElementById('step')?.textContent,
      undefined, { timeout: 60_000 });
    const tight = Number((await page.textContent('#tight'))?.split(' ')[0]);
    expect(tight).toBeLessThanOrEqual(upper);
    expect(tight).toBeGreaterThanOrEqual(lower);
    expect(await page.getAttribute('#tight', 'data-method')).not.toBe('product');
    expect(await page.textContent('#loss')).toMatch(/^\d/);
    expect(await page.$$eval('#layers tbody tr', (rows) => rows.length)).toBe(4); // 3 hidden + output
    // The surface is drawn: both class colours on the canvas.
    const colours = await page.$eval('#surface', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, 396, 396).data ?? new Uint8ClampedArray();
      let orange = 0; let blue = 0;
      for (let i = 0; i < d.length; i += 4) { if (d[i] > d[i + 2] + 60) orange++; if (d[i + 2] > d[i] + 60) blue++; }
      return { orange, blue };
    });
    expect(colours.orange).toBeGreaterThan(5000);
    expect(colours.blue).toBeGreaterThan(5000);

    // Export the trained model (TF.js download handler) and certify the download in Node: same bound.
    const downloads: Record<string, string> = {};
    page.on('download', (d) => { void d.path().then((p) => { downloads[d.suggestedFilename()] = p; }); });
    await page.click('#export');
    for (let i = 0; i < 100 && Object.keys(downloads).length < 2; i++) await page.waitForTimeout(100);
    expect(Object.keys(downloads).sort()).toEqual(['lipkit-playground.json', 'lipkit-playground.weights.bin']);
    const exported = join(dir, 'exported');
    mkdirSync(exported);
    const modelJson = JSON.parse(readFileSync(downloads['lipkit-playground.json'], 'utf8')) as { weightsManifest: { paths: string[] }[] };
    expect(modelJson.weightsManifest[0].paths).toEqual(['./lipkit-playground.weights.bin']);
    copyFileSync(downloads['lipkit-playground.json'], join(exported, 'model.json'));
    copyFileSync(downloads['lipkit-playground.weights.bin'], join(exported, 'lipkit-playground.weights.bin'));
    // the page shows the product bound (lipschitzBound's default); certify's default is --method auto
    const again = await certify(join(exported, 'model.json'), { lowerBound: false, method: 'product' });
    expect(Number(again.upperBound.toPrecision(4))).toBe(upper);

    // Drop the saved example model: the per-layer table of `lipkit certify`.
    await dropFiles(page, [file('examples/models/mlp/model.json'), file('examples/models/mlp/weights.bin')]);
    await page.waitForSelector('#certify-message.ok', { timeout: 30_000 });
    const rows = await page.$$eval('#certify-table tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    // The same table as `lipkit certify` (per-layer constants come from the weights, float64 on the host).
    const cli = await certify('examples/models/mlp/model.json', { lowerBound: false });
    expect(rows).toEqual(cli.layers.map((l) => [l.name, l.className, String(Number((l.lipschitz as number).toPrecision(5))), l.method]));
    expect(await page.textContent('#certify-table .upper-bound')).toBe(String(Number(cli.upperBound.toPrecision(5))));
    expect(await page.textContent('#certify-message')).toMatch(/certified upper bound/);
    // README screenshot: PLAYGROUND_SCREENSHOT=docs/playground.png npx vitest run test/browser/playground.test.ts
    if (process.env.PLAYGROUND_SCREENSHOT) await page.screenshot({ path: resolve(process.env.PLAYGROUND_SCREENSHOT) });

    // Bad drops: one clear message, no table.
    const bad = async (files: DropFile[], pattern: RegExp): Promise<void> => {
      await dropFiles(page, files);
      await page.waitForSelector('#certify-message.error', { timeout: 30_000 });
      expect(await page.textContent('#certify-message')).toMatch(pattern);
      expect(await page.$$eval('#certify-table tr', (trs) => trs.length)).toBe(0);
      await page.evaluate(() => { document.getElementById('certify-message')!.className = ''; });
    };
    await bad([{ name: 'model.json', b64: Buffer.from('{"hello": 1}').toString('base64') }], /not a TF\.js Layers model/);
    await bad([file('examples/models/mlp/model.json')], /weights\.bin named in model\.json was not dropped/);
    await bad([file('examples/models/mlp/model.json'), { name: 'weights.bin', b64: Buffer.alloc(12).toString('base64') }],
      /weights do not match the manifest/);
    await bad([file('examples/models/mlp/weights.bin')], /Drop one model\.json/);

    await page.close();
    expect(requests.length).toBeGreaterThanOrEqual(2); // the page and its bundle (plus wasm/*.wasm without WebGL)
    const outside = requests.filter((r) => !r.startsWith(server.url) && !r.startsWith('data:') && !r.startsWith('blob:'));
    expect(outside, outside.join('\n')).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
    console.log(`playground: backend ${backend}; bound ${upper} >= ${lower}`);
  });

  it('falls back to wasm when the browser has no WebGL, says why, and trains there', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype] as { getContext: (...a: unknown[]) => unknown }[]) {
        const original = proto.getContext;
        proto.getContext = function (this: unknown, kind: unknown, ...rest: unknown[]) {
          return typeof kind === 'string' && kind.includes('webgl') ? null : original.call(this, kind, ...rest);
        };
      }
    });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    expect(await page.textContent('#backend')).toMatch(/^wasm \(WebGL unavailable: .+\)$/);
    await page.selectOption('#method', 'lipschitz-projection');
    await page.click('#train');
    await page.waitForFunction(() => Number(document.getElementById('step')?.textContent) >= 30, undefined, { timeout: 60_000 });
    await page.click('#train');
    // Lipschitz projection with cap 1 on 4 dense layers: certified bound at most 1 (times relu's 1).
    const upper = Number(await page.textContent('#upper'));
    expect(upper).toBeGreaterThan(0);
    expect(upper).toBeLessThanOrEqual(1 + 1e-3);
    await page.close();
    expect(requests.some((r) => r.endsWith('.wasm'))).toBe(true);
    expect(requests.filter((r) => !r.startsWith(server.url) && !r.startsWith('data:') && !r.startsWith('blob:'))).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
