import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { boundAtLoss, optimizerStudy, type Checkpoint, type OptimizerRecord } from '../../../src/studies/optimizer/optimizerStudy.js';
import { OPTIMIZER_SETTINGS, OPTIMIZER_SIZES } from '../../../src/studies/optimizer/optimizerSettings.js';
import type { StudyOutput } from '../../../src/studies/study.js';
import { expectWellFormedOutput } from '../mlp/studyOutputChecks.js';

describe('optimizer study, smoke mode', () => {
  let out: StudyOutput;
  let records: OptimizerRecord[];
  let leaked = 0;

  beforeAll(async () => {
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    out = await optimizerStudy.run({ mode: 'smoke' });
    leaked = tf.memory().numTensors - before;
    records = out.records as unknown as OptimizerRecord[];
  });

  it('returns a complete, well-formed output', async () => {
    await expectWellFormedOutput(out, 'optimizer', 'smoke', ['bound-over-training', 'bound-vs-loss', 'final-bounds']);
    expect(out.claims).toHaveLength(6);
    expect(out.claims.filter((c) => c.primary === true).length).toBe(2);
    expect(leaked).toBe(0);
  });

  it('one run per setting; the certified bound tracked from step 0 to the last step; upper >= lower', () => {
    const sizes = OPTIMIZER_SIZES.smoke;
    const steps = sizes.epochs * Math.ceil(sizes.train / sizes.batchSize);
    expect(records.map((r) => r.arm)).toEqual(OPTIMIZER_SETTINGS.map((s) => s.label));
    for (const r of records) {
      expect(r.steps).toBe(steps);
      expect(r.trajectory.map((c) => c.step)).toEqual([0, 2, 4, 6]);
      expect(r.trajectory.every((c) => c.upperBound !== null && c.upperBound > 0)).toBe(true);
      expect(r.upperBound as number).toBeCloseTo(r.trajectory[r.trajectory.length - 1].upperBound as number, 6);
      expect(r.upperAtLeastLower, r.arm).toBe(true);
      expect(r.lowerBound as number).toBeLessThanOrEqual((r.upperBound as number) * (1 + 1e-5));
    }
    // the same initialization: every setting starts from the same certified bound
    expect(new Set(records.map((r) => r.trajectory[0].upperBound)).size).toBe(1);
  });
});

describe('boundAtLoss', () => {
  const c = (step: number, upperBound: number | null, trainCrossEntropy: number | null): Checkpoint => ({ step, upperBound, trainCrossEntropy, trainAccuracy: null });

  it('interpolates log(bound) linearly in log(loss) between the checkpoints around the crossing', () => {
    const t = [c(0, 1, 1), c(10, 10, 0.1), c(20, 100, 0.001)];
    expect(boundAtLoss(t, 0.1)?.step).toBe(10);
    expect(boundAtLoss(t, 0.1)?.upperBound as number).toBeCloseTo(10, 10);
    const r = boundAtLoss(t, 0.01);
    expect(r?.step).toBe(20);
    expect(r?.upperBound as number).toBeCloseTo(Math.sqrt(10 * 100), 8); // halfway in log loss
    expect(boundAtLoss(t, 1e-4)).toBeNull();
    expect(boundAtLoss([c(0, 5, 0.01)], 0.05)).toEqual({ step: 0, upperBound: 5 });
    expect(boundAtLoss([c(0, 5, null), c(5, 7, 0.01)], 0.05)).toEqual({ step: 5, upperBound: 7 });
  });
});
