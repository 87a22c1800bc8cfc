import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { runCli } from '../../src/cli/runCli.js';
import type { CertifyReport } from '../../src/cli/certify.js';
import { certifyProgress } from '../../src/cli/certifyProgress.js';
import { looseBoundLines } from '../../src/cli/certifyHeadline.js';
import { fileIOHandler } from '../../src/cli/fileIOHandler.js';
import { setBackend } from '../../src/backend/setBackend.js';
import { mobileNetV2 } from '../../src/models/zoo/mobileNetV2.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lipkit-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MOBILE = path.join(dir, 'mobile', 'model.json');
const BAD = path.join(dir, 'bad', 'model.json');

beforeAll(async () => {
  await setBackend('cpu');
  const m = mobileNetV2({ inputSize: 32, classes: 3, seed: 1 });
  await m.save(fileIOHandler(MOBILE));
  m.dispose();
  const input = tfl.input({ shape: [4, 4, 2] });
  const c = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'stem' }).apply(input) as tfl.SymbolicTensor;
  const ln = tfl.layers.layerNormalization({ name: 'norm_9' }).apply(c) as tfl.SymbolicTensor;
  const bad = tfl.model({ inputs: input, outputs: ln });
  await bad.save(fileIOHandler(BAD));
  bad.dispose();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('certifyProgress (not a terminal): one line per finished stage on stderr', () => {
  it('prints each stage once with its count, nothing on stdout, nothing more after a failure', () => {
    const lines: string[] = [];
    const p = certifyProgress({ stdout: () => { throw new Error('stdout'); }, stderr: (t) => { lines.push(t); } }, false);
    for (let i = 1; i <= 3; i++) p.onProgress({ stage: 'layer norms', done: i, total: 3, label: `l${i}` });
    p.onProgress({ stage: 'lower bound: directions', done: 1, total: 4 });
    p.stop(true);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^lipkit certify: layer norms 3\/3 \(\d+\.\d s\)\n$/);
    expect(lines[1]).toMatch(/^lipkit certify: lower bound: directions 1\/4 /);
    const q = certifyProgress({ stdout: () => undefined, stderr: (t) => { lines.push(t); } }, false);
    q.onProgress({ stage: 'layer norms', done: 1, total: 3 });
    q.stop(false);
    expect(lines).toHaveLength(2);
  });
});

describe('lipkit certify on a MobileNetV2-shaped model (32x32)', () => {
  it('--json: exactly one JSON object on stdout, the progress line on stderr, every layer in the table', async () => {
    const { code, out, err } = await run(['certify', MOBILE, '--json', '--no-lower-bound']);
    expect(code, err).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(out) as CertifyReport;
    expect(report.layers).toHaveLength(155);
    expect(report.certified).toBe(true);
    expect(err).toMatch(/^lipkit certify: layer norms 155\/155 \(/m);
    expect(report.notes.filter((n) => n.startsWith('merged ')).length).toBe(52);
    // The text headline of such a deep net says the product bound is loose and where to look instead.
    const lines = looseBoundLines(report).join('\n');
    expect(lines).toMatch(/a product over 155 layers/);
    expect(lines).toMatch(/--local-radius/);
  });
  it('--budget is validated (one line, exit 2, naming the flag)', async () => {
    for (const b of ['0', '-3', 'soon', '']) {
      const { code, err } = await run(['certify', MOBILE, '--budget', b]);
      expect(code).toBe(2);
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toMatch(/--budget/);
    }
  });
  it('an unsupported layer names itself and its class: exit 2, one line', async () => {
    const { code, out, err } = await run(['certify', BAD, '--no-lower-bound']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/'norm_9' \(LayerNormalization\)/);
  });
});

describe('looseBoundLines', () => {
  const report = (upper: number, lower: number | null, layers: number): CertifyReport => ({
    model: 'm', layers: Array.from({ length: layers }, (_, i) => ({ name: `l${i}`, className: 'Dense', lipschitz: 1, method: '' })),
    upperBound: upper, lowerBound: lower, certified: true, soundness: null, seconds: 0, backend: 'cpu', notes: [],
  });
  it('warns when the gap to the lower bound is large or, without one, when the net is deep; not otherwise', () => {
    expect(looseBoundLines(report(1e40, 3, 5)).join(' ')).toMatch(/3\.3e\+39 times the largest slope/);
    expect(looseBoundLines(report(10, 3, 200))).toEqual([]);
    expect(looseBoundLines(report(10, null, 3))).toEqual([]);
    expect(looseBoundLines(report(10, null, 40)).join(' ')).toMatch(/product over 40 layers/);
  });
});
