import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { enforcedLipschitzStudy, runEnforcedLipschitz } from '../../../src/studies/enforcedLipschitz/enforcedLipschitzStudy.js';
import { CONSTRAINT_METHODS, CURVE_EPSILONS, STUDY_OPTIMIZERS } from '../../../src/studies/enforcedLipschitz/plan.js';
import type { EnforcedRunRecord } from '../../../src/studies/enforcedLipschitz/runOne.js';
import type { StudyOutput, StudyProgress } from '../../../src/studies/study.js';
import { checkStudyOutputs } from '../../../src/report/checkStudyOutputs.js';
import { renderFigureSvg } from '../../../src/report/renderFigure.js';

describe('enforced-lipschitz study, smoke mode', () => {
  let out: StudyOutput;
  let records: EnforcedRunRecord[];
  const progress: StudyProgress[] = [];
  let leaked = 0;

  beforeAll(async () => {
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    out = await enforcedLipschitzStudy.run({ mode: 'smoke', seed: 3, onProgress: (p) => progress.push(p) });
    leaked = tf.memory().numTensors - before;
    records = out.records as unknown as EnforcedRunRecord[];
  });

  it('runs every (optimizer, method, cap) once, reports progress per run and leaks no tensors', () => {
    expect(out.study).toBe('enforced-lipschitz');
    expect(out.mode).toBe('smoke');
    expect(out.seed).toBe(3);
    expect(leaked).toBe(0);
    // smoke: caps [1], one seed: per optimizer the unconstrained model plus 4 methods
    expect(records.length).toBe(STUDY_OPTIMIZERS.length * CONSTRAINT_METHODS.length);
    for (const optimizer of STUDY_OPTIMIZERS) {
      for (const method of CONSTRAINT_METHODS) {
        const r = records.filter((x) => x.optimizer === optimizer && x.method === method);
        expect(r.length).toBe(1);
        expect(r[0].cap).toBe(method === 'none' ? null : 1);
        expect(r[0].seed).toBe(3);
      }
    }
    expect(progress.map((p) => p.done)).toEqual(records.map((_, i) => i + 1));
    expect(progress.every((p) => p.total === records.length && p.label.length > 0)).toBe(true);
  });

  it('is JSON-serializable without loss (no NaN, Infinity or undefined)', () => {
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('gives each run a certified bound at least its empirical lower bound and the product of exact layer norms', () => {
    for (const r of records) {
      expect(r.diverged).toBe(false);
      expect(r.steps).toBe(1);
      expect(r.certifiedBound).not.toBeNull();
      expect(r.lowerBound).not.toBeNull();
      const upper = r.certifiedBound as number;
      const lower = r.lowerBound as number;
      expect(lower).toBeGreaterThan(0);
      expect(lower).toBeLessThanOrEqual(upper);
      expect(r.boundsConsistent).toBe(true);
      // ReLU between every pair of Dense layers: nothing merges, and each certified layer norm >= the exact one
      expect(r.layers.length).toBe(3);
      const exactProduct = r.layers.reduce((p, l) => p * l.sigmaMax, 1);
      expect(upper).toBeGreaterThanOrEqual(exactProduct * (1 - 1e-6));
      expect(r.productBound).toBeCloseTo(upper, 10);
    }
  });

  it('reports certified accuracy that starts at the clean accuracy and never increases with the radius', () => {
    for (const r of records) {
      expect(r.certified.map((c) => c.epsilon)).toEqual([...CURVE_EPSILONS]);
      // at eps 0 "certified" means correct with a positive margin: the clean accuracy
      expect(r.certified[0].accuracy).toBeCloseTo(r.testAccuracy as number, 12);
      for (let i = 1; i < r.certified.length; i++) expect(r.certified[i].accuracy).toBeLessThanOrEqual(r.certified[i - 1].accuracy);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
    }
  });

  it('checks every constrained layer against its constraint\'s promise and none of the unconstrained ones', () => {
    for (const r of records) {
      for (const l of r.layers) {
        expect(l.sigmaMax).toBeGreaterThanOrEqual(l.sigma2);
        if (r.method === 'none') {
          expect(l.promise).toBeNull();
          expect(l.holds).toBeNull();
        } else {
          expect(l.promise).toBeGreaterThanOrEqual(r.cap as number);
          expect(l.holds).toBe(l.sigmaMax <= (l.promise as number) * 1.01);
        }
      }
    }
    // spectral normalization pins every layer near its target, whatever the optimizer did
    for (const r of records.filter((x) => x.method === 'spectral-normalize')) {
      for (const l of r.layers) expect(Math.abs(l.sigmaMax - 1)).toBeLessThan(0.05);
    }
  });

  it('fills the tables, the six claims and three renderable figures with inline data', async () => {
    expect(() => checkStudyOutputs('outputs', [out])).not.toThrow();
    expect(out.tables.length).toBe(2);
    expect(out.tables[0].rows.length).toBe(records.length);
    expect(out.tables[1].rows.length).toBe(records.length);
    expect(out.claims.length).toBe(6);
    for (const c of out.claims) {
      expect(c.claim.length).toBeGreaterThan(20);
      expect(c.evidence.length).toBeGreaterThan(20);
      expect([true, false, null]).toContain(c.held);
    }
    expect(out.figures.map((f) => f.id)).toEqual(['tradeoff', 'certified-robustness', 'layer-spectral-norms']);
    for (const f of out.figures) {
      const values = (f.spec.data as { values: unknown[] }).values;
      expect(values.length).toBeGreaterThan(0);
      const svg = await renderFigureSvg(f.spec);
      expect(svg.startsWith('<svg')).toBe(true);
    }
    expect(out.summary).toMatch(/MNIST/);
  });
});

describe('enforced-lipschitz study options', () => {
  it('rejects a bad mode, seed or progress callback, naming the option', async () => {
    await expect(runEnforcedLipschitz({ mode: 'huge' as never })).rejects.toMatchObject({ argument: 'options.mode' });
    await expect(runEnforcedLipschitz({ mode: 'smoke', seed: -1 })).rejects.toMatchObject({ argument: 'options.seed' });
    await expect(runEnforcedLipschitz({ mode: 'smoke', onProgress: 3 as never })).rejects.toMatchObject({ argument: 'options.onProgress' });
  });
});
