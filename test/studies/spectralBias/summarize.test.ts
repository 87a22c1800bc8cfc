import { describe, expect, it } from 'vitest';
import { censoredSteps, errorArea, finalHeldOutMse, formatMeanSd, meanSd, spearman, spectralBiasClaims, spectralBiasTables } from '../../../src/studies/spectralBias/summarize.js';
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

  it('claims: spectral bias, earlier high frequencies and final held-out MSE as primaries (Holm over 3), validation area exploratory', () => {
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const plain = seeds.map((s) => record('MSE', s, (k) => 10 + 4 * k + s));
    const faster = seeds.map((s) => record('Lip', s, (k) => (k >= 30 ? 10 + 2 * k + s : 10 + 4 * k + s), 1));
    const slower = seeds.map((s) => record('Lip', s, (k) => 10 + 6 * k + s, 1));
    const held = spectralBiasClaims([...plain, ...faster], 'MSE');
    expect(held.map((c) => c.primary)).toEqual([true, true, true, false]);
    // Spectral bias: high-frequency area minus low-frequency area > 0 on all 8 plain seeds.
    expect(held[0]).toMatchObject({ verdict: 'held', held: true, n: 8 });
    expect(held[1]).toMatchObject({ verdict: 'held', held: true, primary: true, n: 8 });
    expect(held[1].p).toBeCloseTo(2 / 256, 12); // all 8 paired differences negative: exact sign-flip
    expect(held[1].pAdjusted).toBeCloseTo(3 * 2 / 256, 12); // Holm over the 3 primaries (all p equal)
    expect(held[2]).toMatchObject({ verdict: 'held', primary: true }); // final held-out MSE lower (validation falls faster)
    expect(held[3].pAdjusted).toBe(held[3].p); // exploratory: unadjusted
    const worse = spectralBiasClaims([...plain, ...slower], 'MSE');
    expect(worse[1].verdict).toBe('contradicted');
    expect(worse[2].verdict).toBe('contradicted');
    // One seed: inconclusive without statistics.
    const one = spectralBiasClaims([plain[0], faster[0]], 'MSE')[1];
    expect(one).toMatchObject({ verdict: 'inconclusive', held: null, n: 1 });
    expect(one.p).toBeUndefined();
    // Six seeds and three primaries: the smallest Holm-adjusted sign-flip p is 3 x 2/64 > 0.05: inconclusive however consistent.
    expect(spectralBiasClaims([...plain.slice(0, 6), ...faster.slice(0, 6)], 'MSE')[1].verdict).toBe('inconclusive');
    // Selection runs are not evaluation runs.
    const sel = faster.map((r) => ({ ...r, arm: 'Grid', role: 'selection' as const }));
    expect(spectralBiasClaims([...plain, ...faster, ...sel], 'MSE').some((c) => c.claim.includes('Grid'))).toBe(false);
  });

  it('finalHeldOutMse averages the validation MSE over the last 10 % of the measured steps', () => {
    const r = record('MSE', 0, () => 100); // validation 1 - s / 200 at s = 0, 10, ..., 100
    expect(finalHeldOutMse(r)).toBeCloseTo(((1 - 90 / 200) + (1 - 100 / 200)) / 2, 12);
    expect(finalHeldOutMse({ ...r, diverged: true })).toBeNull();
  });

  it('tables have one cell per column', () => {
    const rs = [record('MSE', 0, (k) => 10 + 4 * k), record('Lip', 0, (k) => 10 + 3 * k, 1)];
    for (const t of spectralBiasTables(rs)) for (const row of t.rows) expect(row.length).toBe(t.columns.length);
    expect(spectralBiasTables(rs)[0].rows.length).toBe(10);
  });
});
