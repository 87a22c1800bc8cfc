import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/backend/setBackend.js';
import { parseCsv } from '../../src/data/parseCsv.js';
import { tableToTimeSeries, type TimeSeries } from '../../src/data/timeSeries.js';
import { loadTimeSeries, vegaDatasetsDirectory } from '../../src/data/loadTimeSeries.js';
import { fitStandardScaler } from '../../src/data/standardScaler.js';
import { informerSplit } from '../../src/data/informerSplit.js';
import { forecastMetrics } from '../../src/data/forecastMetrics.js';
import { LipkitError } from '../../src/util/errors.js';

function argumentOf(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof LipkitError) return e.argument; throw e; }
  throw new Error('did not throw');
}

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, CRLF, blank and final lines', () => {
    const t = parseCsv('a,b,c\r\n1,"x, y",3\r\n\r\n4,"say ""hi""",\n');
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([['1', 'x, y', '3'], ['4', 'say "hi"', '']]);
  });
  it('rejects ragged rows, open quotes and empty text', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(/line 3 has 1 fields/);
    expect(() => parseCsv('a,b\n1,"2\n', 'f.csv')).toThrow(/unterminated/);
    expect(argumentOf(() => parseCsv('', 'f.csv'))).toBe('f.csv');
  });
});

describe('tableToTimeSeries: missing values handled explicitly', () => {
  const table = parseCsv('t,x,y\n2020-01-01T00:00,1,10\n2020-01-01T01:00,,20\n2020-01-01T04:00,4,NA\n2020-01-01T05:00,5,50\n');
  it('inserts missing steps and interpolates missing cells linearly, counting both', () => {
    const s = tableToTimeSeries(table, { timeColumn: 't', columns: ['x', 'y'], step: 'hour' });
    expect(s.length).toBe(6);
    expect(s.insertedRows).toBe(2);
    expect(s.filledCells).toBe(2 * 2 + 2);
    expect(s.timestamps[2]).toBe('2020-01-01T02:00:00');
    const x = [0, 1, 2, 3, 4, 5].map((t) => s.values[2 * t]);
    const y = [0, 1, 2, 3, 4, 5].map((t) => s.values[2 * t + 1]);
    // x: observed 1 (t=0), 4 (t=4), 5 (t=5); y: observed 10 (t=0), 20 (t=1), 50 (t=5)
    [1, 1.75, 2.5, 3.25, 4, 5].forEach((v, t) => expect(x[t]).toBeCloseTo(v, 12));
    [10, 20, 27.5, 35, 42.5, 50].forEach((v, t) => expect(y[t]).toBeCloseTo(v, 12));
  });
  it("'error' policy, disorder, unknown columns and non-numbers are LipkitErrors", () => {
    expect(() => tableToTimeSeries(table, { timeColumn: 't', columns: ['x'], step: 'hour', missing: 'error' })).toThrow(/missing/);
    const unordered = parseCsv('t,x\n2020-01-02,1\n2020-01-01,2\n');
    expect(() => tableToTimeSeries(unordered, { timeColumn: 't', columns: ['x'], step: 'day' })).toThrow(/chronological/);
    expect(argumentOf(() => tableToTimeSeries(table, { timeColumn: 't', columns: ['z'], step: 'hour' }))).toBe('options.columns');
    expect(argumentOf(() => tableToTimeSeries(table, { timeColumn: 'when', columns: ['x'], step: 'hour' }))).toBe('options.timeColumn');
    expect(argumentOf(() => tableToTimeSeries(table, { timeColumn: 't', columns: ['x'], step: 'week' as never }))).toBe('options.step');
    expect(() => tableToTimeSeries(parseCsv('t,x\n2020-01-01,1\n2020-01-02,abc\n'), { timeColumn: 't', columns: ['x'], step: 'day' })).toThrow(/not a number/);
    expect(() => tableToTimeSeries(parseCsv('t,x\n2020-01-01,\n2020-01-02,\n'), { timeColumn: 't', columns: ['x'], step: 'day' })).toThrow(/no value/);
  });
});

