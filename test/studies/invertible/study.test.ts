import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { invertibleStudy, runInvertibleStudy } from '../../../src/studies/invertible/invertibleStudy.js';
import { checkInvertiblePlan, invertiblePlan } from '../../../src/studies/invertible/spec.js';
import type { InvertibleRecord } from '../../../src/studies/invertible/runInvertible.js';
import { renderFigureSvg } from '../../../src/report/renderFigure.js';
import { checkStudyOutputs } from '../../../src/report/checkStudyOutputs.js';
import { STUDY_MODES, type StudyProgress } from '../../../src/studies/study.js';
import { expectError } from '../../expectLipkitError.js';

describe('invertible study', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('smoke mode: complete, well-formed, JSON-safe results; bounds hold; figures render; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const progress: StudyProgress[] = [];
    const out = await invertibleStudy.run({ mode: 'smoke', seed: 1, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    checkStudyOutputs('outputs', [out]);
    expect(out.study).toBe(invertibleStudy.name);
    expect(out.mode).toBe('smoke');
    const plan = invertiblePlan('smoke', 1);
    expect(out.records.length).toBe(plan.coefficients.length * plan.seeds.length);
    expect(progress.map((p) => p.done)).toEqual(out.records.map((_, i) => i + 1));
    for (const raw of out.records) {
      const r = raw as unknown as InvertibleRecord;
      expect(plan.coefficients).toContain(r.coeff);
      expect(r.q.length).toBe(plan.sizes.blocks);
      for (const q of r.q) expect(q).toBeLessThanOrEqual(r.coeff ** 2 * (1 + 1e-3));
      expect(r.inverse.map((m) => m.iterations)).toEqual(plan.iterationCounts);
      for (const m of r.inverse) for (const w of [m.worstRatio32, m.worstRatio64, m.worstPosterior32, m.worstPosterior64]) expect(w).toBeLessThanOrEqual(1);
      const L = r.lipschitz;
      expect(L.forwardLower).toBeLessThanOrEqual(L.forwardCertified);
      expect(L.forwardCertified).toBeLessThanOrEqual(L.forwardTheory);
      expect(L.inverseLower).toBeLessThanOrEqual(L.inverseCertified);
      expect(L.inverseCertified).toBeLessThanOrEqual(L.inverseTheory);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
      expect(r.loss.length).toBe(plan.sizes.steps / plan.sizes.evalEvery);
      expect(r.warp === null).toBe(r.coeff !== plan.showcase);
    }
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    expect(out.claims.length).toBe(4);
    expect(out.claims[0].held).toBe(true);
    expect(out.claims[2].held).toBe(true);
    expect(out.claims[3].held).toBeNull(); // one seed
    expect(out.claims.map((c) => c.primary)).toEqual([false, true, false, true]);
    expect(out.claims[1]).toMatchObject({ verdict: 'inconclusive', n: 1 }); // one seed: no test
    for (const t of out.tables) for (const row of t.rows) expect(row.length).toBe(t.columns.length);
    expect(out.figures.map((f) => f.id)).toEqual(['reconstruction-error', 'error-vs-iterations', 'accuracy-vs-coefficient', 'lipschitz-bounds', 'warped-grid']);
    for (const f of out.figures) {
      const svg = await renderFigureSvg(f.spec);
      expect(svg, f.id).toMatch(/^<svg/);
      expect(svg.length, f.id).toBeGreaterThan(2000);
    }
  });

  it('validates options and plans', async () => {
    await expect(runInvertibleStudy({ mode: 'nope' as never })).rejects.toMatchObject({ argument: 'options.mode' });
    await expect(runInvertibleStudy({ seed: 0.5 })).rejects.toMatchObject({ argument: 'options.seed' });
    const good = invertiblePlan('smoke', 0);
    expectError(() => checkInvertiblePlan({ ...good, coefficients: [1] }), 'plan.coefficients[0]');
    expectError(() => checkInvertiblePlan({ ...good, coefficients: [] }), 'plan.coefficients');
    expectError(() => checkInvertiblePlan({ ...good, iterationCounts: [-1] }), 'plan.iterationCounts[0]');
    expectError(() => checkInvertiblePlan({ ...good, showcase: 0.3 }), 'plan.showcase');
    expectError(() => checkInvertiblePlan({ ...good, sizes: { ...good.sizes, blocks: 0 } }), 'sizes.blocks');
    expectError(() => checkInvertiblePlan({ ...good, sizes: { ...good.sizes, evalEvery: 1000 } }), 'sizes.evalEvery');
    await expect(runInvertibleStudy({ plan: { ...good, seeds: [] } })).rejects.toMatchObject({ argument: 'plan.seeds' });
    for (const mode of STUDY_MODES) {
      const p = invertiblePlan(mode, 0);
      expect(checkInvertiblePlan(p)).toEqual(p);
      if (mode === 'default' || mode === 'full') expect(p.seeds.length).toBeGreaterThanOrEqual(3);
    }
  });
});
