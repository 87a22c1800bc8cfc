import { describe, expect, it } from 'vitest';
import { meanStd, summarize, formatMarkdown, directionCell } from '../../../src/studies/continuity/summarize.js';
import type { RunRecord } from '../../../src/studies/continuity/runOne.js';

const sizes = { train: 8, validation: 4, length: 16, minLength: 4, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 4, epochs: 1, learningRate: 1e-3 };

function rec(task: RunRecord['task'], arm: string, lambda: number, seed: number, validation: number | null, diverged = false, metric: 'mse' | 'accuracy' = 'mse', test: RunRecord['test'] = null): RunRecord {
  const model = arm.startsWith('SSM') ? 's4d' : 'transformer';
  return {
    task, model, arm, lambda, seed, sizes, metric, higherIsBetter: metric === 'accuracy',
    metrics: { validation, lipReg: 0.5, lf: 1, loss: 1 },
    test,
    curves: { loss: [1], taskLoss: [1], lipReg: [0.5], lf: [1], validation: [validation] },
    diverged, backend: 'cpu', seconds: 0.1,
  };
}

describe('meanStd', () => {
  it('is the mean and the n-1 sample standard deviation', () => {
    const s = meanStd([1, 2, 3, 6]);
    expect(s.mean).toBe(3);
    // sum of squares 4 + 1 + 0 + 9 = 14, / 3
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, n: 1 });
    expect(meanStd([]).n).toBe(0);
    expect(Number.isNaN(meanStd([]).mean)).toBe(true);
  });
});

describe('summarize', () => {
  const records = [
    rec('fig1-high', 'SSM+Emb', 0, 0, 1.0), rec('fig1-high', 'SSM+Emb', 0, 1, 1.2),
    rec('fig1-high', 'SSM+Emb+Lip', 1, 0, 0.8), rec('fig1-high', 'SSM+Emb+Lip', 1, 1, 0.8), rec('fig1-high', 'SSM+Emb+Lip', 1, 2, null, true),
    rec('fig1-high', 'SSM+Emb+LipWrongSign', -1, 0, 0.9), rec('fig1-high', 'SSM+Emb+LipWrongSign', -1, 1, 1.1),
    rec('listops', 'Transformer', 0, 0, 0.2, false, 'accuracy'), rec('listops', 'Transformer', 0, 1, 0.4, false, 'accuracy'),
    rec('listops', 'Transformer+Lip', -2, 0, 0.1, false, 'accuracy'), rec('listops', 'Transformer+Lip', -2, 1, 0.3, false, 'accuracy'),
  ];
  const rows = summarize(records);

  it('groups by task, arm and lambda; counts diverged runs and leaves them out of the means', () => {
    expect(rows.map((r) => `${r.task}/${r.arm}/${r.lambda}`)).toEqual([
      'fig1-high/SSM+Emb/0', 'fig1-high/SSM+Emb+Lip/1', 'fig1-high/SSM+Emb+LipWrongSign/-1', 'listops/Transformer/0', 'listops/Transformer+Lip/-2',
    ]);
    const lip = rows[1];
    expect(lip.runs).toBe(3);
    expect(lip.diverged).toBe(1);
    expect(lip.validation).toEqual({ mean: 0.8, std: 0, n: 2 });
  });

  it('measures the paper direction in pooled standard deviations, lower-is-better aware', () => {
    const base = meanStd([1.0, 1.2]);
    // SSM+Emb+Lip: mse 0.8 vs 1.1 -> improvement 0.3, pooled sd sqrt((0 + s^2) / 2)
    const d = rows[1].direction!;
    expect(d.baseline).toBe('SSM+Emb');
    expect(d.improvement).toBeCloseTo(0.3, 12);
    expect(d.sds).toBeCloseTo(0.3 / Math.sqrt(base.std ** 2 / 2), 10);
    expect(d.held).toBe(true);
    // wrong sign: mse mean 1.0 vs 1.1 is better, so the control's expectation (not better) failed
    expect(rows[2].direction!.held).toBe(false);
    // accuracy: 0.2 vs 0.3 is worse for Transformer+Lip -> did not hold, negative sds
    const t = rows[4].direction!;
    expect(t.improvement).toBeCloseTo(-0.1, 12);
    expect(t.sds).toBeLessThan(0);
    expect(t.held).toBe(false);
    expect(rows[0].direction).toBeUndefined();
  });

  it('says n/a without finite runs and gives no sd for one seed', () => {
    const r = summarize([rec('fig1-low', 'Transformer', 0, 0, 1), rec('fig1-low', 'Transformer+Lip', -1, 0, null, true)]);
    expect(r[1].direction!.held).toBeNull();
    expect(directionCell(r[1])).toBe('n/a');
    const one = summarize([rec('fig1-low', 'Transformer', 0, 0, 1), rec('fig1-low', 'Transformer+Lip', -1, 0, 0.5)]);
    expect(directionCell(one[1])).toBe('held (one seed, no sd vs Transformer)');
  });

  it('formats one markdown section per task with every arm row and the direction column', () => {
    const md = formatMarkdown(rows, 'T');
    expect(md).toContain('## fig1-high');
    expect(md).toContain('## listops');
    expect(md).toContain('mse (lower is better)');
    expect(md).toContain('accuracy (higher is better)');
    for (const r of rows) expect(md).toMatch(new RegExp(`\\| ${r.arm.replace(/\+/g, '\\+')} \\| ${r.lambda} \\|`));
    expect(md).toContain('| SSM+Emb+Lip | 1 | 0.8 ± 0 |');
    expect(md).toMatch(/held \(\+\d/);
    expect(md).toContain('did not hold');
  });

  it('judges forecasting tasks on test MSE and shows test MSE and MAE columns', () => {
    const t = (mse: number, mae: number): RunRecord['test'] => ({ mse, mae });
    const f = summarize([
      rec('weather-24', 'Transformer', 0, 0, 0.5, false, 'mse', t(0.30, 0.4)), rec('weather-24', 'Transformer', 0, 1, 0.5, false, 'mse', t(0.32, 0.42)),
      // validation says worse (0.6 > 0.5), test says better (0.20 < 0.31): the test MSE decides
      rec('weather-24', 'Transformer+Lip', -1, 0, 0.6, false, 'mse', t(0.20, 0.3)), rec('weather-24', 'Transformer+Lip', -1, 1, 0.6, false, 'mse', t(0.22, 0.31)),
      rec('weather-24', 'Transformer+Lip', -1, 2, null, true, 'mse', { mse: null, mae: null }),
    ]);
    expect(f[1].test!.mse.mean).toBeCloseTo(0.21, 12);
    expect(f[1].test!.mae.n).toBe(2);
    expect(f[1].direction!.improvement).toBeCloseTo(0.1, 12);
    expect(f[1].direction!.held).toBe(true);
    const md = formatMarkdown(f);
    expect(md).toContain('| validation mse | test MSE (lower is better) | test MAE |');
    expect(md).toContain('| Transformer+Lip | -1 | 0.6 ± 0 | 0.21 ± 0.014 | 0.305 ± 0.0071 |');
    expect(rows[0].test).toBeUndefined();
  });
});