describe('loadTimeSeries (npm vega-datasets, read offline)', () => {
  it('Seattle hourly normals: 8,759 hourly rows of pressure, temperature, wind, equal to the raw file', () => {
    const s = loadTimeSeries('seattle-weather-hourly');
    expect(s.length).toBe(8759);
    expect(s.columns).toEqual(['pressure', 'temperature', 'wind']);
    expect([s.insertedRows, s.filledCells]).toEqual([0, 0]);
    const lines = readFileSync(join(vegaDatasetsDirectory(), 'seattle-weather-hourly-normals.csv'), 'utf8').trim().split('\n');
    expect(lines.length - 1).toBe(8759);
    for (const r of [0, 1234, 8758]) {
      const f = lines[r + 1].split(',');
      expect(s.timestamps[r]).toBe(f[0]);
      expect([s.values[3 * r], s.values[3 * r + 1], s.values[3 * r + 2]]).toEqual([Number(f[1]), Number(f[2]), Number(f[3])]);
    }
  });
  it('Seattle daily weather: 1,461 days; CO2: 741 monthly rows, 5 missing months interpolated (746 rows)', () => {
    const d = loadTimeSeries('seattle-weather');
    expect([d.length, d.columns.length, d.insertedRows]).toEqual([1461, 4, 0]);
    const co2 = loadTimeSeries('co2-concentration');
    expect(co2.length).toBe(746);
    expect(co2.insertedRows).toBe(5);
    expect(co2.filledCells).toBe(10);
    // 1958-06 is missing in the file: the mean of May (317.51) and July (315.86)
    const june = co2.timestamps.indexOf('1958-06-01');
    expect(june).toBe(3);
    expect(co2.values[2 * june]).toBeCloseTo((317.51 + 315.86) / 2, 10);
    expect(() => loadTimeSeries('co2-concentration', { missing: 'error' })).toThrow(/missing 1 month/);
    expect(argumentOf(() => loadTimeSeries('ETTh1' as never))).toBe('name');
  });
});

describe('informerSplit', () => {
  const series = loadTimeSeries('seattle-weather-hourly');
  const n = series.length;

  it('chronological 70/10/20 split, train-only scaler, aligned windows', () => {
    const inputLength = 96;
    const horizon = 24;
    const s = informerSplit(series, { inputLength, horizon });
    expect(s.sizes).toEqual({ train: Math.floor(0.7 * n), val: n - Math.floor(0.7 * n) - Math.floor(0.2 * n), test: Math.floor(0.2 * n) });
    const { train: nTrain, val: nVal, test: nTest } = s.sizes;
    expect(s.train.count).toBe(nTrain - inputLength - horizon + 1);
    expect(s.val.count).toBe(nVal - horizon + 1);
    expect(s.test.count).toBe(nTest - horizon + 1);
    // order: windows advance one step; every target lies in its own split
    expect(s.train.starts[0]).toBe(0);
    expect(s.val.starts[0] + inputLength).toBe(nTrain);
    expect(s.test.starts[0] + inputLength).toBe(nTrain + nVal);
    expect(s.test.starts[s.test.count - 1] + inputLength + horizon).toBe(n);
    expect(s.train.starts[s.train.count - 1] + inputLength + horizon).toBe(nTrain);
    // scaler: mean / population std of the train rows only (float64, computed here)
    for (let j = 0; j < 3; j++) {
      let m = 0;
      for (let t = 0; t < nTrain; t++) m += series.values[3 * t + j];
      m /= nTrain;
      let v = 0;
      for (let t = 0; t < nTrain; t++) v += (series.values[3 * t + j] - m) ** 2;
      expect(s.scaler.mean[j]).toBeCloseTo(m, 9);
      expect(s.scaler.std[j]).toBeCloseTo(Math.sqrt(v / nTrain), 9);
      let all = 0;
      for (let t = 0; t < n; t++) all += series.values[3 * t + j];
      expect(Math.abs(all / n - m)).toBeGreaterThan(1e-3); // the full-series mean differs: no leak from val/test
    }
    // windows: inputs are the scaled rows starting at `start`, targets the `horizon` rows right after
    const scaled = (t: number, j: number): number => (series.values[3 * t + j] - s.scaler.mean[j]) / s.scaler.std[j];
    for (const [set, w] of [[s.train, 0], [s.train, 777], [s.val, 5], [s.test, s.test.count - 1]] as const) {
      const st = set.starts[w];
      for (const k of [0, inputLength - 1]) for (let j = 0; j < 3; j++) expect(set.inputs[(w * inputLength + k) * 3 + j]).toBeCloseTo(scaled(st + k, j), 5);
      for (const h of [0, horizon - 1]) for (let j = 0; j < 3; j++) expect(set.targets[(w * horizon + h) * 3 + j]).toBeCloseTo(scaled(st + inputLength + h, j), 5);
      // the first target follows the last input in time
      expect(set.targets[w * horizon * 3]).toBeCloseTo(scaled(st + inputLength, 0), 5);
    }
  });

  it("univariate 'S' and 'MS' modes, stride, horizons 24/48/168", () => {
    const uni = informerSplit(series, { features: 'S', target: 'temperature', inputLength: 48, horizon: 168, stride: 10 });
    expect(uni.inputColumns).toEqual(['temperature']);
    expect(uni.train.inputShape).toEqual([uni.train.count, 48, 1]);
    expect(uni.train.targetShape).toEqual([uni.train.count, 168, 1]);
    expect(uni.train.starts[1] - uni.train.starts[0]).toBe(10);
    const ms = informerSplit(series, { features: 'MS', inputLength: 48, horizon: 48 });
    expect(ms.inputColumns.length).toBe(3);
    expect(ms.targetColumns).toEqual(['wind']);
    // window 0's first target is wind at row 48, which is the first input row of window 48
    expect(ms.train.targets[0]).toBe(ms.train.inputs[(48 * 48 + 0) * 3 + 2]);
  });

  it('a horizon too long for the series names options.horizon', () => {
    const co2 = loadTimeSeries('co2-concentration');
    expect(argumentOf(() => informerSplit(co2, { horizon: 168 }))).toBe('options.horizon');
    expect(informerSplit(co2, { inputLength: 48, horizon: 48 }).test.count).toBe(Math.floor(0.2 * 746) - 47);
    expect(argumentOf(() => informerSplit(series, { horizon: 6000 }))).toBe('options.horizon');
    expect(argumentOf(() => informerSplit(series, { inputLength: 1 }))).toBe('options.inputLength');
    expect(argumentOf(() => informerSplit(series, { inputLength: 7000 }))).toBe('options.inputLength');
    expect(argumentOf(() => informerSplit(series, { ratios: [0.5, 0.1, 0.1] }))).toBe('options.ratios');
    expect(argumentOf(() => informerSplit(series, { features: 'X' as never }))).toBe('options.features');
    expect(argumentOf(() => informerSplit(series, { target: 'OT' }))).toBe('options.target');
    const tiny: TimeSeries = { ...series, values: new Float64Array(4), length: 1 };
    expect(argumentOf(() => informerSplit(tiny))).toBe('series');
  });
});

