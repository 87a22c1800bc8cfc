import { describe, expect, it } from 'vitest';
import { censoredSteps, errorArea, formatMeanSd, meanSd, spearman, spectralBiasClaims, spectralBiasTables } from '../../../src/studies/spectralBias/summarize.js';
import { settledIndex, type SpectralBiasRecord } from '../../../src/studies/spectralBias/trainArm.js';

const FREQS = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50];

/** A synthetic record whose error of frequency k decays linearly to 0 at step `reach(k)`. */
function record(arm: string, seed: number, reach: (k: number) => number, lambda = 0): SpectralBiasRecord {
  const steps = Array.from({ length: 11 }, (_, i) => i * 10);
  const errors = steps.map((s) => FREQS.map((k) => Math.max(0, 1 - s / reach(k))));
  const r: SpectralBiasRecord = {
    arm, lambda, epsilon: 0.01, seed, sizes: { count: 200, width: 8, depth: 1, steps: 100, evalEvery: 10, learningRate: 1e-3 },
    frequencies: FREQS, amplitudes: FREQS.map((k) => k / 50), steps, errors,
    mse: steps.map(() => 1), validationMse: steps.map((st) => 1 - st / (2 * reach(50))), lipReg: steps.map(() => 0.5), weight: steps.map(() => lambda), targetLipReg: 2,
    stepsToThreshold: [], threshold: 0.5, finalErrors: errors[errors.length - 1], finalMse: 1, checkpoints: [], diverged: false, backend: 'cpu', seconds: 1,
  };
  r.stepsToThreshold = FREQS.map((_, k) => { const i = settledIndex(errors.map((e) => e[k]), 0.5); return i < 0 ? null : steps[i]; });
  return r;
}

describe('spectral-bias summary', () => {
  it('settledIndex: the first index after which every value stays below the threshold', () => {
    expect(settledIndex([1, 0.4, 0.6, 0.3, 0.2], 0.5)).toBe(3);
    expect(settledIndex([0.1, 0.2], 0.5)).toBe(0);
    expect(settledIndex([0.1, 0.9], 0.5)).toBe(-1);
  });

  it('errorArea is the normalized trapezoid area; censoredSteps caps unreached frequencies', () => {
    const r = record('MSE', 0, () => 100); // error 1 - s/100: area 0.5
    expect(errorArea(r, 0)).toBeCloseTo(0.5, 12);
    const never = record('MSE', 0, () => 1e9);
    expect(never.stepsToThreshold[0]).toBeNull();
    expect(censoredSteps(never, 0)).toBe(110);
    expect(censoredSteps(r, 0)).toBe(60); // error 0.5 at step 50 is not < 0.5; 0.4 at step 60
  });

  it('meanSd, formatMeanSd and spearman', () => {
    expect(meanSd([1, 2, 3])).toEqual({ mean: 2, sd: 1, n: 3 });
    expect(formatMeanSd([1, 2, 3], 1)).toBe('2.0 ± 1.0');
    expect(formatMeanSd([])).toBe('n/a');
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBe(0);
  });

  it('claims: spectral bias (older rule, exploratory) and the regularizer claim by the paired verdict rule (primary)', () => {
    const seeds = [0, 1, 2, 3, 4, 5];
    const plain = seeds.map((s) => record('MSE', s, (k) => 10 + 4 * k + s));
    const faster = seeds.map((s) => record('Lip', s, (k) => (k >= 30 ? 10 + 2 * k + s : 10 + 4 * k + s), 1));
    const slower = seeds.map((s) => record('Lip', s, (k) => 10 + 6 * k + s, 1));
    const held = spectralBiasClaims([...plain, ...faster], 'MSE');
    expect(held[0].held).toBe(true); // area rises with k in the plain arm
    expect(held[0].primary).toBe(false);
    expect(held[1]).toMatchObject({ verdict: 'held', held: true, primary: true, n: 6 });
    expect(held[1].p).toBeCloseTo(2 / 64, 12); // all 6 paired differences negative: exact sign-flip
    expect(held[1].pAdjusted).toBe(held[1].p); // one regularized arm: a family of one
    expect(spectralBiasClaims([...plain, ...slower], 'MSE')[1].verdict).toBe('contradicted');
    // One seed: inconclusive without statistics.
    const one = spectralBiasClaims([plain[0], faster[0]], 'MSE')[1];
    expect(one).toMatchObject({ verdict: 'inconclusive', held: null, n: 1 });
    expect(one.p).toBeUndefined();
    // Three seeds: the smallest two-sided sign-flip p is 0.25: inconclusive however consistent.
    expect(spectralBiasClaims([...plain.slice(0, 3), ...faster.slice(0, 3)], 'MSE')[1].verdict).toBe('inconclusive');
    // Selection runs are not evaluation runs.
    const sel = faster.map((r) => ({ ...r, arm: 'Grid', role: 'selection' as const }));
    expect(spectralBiasClaims([...plain, ...faster, ...sel], 'MSE').some((c) => c.claim.includes('Grid'))).toBe(false);
  });

  it('tables have one cell per column', () => {
    const rs = [record('MSE', 0, (k) => 10 + 4 * k), record('Lip', 0, (k) => 10 + 3 * k, 1)];
    for (const t of spectralBiasTables(rs)) for (const row of t.rows) expect(row.length).toBe(t.columns.length);
    expect(spectralBiasTables(rs)[0].rows.length).toBe(10);
  });
});
