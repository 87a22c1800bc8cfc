import { describe, expect, it } from 'vitest';
import { meanStd, summarize, formatMarkdown } from '../../../src/studies/continuity/summarize.js';
import { selectByValidation } from '../../../src/studies/continuity/selectLambda.js';
import { continuityClaims } from '../../../src/studies/continuity/continuityClaims.js';
import { signFlipPValue } from '../../../src/studies/stats/signFlipPValue.js';
import { meanInterval } from '../../../src/studies/stats/meanInterval.js';
import { holmAdjust } from '../../../src/studies/stats/holmAdjust.js';
import type { RunRecord } from '../../../src/studies/continuity/runOne.js';

const sizes = { train: 8, validation: 4, length: 16, minLength: 4, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 4, epochs: 1, learningRate: 1e-3 };

function rec(task: string, arm: string, lambda: number, seed: number, validation: number | null, test: number | null = validation, continuity: number | null = 1, diverged = false, metric: 'mse' | 'accuracy' = 'mse'): RunRecord {
  const model = arm.startsWith('SSM') ? 's4d' : 'transformer';
  return {
    task, model, arm, lambda, seed, sizes, metric, higherIsBetter: metric === 'accuracy',
    metrics: { validation, lipReg: 0.5, continuity, lf: 1, loss: 1 },
    test: { metric: test, mse: metric === 'mse' ? test : null, mae: metric === 'mse' ? test : null, continuity },
    curves: { loss: [1], taskLoss: [1], lipReg: [0.5], continuity: [continuity], lf: [1], validation: [validation] },
    diverged, backend: 'cpu', seconds: 0.1,
  };
}

describe('meanStd', () => {
  it('is the mean and the n-1 sample standard deviation', () => {
    const s = meanStd([1, 2, 3, 6]);
    expect(s.mean).toBe(3);
    expect(s.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, n: 1 });
    expect(Number.isNaN(meanStd([]).mean)).toBe(true);
  });
});

describe('summarize (descriptive)', () => {
  const records = [
    rec('fig1-high', 'SSM+Emb', 0, 0, 1.0, 1.1), rec('fig1-high', 'SSM+Emb', 0, 1, 1.2, 1.3),
    rec('fig1-high', 'SSM+Emb+Lip', 1, 0, 0.8), rec('fig1-high', 'SSM+Emb+Lip', 1, 1, 0.8), rec('fig1-high', 'SSM+Emb+Lip', 1, 2, null, null, null, true),
    rec('listops', 'Transformer', 0, 0, 0.2, 0.25, 1, false, 'accuracy'),
  ];
  const rows = summarize(records);

  it('groups by task, arm and lambda; counts diverged runs and leaves them out of the means', () => {
    expect(rows.map((r) => `${r.task}/${r.arm}/${r.lambda}`)).toEqual(['fig1-high/SSM+Emb/0', 'fig1-high/SSM+Emb+Lip/1', 'listops/Transformer/0']);
    expect(rows[1]).toMatchObject({ runs: 3, diverged: 1, validation: { mean: 0.8, std: 0, n: 2 } });
    expect(rows[0].test.mean).toBeCloseTo(1.2, 12);
    expect(rows[2].testMae.n).toBe(0);
  });

  it('formats one markdown section per task with validation, test, L_Lip and the scale-free continuity', () => {
    const md = formatMarkdown(rows, 'T');
    expect(md).toContain('## fig1-high');
    expect(md).toContain('test mse (lower is better)');
    expect(md).toContain('test accuracy (higher is better)');
    expect(md).toContain('continuity C(e) (scale-free)');
    expect(md).toContain('| SSM+Emb+Lip | 1 | 0.8 ± 0 | 0.8 ± 0 |');
  });
});

describe('selectByValidation (lambda chosen on validation, scored on test)', () => {
  it('chooses the best validation lambda per (task, arm, seed), never a diverged run, ties to smaller |lambda|', () => {
    const sel = selectByValidation([
      rec('fig1-low', 'SSM+Emb+Lip', 1, 0, 0.5, 0.9), rec('fig1-low', 'SSM+Emb+Lip', 4, 0, 0.4, 0.95),
      rec('fig1-low', 'SSM+Emb+Lip', 1, 1, 0.4, 0.1), rec('fig1-low', 'SSM+Emb+Lip', 4, 1, 0.4, 0.2),
      rec('fig1-low', 'SSM+Emb+Lip', 1, 2, 0.3, null, null, true), rec('fig1-low', 'SSM+Emb+Lip', 4, 2, 0.6, 0.6),
      rec('fig1-low', 'SSM+Emb+Lip', 1, 3, null, null, null, true), rec('fig1-low', 'SSM+Emb+Lip', 4, 3, null, null, null, true),
      rec('listops', 'Transformer+Lip', -1, 0, 0.3, 0.2, 1, false, 'accuracy'), rec('listops', 'Transformer+Lip', -4, 0, 0.5, 0.1, 1, false, 'accuracy'),
    ]);
    expect(sel.map((s) => [s.seed, s.lambda, s.record?.test.metric ?? null])).toEqual([[0, 4, 0.95], [1, 1, 0.1], [2, 4, 0.6], [3, NaN, null], [0, -4, 0.1]]);
    expect(sel[2].diverged).toBe(1);
    expect(sel[3].record).toBeNull();
  });
});