describe('fitStandardScaler and forecastMetrics', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  it('scaler: population std, constant column -> std 1, inverse round trip', () => {
    const sc = fitStandardScaler([1, 5, 3, 5], 2);
    expect(Array.from(sc.mean)).toEqual([2, 5]);
    expect(Array.from(sc.std)).toEqual([1, 1]);
    const sc2 = fitStandardScaler([0, 0, 2, 0, 4, 0, 6, 0], 2);
    expect(sc2.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    const z = sc2.transform([7, 1]);
    expect(Array.from(sc2.inverse(z))).toEqual([7, 1]);
    expect(argumentOf(() => fitStandardScaler([1, 2, 3], 2))).toBe('values');
    expect(argumentOf(() => fitStandardScaler([1, NaN], 1))).toBe('values');
  });
  it('MSE and MAE by hand; tensors are read without leaking', () => {
    expect(forecastMetrics([1, 2, 3, 4], [1, 0, 3, 7])).toEqual({ mse: (0 + 4 + 0 + 9) / 4, mae: (0 + 2 + 0 + 3) / 4 });
    const before = tf.memory().numTensors;
    const p = tf.tensor2d([[0.5, -1], [2, 0]]);
    const y = tf.tensor2d([[0, 0], [0, 0]]);
    const m = forecastMetrics(p, y);
    expect(m.mse).toBeCloseTo((0.25 + 1 + 4) / 4, 6);
    expect(m.mae).toBeCloseTo(3.5 / 4, 6);
    tf.dispose([p, y]);
    expect(tf.memory().numTensors).toBe(before);
    expect(argumentOf(() => forecastMetrics([1, 2], [1]))).toBe('predictions');
    expect(argumentOf(() => forecastMetrics([], []))).toBe('targets');
    expect(argumentOf(() => forecastMetrics([NaN], [1]))).toBe('predictions');
  });
});
