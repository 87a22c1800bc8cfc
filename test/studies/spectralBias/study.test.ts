import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { runSpectralBias, spectralBiasStudy } from '../../../src/studies/spectralBias/spectralBiasStudy.js';
import { buildSpectralBiasNetwork, trainArm, type SpectralBiasRecord } from '../../../src/studies/spectralBias/trainArm.js';
import { sumOfSines } from '../../../src/data/sumOfSines.js';
import { checkArm, checkSizes, checkSpectralBiasPlan, spectralBiasPlan } from '../../../src/studies/spectralBias/spec.js';
import { validationArea } from '../../../src/studies/spectralBias/selectArm.js';
import { renderFigureSvg } from '../../../src/report/renderFigure.js';
import { checkStudyOutputs } from '../../../src/report/checkStudyOutputs.js';
import { STUDY_MODES, type StudyProgress } from '../../../src/studies/study.js';
import { expectError } from '../../expectLipkitError.js';

const tiny = { count: 101, width: 16, depth: 2, steps: 30, evalEvery: 10, learningRate: 3e-3 };

describe('spectral-bias study', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('smoke mode: complete, well-formed, JSON-safe results; figures render; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const progress: StudyProgress[] = [];
    const out = await spectralBiasStudy.run({ mode: 'smoke', seed: 2, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    checkStudyOutputs('outputs', [out]);
    expect(out.study).toBe(spectralBiasStudy.name);
    expect(out.mode).toBe('smoke');
    expect(out.seed).toBe(2);
    const plan = spectralBiasPlan('smoke', 2);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(progress.every((p) => p.total === plan.arms.length * plan.seeds.length)).toBe(true);
    expect(out.records.length).toBe(plan.arms.length * plan.seeds.length);
    const evals = plan.sizes.steps / plan.sizes.evalEvery + 1;
    for (const raw of out.records) {
      const r = raw as unknown as SpectralBiasRecord;
      expect(r.diverged).toBe(false);
      expect(plan.seeds).toContain(r.seed);
      expect(r.validationMse.length).toBe(evals);
      expect(r.steps).toEqual(Array.from({ length: evals }, (_, i) => i * plan.sizes.evalEvery));
      expect(r.errors.length).toBe(evals);
      for (const row of r.errors) {
        expect(row.length).toBe(10);
        for (const e of row) { expect(Number.isFinite(e)).toBe(true); expect(e as number).toBeGreaterThanOrEqual(0); }
      }
      for (const series of [r.mse, r.lipReg, r.weight]) expect(series.length).toBe(evals);
      expect(r.weight[0]).toBe(r.lambda);
      expect(r.stepsToThreshold.length).toBe(10);
      expect(r.checkpoints.map((c) => c.step)).toEqual(r.seed === plan.seeds[0] ? plan.checkpointSteps : []);
      for (const c of r.checkpoints) expect(c.prediction.length).toBe(plan.sizes.count);
    }
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    // Two seeds: the paper's claim cannot reach p <= 0.05 (smallest sign-flip p 0.5), and the study says so.
    for (const c of out.claims) expect([true, false, null]).toContain(c.held);
    expect(out.claims.length).toBe(4);
    expect(out.claims.every((c) => c.held === null)).toBe(true);
    expect(out.claims.filter((c) => c.primary === true).length).toBe(3);
    expect(out.summary).toContain('narrower');
    for (const t of out.tables) for (const row of t.rows) expect(row.length).toBe(t.columns.length);
    expect(out.figures.map((f) => f.id)).toEqual(['error-per-frequency', 'error-heatmap', 'final-error', 'loss-curves', 'learned-function']);
    for (const f of out.figures) {
      const svg = await renderFigureSvg(f.spec);
      expect(svg, f.id).toMatch(/^<svg/);
      expect(svg.length, f.id).toBeGreaterThan(2000);
    }
  });

  it('trainArm is deterministic per seed; the subtracted L_Lip term raises the roughness of the prediction', () => {
    const before = tf.memory().numTensors;
    const plain = trainArm({ name: 'MSE', lambda: 0, epsilon: 0 }, 1, tiny);
    expect(tf.memory().numTensors).toBe(before);
    const again = trainArm({ name: 'MSE', lambda: 0, epsilon: 0 }, 1, tiny);
    expect(again.errors).toEqual(plain.errors);
    // The regularizer's gradient is proportional to the prediction's own roughness (tiny at
    // initialization), so its effect needs a hundred steps to show: then L_Lip(y_hat) is more than
    // 1.5 times the plain arm's (adding the term instead would lower it).
    const longer = { ...tiny, width: 32, steps: 100, evalEvery: 20, learningRate: 1e-2 };
    const base = trainArm({ name: 'MSE', lambda: 0, epsilon: 0 }, 1, longer);
    const lip = trainArm({ name: 'Lip', lambda: 5, epsilon: 0 }, 1, longer);
    expect(tf.memory().numTensors).toBe(before);
    // Same start (same seed): identical before training, different after.
    expect(lip.errors[0]).toEqual(base.errors[0]);
    expect(lip.lipReg[0]).toBe(base.lipReg[0]);
    expect(lip.lipReg[lip.lipReg.length - 1] as number).toBeGreaterThan(1.5 * (base.lipReg[base.lipReg.length - 1] as number));
    // decayedWeight schedule recorded: lambda e^{-eps t}.
    const decaying = trainArm({ name: 'decay', lambda: 2, epsilon: 0.1 }, 1, { ...tiny, steps: 10, evalEvery: 10 });
    expect(decaying.weight[1]).toBeCloseTo(2 * Math.exp(-1), 12);
  });

  it('chooses (lambda, eps) on validation over the grid on selection seeds, then evaluates it against MSE alone', async () => {
    const plan = { ...spectralBiasPlan('smoke', 0), arms: [{ name: 'MSE', lambda: 0, epsilon: 0 }], seeds: [0, 1], selection: { seeds: [50], grid: [{ name: 'a', lambda: 1, epsilon: 0.1 }, { name: 'b', lambda: 5, epsilon: 0 }] } };
    // In 2 worker threads (wasm); a selection stage of 40 steps against evaluation runs of 60.
    const out = await runSpectralBias({ plan: { ...plan, selection: { ...plan.selection, steps: 40 } }, workers: 2 });
    const recs = out.records as unknown as SpectralBiasRecord[];
    const sel = recs.filter((r) => r.role === 'selection');
    expect(sel.map((r) => r.arm)).toEqual(['a', 'b']);
    expect(sel.every((r) => r.seed === 50 && r.sizes.steps === 40)).toBe(true);
    // The workers compute what this thread computes (same backend, same seed).
    expect(sel[1].errors).toEqual(trainArm(plan.selection.grid[1], 50, { ...plan.sizes, steps: 40 }).errors);
    expect(recs.filter((r) => r.role === 'evaluation').every((r) => r.sizes.steps === plan.sizes.steps)).toBe(true);
    const winner = validationArea(sel[0])! <= validationArea(sel[1])! ? 'a' : 'b';
    const evalArms = [...new Set(recs.filter((r) => r.role !== 'selection').map((r) => r.arm))];
    expect(evalArms).toEqual(['MSE', winner]);
    expect(out.tables[0].rows.find((row) => row[5] === 'chosen')?.[0]).toBe(winner);
    expect(out.summary).toContain(`: ${winner}.`);
  });

  it('validation MSE is measured at the held-out midpoints (n + 1/2) / N against h in float64', () => {
    const r = trainArm({ name: 'MSE', lambda: 0, epsilon: 0 }, 4, { ...tiny, steps: 10, evalEvery: 10 });
    const d = sumOfSines({ count: tiny.count, seed: 4 });
    const net = buildSpectralBiasNetwork(tiny.width, tiny.depth, 4); // the initialization of step 0
    const xs = Array.from({ length: tiny.count }, (_, i) => (i + 0.5) / tiny.count);
    const pred = tf.tidy(() => (net.apply(tf.tensor2d(xs, [tiny.count, 1])) as tf.Tensor).dataSync());
    net.dispose();
    let se = 0;
    xs.forEach((x, i) => { const h = d.frequencies.reduce((a, k, j) => a + d.amplitudes[j] * Math.sin(2 * Math.PI * k * x + d.phases[j]), 0); se += (pred[i] - h) ** 2; });
    expect(r.validationMse[0]).toBeCloseTo(se / tiny.count, 4);
    expect(r.validationMse.length).toBe(2);
  });

  it('validates options, sizes and arms', async () => {
    await expect(runSpectralBias({ mode: 'huge' as never })).rejects.toMatchObject({ argument: 'options.mode' });
    await expect(runSpectralBias({ seed: -1 })).rejects.toMatchObject({ argument: 'options.seed' });
    await expect(runSpectralBias({ onProgress: 3 as never })).rejects.toMatchObject({ argument: 'options.onProgress' });
    expectError(() => checkSizes({ ...tiny, width: 0 }), 'sizes.width');
    expectError(() => checkSizes({ ...tiny, count: 100 }), 'sizes.count');
    expectError(() => checkSizes({ ...tiny, evalEvery: 31 }), 'sizes.evalEvery');
    expectError(() => checkArm('arm', { lambda: -1, epsilon: 0 }), 'arm.lambda');
    expectError(() => checkArm('arm', { lambda: 1, epsilon: Number.NaN }), 'arm.epsilon');
    const good = spectralBiasPlan('smoke', 0);
    expect(checkSpectralBiasPlan(good)).toEqual(good);
    expectError(() => checkSpectralBiasPlan({ ...good, checkpointSteps: [15] }), 'plan.checkpointSteps[0]');
    expectError(() => checkSpectralBiasPlan({ ...good, seeds: [] }), 'plan.seeds');
    expectError(() => checkSpectralBiasPlan({ ...good, seeds: [1, 1] }), 'plan.seeds');
    expectError(() => checkSpectralBiasPlan({ ...good, arms: [good.arms[0], good.arms[0]] }), 'plan.arms');
    expectError(() => checkSpectralBiasPlan({ ...good, threshold: 0 }), 'plan.threshold');
    await expect(runSpectralBias({ plan: { ...good, arms: [] } })).rejects.toMatchObject({ argument: 'plan.arms' });
    for (const mode of STUDY_MODES) {
      const p = spectralBiasPlan(mode, 0);
      expect(checkSpectralBiasPlan(p)).toEqual(p);
      expect(p.arms[0].lambda).toBe(0);
      if (mode !== 'smoke') { expect(p.sizes.width).toBe(256); expect(p.sizes.depth).toBe(6); }
      if (mode === 'default' || mode === 'full') {
        expect(p.seeds.length).toBeGreaterThanOrEqual(8);
        expect(p.selection?.grid.length).toBe(25); // the paper's grid
        expect(p.selection?.grid.map((a) => a.lambda)).toContain(5);
        expect(p.selection?.grid.map((a) => a.epsilon)).toContain(1e-5);
        expect(p.selection?.steps).toBeLessThanOrEqual(p.sizes.steps); // a coarser selection stage
      }
      if (mode !== 'smoke') {
        expect(p.seeds.length).toBeGreaterThanOrEqual(8); // primary claims need 8 paired seeds (Holm over 3)
      }
    }
    expectError(() => checkSpectralBiasPlan({ ...good, selection: { seeds: [0], grid: [good.arms[1]] } }), 'plan.selection.seeds');
    expectError(() => checkSpectralBiasPlan({ ...good, selection: { seeds: [9], grid: [good.arms[0]] } }), 'plan.selection.grid');
    expectError(() => checkSpectralBiasPlan({ ...good, selection: { seeds: [9], grid: [good.arms[1]], steps: 5 } }), 'plan.selection.steps');
  });
});
