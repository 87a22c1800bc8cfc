import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { dataScaleStudy } from '../../../src/studies/dataScale/dataScaleStudy.js';
import type { DataScaleRecord } from '../../../src/studies/dataScale/dataScaleStudy.js';
import { DATA_SCALE_ARMS, DATA_SCALE_EPSILONS } from '../../../src/studies/dataScale/dataScaleArms.js';
import type { StudyOutput, StudyProgress } from '../../../src/studies/study.js';
import { expectWellFormedOutput } from '../mlp/studyOutputChecks.js';

describe('data-scale study, smoke mode', () => {
  let out: StudyOutput;
  let records: DataScaleRecord[];
  const progress: StudyProgress[] = [];
  let leaked = 0;

  beforeAll(async () => {
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    out = await dataScaleStudy.run({ mode: 'smoke', seed: 1, onProgress: (p) => progress.push(p) });
    leaked = tf.memory().numTensors - before;
    records = out.records as unknown as DataScaleRecord[];
  });

  it('returns a complete, well-formed output', async () => {
    await expectWellFormedOutput(out, 'data-scale', 'smoke', ['decision-surfaces', 'accuracy-margin', 'bounds']);
    expect(out.claims).toHaveLength(4);
    expect(out.claims.filter((c) => c.primary === true).length).toBe(2);
    expect(out.tables[0].rows).toHaveLength(DATA_SCALE_ARMS.length);
    expect(leaked).toBe(0);
    expect(progress.map((p) => p.done)).toEqual(DATA_SCALE_ARMS.map((_, i) => i + 1));
  });

  it('one record per arm with its D and scale; bounds in original units are the model bounds times the scale', () => {
    expect(records.map((r) => [r.key, r.target, r.scale])).toEqual(DATA_SCALE_ARMS.map((a) => [a.key, a.target, a.scale]));
    for (const r of records) {
      expect(r.upperAtLeastLower, r.arm).toBe(true);
      expect(r.lowerBound as number).toBeLessThanOrEqual((r.upperBound as number) * (1 + 1e-5));
      expect(r.upperBoundOriginal as number).toBeCloseTo((r.upperBound as number) * r.scale, 6);
      expect(r.lowerBoundOriginal as number).toBeCloseTo((r.lowerBound as number) * r.scale, 6);
      expect(r.certifiedAccuracy.map((c) => c.epsilon)).toEqual(DATA_SCALE_EPSILONS);
    }
  });

  it('spectral normalization holds: each layer at most D (1e-3), network bound D^4 in the model input and D^4 * scale in original units', () => {
    for (const r of records.filter((x) => x.target !== null)) {
      const d = r.target as number;
      for (const l of r.layers) expect(l.lipschitz as number, r.arm).toBeLessThanOrEqual(d * (1 + 1e-3));
      expect(r.upperBound as number, r.arm).toBeLessThanOrEqual(d ** 4 * (1 + 4e-3));
      expect(r.upperBoundOriginal as number, r.arm).toBeLessThanOrEqual(d ** 4 * r.scale * (1 + 4e-3));
    }
  });
});
