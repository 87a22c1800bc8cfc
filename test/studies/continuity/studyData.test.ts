import { describe, expect, it } from 'vitest';
import { buildStudyData } from '../../../src/studies/continuity/studyData.js';
import { loadImageDataset } from '../../../src/data/loadImageDataset.js';
import { loadTimeSeries } from '../../../src/data/loadTimeSeries.js';
import type { RunSizes, RunSpec } from '../../../src/studies/continuity/spec.js';
import { continuityTask } from '../../../src/data/continuityTask.js';

const sizes: RunSizes = { train: 40, validation: 12, length: 49, minLength: 8, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 8, epochs: 1, learningRate: 1e-3 };
const spec = (task: string, seed = 0, s: RunSizes = sizes): RunSpec => ({ task, model: 's4d', arm: 'SSM+Emb', lambda: 0, seed, sizes: s });

describe('continuity study data: pixel tasks', () => {
  it('samples training images from MNIST, validates on the test split, 7x7 means for length 49', () => {
    const d = buildStudyData(spec('mnist', 3));
    expect(d).toMatchObject({ kind: 'classification', input: 'continuous', length: 49, targetLength: 1, classes: 10, metric: 'accuracy', higherIsBetter: true });
    expect(d.train.count).toBe(40);
    expect(d.train.inputs.length).toBe(40 * 49);
    expect(d.validation.count).toBe(12);
    // Validation = the first 12 test images, 4x4 block means of pixel / 255 (recomputed here),
    // standardized with the training images' mean and sd: v = (raw - m) / s, one affine map for all.
    const test = loadImageDataset('mnist', { split: 'test', limit: 12 });
    const raw: number[] = [];
    const got: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect(d.validation.targets[i]).toBe(test.labels[i]);
      for (let a = 0; a < 7; a++) {
        for (let b = 0; b < 7; b++) {
          let sum = 0;
          for (let da = 0; da < 4; da++) for (let db = 0; db < 4; db++) sum += test.images[i * 784 + (4 * a + da) * 28 + 4 * b + db];
          raw.push(sum / 16 / 255);
          got.push(d.validation.inputs[i * 49 + 7 * a + b]);
        }
      }
    }
    const trainValues = Array.from(d.train.inputs);
    const tm = trainValues.reduce((x, y) => x + y, 0) / trainValues.length;
    const ts = Math.sqrt(trainValues.reduce((x, y) => x + (y - tm) ** 2, 0) / trainValues.length);
    expect(tm).toBeCloseTo(0, 5);
    expect(ts).toBeCloseTo(1, 5);
    const lo = raw.indexOf(Math.min(...raw));
    const hi = raw.indexOf(Math.max(...raw));
    const scale = (got[hi] - got[lo]) / (raw[hi] - raw[lo]);
    expect(scale).toBeGreaterThan(1); // 1 / sd of MNIST pixels (~0.3)
    for (let k = 0; k < raw.length; k++) expect(got[k]).toBeCloseTo(got[lo] + scale * (raw[k] - raw[lo]), 4);
    // Each training row is one of the first 10,000 training images with its label.
    const pool = loadImageDataset('mnist', { split: 'train', limit: 10000 });
    const rowSum = (a: ArrayLike<number>, from: number, n: number): number => { let s = 0; for (let k = 0; k < n; k++) s += a[from + k]; return s; };
    for (const r of [0, 39]) {
      // undo the standardization with the affine map measured above, then compare pixel sums
      const target = (rowSum(d.train.inputs, r * 49, 49) - 49 * got[lo]) / scale + 49 * raw[lo];
      const match = Array.from({ length: 10000 }, (_, j) => j).filter((j) => Math.abs(rowSum(pool.images, j * 784, 784) / 16 / 255 - target) < 1e-3 && pool.labels[j] === d.train.targets[r]);
      expect(match.length).toBeGreaterThanOrEqual(1);
    }
    expect(buildStudyData(spec('mnist', 3))).toEqual(d);
    expect(buildStudyData(spec('mnist', 4)).train.targets).not.toEqual(d.train.targets);
  });

  it('"-c" raises the contrast of the same images (larger mean first difference, same labels)', () => {
    const plain = buildStudyData(spec('mnist', 1));
    const c = buildStudyData(spec('mnist-c', 1));
    expect(c.train.targets).toEqual(plain.train.targets);
    // One normalization for both: the plain images' mean and sd, so a black pixel (raw 0, also 0 after "-c") maps to the same value.
    const min = (a: ArrayLike<number>): number => Math.min(...Array.from(a));
    expect(min(c.train.inputs)).toBeCloseTo(min(plain.train.inputs), 5);
    // roughness relative to the spread (both are standardized, so compare mean |first difference| / sd)
    const roughness = (x: ArrayLike<number>): number => { let s = 0; for (let i = 1; i < x.length; i++) if (i % 49 !== 0) s += Math.abs(x[i] - x[i - 1]); return s; };
    // MNIST is nearly binary, so clipping keeps the change modest (measured ~1.1x), never above 1 + r <= 2.
    expect(roughness(c.train.inputs)).toBeGreaterThan(1.03 * roughness(plain.train.inputs));
    expect(roughness(c.train.inputs)).toBeLessThan(2 * roughness(plain.train.inputs));
  });
});

