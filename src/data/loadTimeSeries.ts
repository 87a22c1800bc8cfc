import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { LipkitError } from '../util/errors.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { parseCsv } from './parseCsv.js';
import { tableToTimeSeries, type MissingPolicy, type TimeSeries, type TimeStep } from './timeSeries.js';

/** The real time series lipkit loads offline (npm `vega-datasets`). */
export const TIME_SERIES_DATASETS = {
  /** Seattle hourly climate normals 2010 (NOAA): 8,759 hourly rows, pressure (hPa), temperature (C), wind (m/s). */
  'seattle-weather-hourly': { file: 'seattle-weather-hourly-normals.csv', timeColumn: 'date', columns: ['pressure', 'temperature', 'wind'], step: 'hour', rows: 8759 },
  /** Seattle daily weather 2012-2015: 1,461 days, precipitation, temp_max, temp_min, wind. */
  'seattle-weather': { file: 'seattle-weather.csv', timeColumn: 'date', columns: ['precipitation', 'temp_max', 'temp_min', 'wind'], step: 'day', rows: 1461 },
  /** Mauna Loa monthly CO2 1958-2020 (Scripps): 741 rows over 746 months (5 missing, interpolated), CO2 and seasonally adjusted CO2 (ppm). */
  'co2-concentration': { file: 'co2-concentration.csv', timeColumn: 'Date', columns: ['CO2', 'adjusted CO2'], step: 'month', rows: 741 },
} as const satisfies Record<string, { file: string; timeColumn: string; columns: readonly string[]; step: TimeStep; rows: number }>;
/** Name of a loadable time series. */
export type TimeSeriesName = keyof typeof TIME_SERIES_DATASETS;

/** The folder of the installed npm package `vega-datasets` (its `exports` hides subpaths). */
export function vegaDatasetsDirectory(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('vega-datasets');
  } catch {
    throw new LipkitError('name', 'the time series need the npm package vega-datasets (npm install vega-datasets)');
  }
  let dir = dirname(entry);
  for (let i = 0; i < 5 && !existsSync(join(dir, 'data')); i++) dir = dirname(dir);
  return join(dir, 'data');
}

/**
 * Loads a real time series from the installed npm package `vega-datasets` (read with fs; no
 * network): `'seattle-weather-hourly'` (8,759 hourly rows x 3), `'seattle-weather'` (1,461
 * daily rows x 4) or `'co2-concentration'` (741 monthly rows x 2 with 5 missing months, so 746
 * rows after interpolation). Missing steps and cells follow `options.missing` (see
 * `tableToTimeSeries`). Node only. Errors: LipkitError naming `name` (unknown), `options.missing`.
 */
export function loadTimeSeries(name: TimeSeriesName, options: { missing?: MissingPolicy } = {}): TimeSeries {
  const names = Object.keys(TIME_SERIES_DATASETS) as TimeSeriesName[];
  checkChoice('name', name, names);
  checkOptions('options', options);
  const spec = TIME_SERIES_DATASETS[name];
  const path = join(vegaDatasetsDirectory(), spec.file);
  const table = parseCsv(readFileSync(path, 'utf8'), path);
  const series = tableToTimeSeries(table, { timeColumn: spec.timeColumn, columns: [...spec.columns], step: spec.step, missing: options.missing }, path);
  return { ...series, name };
}