describe('continuityClaims (pre-registered primaries with Holm, controls and exploratory alone)', () => {
  // 8 seeds with known per-seed effects; lambda 1 and 4 for the regularized arms
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
  const noise = [0.03, -0.02, 0.05, -0.04, 0.01, 0.02, -0.01, 0.04];
  const records: RunRecord[] = [];
  for (const s of seeds) {
    const e = noise[s];
    // baselines: S4 good on high (0.01) bad on low (0.1); Transformer the reverse (0.08 / 0.02)
    records.push(rec('fig1-high', 'SSM+Emb', 0, s, 0.01, 0.01 * Math.exp(e), 0.1));
    records.push(rec('fig1-low', 'SSM+Emb', 0, s, 0.1, 0.1 * Math.exp(-e), 1.6));
    records.push(rec('fig1-high', 'Transformer', 0, s, 0.08, 0.08, 0.09));
    records.push(rec('fig1-low', 'Transformer', 0, s, 0.02, 0.02, 1.6));
    // P2: S4+Lip lowers MSE by a factor 0.5 at lambda 4 (chosen), lambda 1 is worse on validation
    records.push(rec('fig1-low', 'SSM+Emb+Lip', 1, s, 0.2, 0.3, 1.6));
    records.push(rec('fig1-low', 'SSM+Emb+Lip', 4, s, 0.05, 0.05 * Math.exp(-e), 1.6 * Math.exp(-0.5 + e)));
    // P3: Transformer+Lip: pure noise around the baseline
    records.push(rec('fig1-high', 'Transformer+Lip', -1, s, 0.08, 0.08 * Math.exp(e), 0.09 * Math.exp(e)));
    // controls
    records.push(rec('fig1-low', 'SSM+Emb+LipWrongSign', -2, s, 0.2, 0.2, 1.7));
    records.push(rec('fig1-high', 'Transformer+LipWrongSign', 2, s, 0.09, 0.09, 0.08));
  }
  const claims = continuityClaims(selectByValidation(records));
  const byId = (prefix: string) => claims.find((c) => c.claim.startsWith(prefix))!;

  it('computes P1-P4 from the chosen runs, with exact sign-flip p and Holm over the 5 primaries', () => {
    const primaries = claims.filter((c) => c.primary === true);
    expect(primaries.map((c) => c.claim.split(' ')[0])).toEqual(['P1', 'P2', 'P3', 'P4a', 'P4b']);
    // P1 per seed: [ln(0.01 e^e) - ln(0.1 e^-e)] - [ln 0.08 - ln 0.02] = ln(0.1) + 2e - ln 4
    const p1 = noise.map((e) => Math.log(0.1) + 2 * e - Math.log(4));
    const p2 = noise.map(() => Math.log(0.5));
    const p3 = noise;
    const p4a = noise.map((e) => -0.5 + e);
    const p4b = noise;
    const raw = [p1, p2, p3, p4a, p4b].map((d) => signFlipPValue(d).p);
    const adj = holmAdjust(raw);
    primaries.forEach((c, i) => {
      const d = [p1, p2, p3, p4a, p4b][i];
      expect(c.n).toBe(8);
      expect(c.effect).toBeCloseTo(meanInterval(d).mean, 10);
      expect(c.p).toBeCloseTo(raw[i], 12);
      expect(c.pAdjusted).toBeCloseTo(adj[i], 12);
    });
    expect(byId('P1').verdict).toBe('held');
    expect(byId('P2').verdict).toBe('held');
    expect(byId('P3').verdict).toBe('inconclusive');
    expect(byId('P4a').verdict).toBe('held');
    expect(byId('P4b').verdict).toBe('inconclusive');
    expect(byId('P2').held).toBe(true);
    expect(byId('P3').held).toBeNull();
    expect(byId('P2').evidence).toContain('λ chosen on validation from {1, 4}: 4 ×8');
    expect(byId('P1').evidence).toContain('Table 3');
  });

  it('judges the wrong-sign controls alone (secondary, unadjusted)', () => {
    const c1 = byId('Control: S4');
    expect(c1.primary).toBe(false);
    expect(c1.verdict).toBe('held'); // 0.2 vs 0.1 e^-e: worse at every seed
    expect(c1.pAdjusted).toBe(c1.p);
    const c4 = byId('Control (mechanism): +λ makes the Transformer');
    expect(c4.verdict).toBe('held'); // 0.08 < 0.09
  });

  it('leaves out claims whose cells were not run; fewer than 2 seeds is inconclusive without statistics', () => {
    const one = continuityClaims(selectByValidation(records.filter((r) => r.seed === 0)));
    expect(one.filter((c) => c.primary).every((c) => c.verdict === 'inconclusive' && c.p === undefined)).toBe(true);
    const onlyLow = continuityClaims(selectByValidation(records.filter((r) => r.task === 'fig1-low')));
    expect(onlyLow.map((c) => c.claim.split(' ')[0])).toEqual(['P2', 'P4a', 'Control:', 'Control']);
  });
});