describe('continuity study data: forecasting tasks (Informer protocol)', () => {
  it('windows of the hourly Seattle temperature, normalized with the training rows only', () => {
    const s = { ...sizes, length: 24, train: 30, validation: 10 };
    const d = buildStudyData(spec('weather-48', 2, s));
    expect(d).toMatchObject({ kind: 'regression', input: 'continuous', length: 24, targetLength: 48, metric: 'mse', higherIsBetter: false });
    expect(d.train.inputs.length).toBe(30 * 24);
    expect(d.train.targets.length).toBe(30 * 48);
    expect(d.validation.count).toBe(10);
    const series = loadTimeSeries('seattle-weather-hourly');
    const n = series.length;
    const nTrain = Math.floor(0.7 * n);
    const nTest = Math.floor(0.2 * n);
    expect(d.test!.count).toBe(nTest - 48 + 1);
    // Train-only scaler, float64 here.
    const col = series.columns.indexOf('temperature');
    const temp = Array.from({ length: n }, (_, t) => series.values[t * series.columns.length + col]);
    const mean = temp.slice(0, nTrain).reduce((a, b) => a + b, 0) / nTrain;
    const sd = Math.sqrt(temp.slice(0, nTrain).reduce((a, b) => a + (b - mean) ** 2, 0) / nTrain);
    const z = temp.map((v) => (v - mean) / sd);
    // The last test window ends at the last row: inputs then targets are consecutive normalized hours.
    const last = d.test!.count - 1;
    for (let k = 0; k < 48; k++) expect(d.test!.targets[last * 48 + k]).toBeCloseTo(z[n - 48 + k], 4);
    for (let k = 0; k < 24; k++) expect(d.test!.inputs[last * 24 + k]).toBeCloseTo(z[n - 72 + k], 4);
    // Every training window lies inside the training rows (targets included).
    const trainZ = z.slice(0, nTrain);
    for (const w of [0, 29]) {
      const first = d.train.inputs[w * 24];
      const start = trainZ.findIndex((v, t) => Math.abs(v - first) < 1e-5 && t + 72 <= nTrain && Math.abs(trainZ[t + 24] - d.train.targets[w * 48]) < 1e-5);
      expect(start).toBeGreaterThanOrEqual(0);
    }
    expect(buildStudyData(spec('weather-48', 2, s))).toEqual(d);
  });
});

describe('continuity study data: Figure 1 (Appendix A.1 / A.2) and test splits', () => {
  it('fig1: train / validation / test are consecutive sequences of one continuityTask draw; fig1mv has 10 variates', () => {
    const s: RunSizes = { ...sizes, length: 50, train: 6, validation: 3, test: 4 };
    const d = buildStudyData(spec('fig1-low', 5, s));
    const all = continuityTask({ count: 13, continuity: 'low', length: 50, seed: 5 });
    expect(d).toMatchObject({ kind: 'regression', features: 1, length: 50, targetLength: 50, metric: 'mse' });
    expect([d.train.count, d.validation.count, d.test.count]).toEqual([6, 3, 4]);
    expect(Array.from(d.test.inputs)).toEqual(Array.from(all.inputs.slice(9 * 50)));
    expect(Array.from(d.validation.targets)).toEqual(Array.from(all.targets.slice(6 * 50, 9 * 50)));
    const mv = buildStudyData(spec('fig1mv-high', 5, s));
    expect(mv.features).toBe(10);
    expect(mv.train.inputs.length).toBe(6 * 50 * 10);
    expect(mv.test.targets.length).toBe(4 * 50 * 10);
  });

  it('pixel tasks test on the test images after the validation ones', () => {
    const d = buildStudyData(spec('mnist', 3, { ...sizes, validation: 5, test: 7 }));
    const test = loadImageDataset('mnist', { split: 'test', limit: 12 });
    expect(Array.from(d.test.targets)).toEqual(Array.from(test.labels.slice(5, 12)));
    expect(d.test.inputs.length).toBe(7 * 49);
  });
});
