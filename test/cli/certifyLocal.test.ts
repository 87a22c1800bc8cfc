import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import type { CertifyReport } from '../../src/cli/certify.js';

const MLP = 'examples/models/mlp/model.json';
const CONV = 'examples/models/conv/model.json';
const dir = mkdtempSync(path.join(tmpdir(), 'lipkit-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('lipkit certify --local-radius', () => {
  it('prints per-input local bounds and radii, and certified robust accuracy with labels (JSON)', async () => {
    const inputs = (JSON.parse(readFileSync('examples/data/mlp-inputs.json', 'utf8')) as { inputs: number[][] }).inputs.slice(0, 6);
    const file = path.join(dir, 'labelled.json');
    writeFileSync(file, JSON.stringify({ inputs, labels: inputs.map((x) => (x[0] > 0 ? 1 : 0)) }));
    const { code, out, err } = await run(['certify', MLP, '--json', '--data', file, '--local-radius', '0.1', '--no-lower-bound']);
    expect(code, err).toBe(0);
    const report = JSON.parse(out) as CertifyReport;
    const local = report.local;
    if (!local) throw new Error('no local section');
    expect(local.radius).toBe(0.1);
    expect(local.inputs).toHaveLength(6);
    for (const r of local.inputs) {
      expect(r.localBound).toBeLessThanOrEqual(report.upperBound);
      expect(r.localBound).toBeGreaterThan(0);
      expect(['fast-lip |C|+R', 'fast-lip ||C||+||R||', 'spectral expansion', 'global']).toContain(r.method);
      expect(r.localRadius).toBeGreaterThanOrEqual(r.globalRadius);
      expect(r.certifiedAtRadius || !r.certifiedAtRadiusGlobal).toBe(true);
    }
    const s = local.summary;
    expect(s.certifiedAccuracy).not.toBeNull();
    expect(s.certifiedAccuracy).toBeGreaterThanOrEqual(s.certifiedAccuracyGlobal ?? 0);
    expect(s.certifiedAccuracy).toBe(local.inputs.filter((r) => r.prediction === r.label && r.certifiedAtRadius).length / 6);
    expect(s.meanLocalRadius).toBeGreaterThanOrEqual(s.meanGlobalRadius);
  });

  it('works on the example CNN and prints a table; without labels accuracy is absent', async () => {
    const { code, out, err } = await run(['certify', CONV, '--data', 'examples/data/conv-inputs.json', '--local-radius', '0.05', '--no-lower-bound', '--local-relaxation', 'interval']);
    expect(code, err).toBe(0);
    expect(out).toMatch(/local bounds at radius 0.05/);
    expect(out).toMatch(/mean local bound .* vs global/);
    expect(out).not.toMatch(/certified robust accuracy/);
  });

  it('rejects bad flags and labels with one line', async () => {
    const bad = async (argv: string[], what: RegExp): Promise<void> => {
      const { code, out, err } = await run(argv);
      expect(code, err).toBe(2);
      expect(out).toBe('');
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toMatch(what);
    };
    await bad(['certify', MLP, '--local-radius', '0.1'], /--local-radius: needs --data/);
    await bad(['certify', MLP, '--data', 'examples/data/mlp-inputs.json', '--local-radius', '-1'], /--local-radius/);
    await bad(['certify', MLP, '--data', 'examples/data/mlp-inputs.json', '--local-radius', 'abc'], /--local-radius/);
    await bad(['certify', MLP, '--data', 'examples/data/mlp-inputs.json', '--local-radius', '1', '--local-relaxation', 'box'], /--local-relaxation/);
    const file = path.join(dir, 'badlabels.json');
    writeFileSync(file, JSON.stringify({ inputs: [[0, 1], [1, 0]], labels: [0, 1.5] }));
    await bad(['certify', MLP, '--data', file, '--local-radius', '1'], /labels\[1\]/);
    writeFileSync(file, JSON.stringify({ inputs: [[0, 1], [1, 0]], labels: [0] }));
    await bad(['certify', MLP, '--data', file, '--local-radius', '1'], /"labels" has 1 entries/);
  });
});
