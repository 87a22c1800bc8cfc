import { LipkitError } from '../util/errors.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import type { CsvTable } from './parseCsv.js';

/** Sampling step of a regular time series. */
export type TimeStep = 'hour' | 'day' | 'month';
/** What to do with missing cells and missing time steps. */
export type MissingPolicy = 'interpolate' | 'error';

/** A regular multivariate time series, row-major `[length, columns.length]` in float64. */
export interface TimeSeries {
  name: string;
  columns: string[];
  /** One ISO timestamp per row (inserted rows get a generated one). */
  timestamps: string[];
  values: Float64Array;
  length: number;
  step: TimeStep;
  /** Rows inserted for missing time steps (their cells count in `filledCells`). */
  insertedRows: number;
  /** Cells that were missing (empty, NA, NaN, null, or in an inserted row) and were filled. */
  filledCells: number;
}

/** Options of `tableToTimeSeries`. */
export interface TableToTimeSeriesOptions {
  /** Header of the timestamp column (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`, read as UTC). */
  timeColumn: string;
  /** Numeric columns to keep, in this order. */
  columns: string[];
  step: TimeStep;
  /** `'interpolate'` (default): see `tableToTimeSeries`; `'error'`: any gap is a LipkitError. */
  missing?: MissingPolicy;
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none']);
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

function stepIndex(stamp: string, step: TimeStep, name: string): number {
  const m = TIME.exec(stamp.trim());
  if (!m) throw new LipkitError(name, `unreadable timestamp ${JSON.stringify(stamp)}`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  if (step === 'month') {
    if (d !== 1 && d !== 15) throw new LipkitError(name, `monthly timestamp ${stamp} not on day 1 or 15`);
    return y * 12 + (mo - 1);
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const unit = step === 'hour' ? 3_600_000 : 86_400_000;
  if (ms % unit !== 0) throw new LipkitError(name, `timestamp ${stamp} is not on a whole ${step}`);
  return ms / unit;
}

function stampOf(index: number, step: TimeStep): string {
  if (step === 'month') return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
  const iso = new Date(index * (step === 'hour' ? 3_600_000 : 86_400_000)).toISOString();
  return step === 'hour' ? iso.slice(0, 19) : iso.slice(0, 10);
}

/**
 * A parsed CSV table as a regular time series. Rows must be strictly chronological and on
 * the grid of `step` (a whole number of hours, days or months apart). Missing data is handled
 * explicitly: a missing time step (a jump of k > 1 steps) inserts k - 1 rows; a cell that is
 * empty, `NA`, `NaN`, `null` or `None` is missing. With `missing: 'interpolate'` (default)
 * every missing cell is filled by linear interpolation in time between the nearest observed
 * values of its column (before the first / after the last observation: that observation),
 * and the counts are reported (`insertedRows`, `filledCells`); with `'error'` the first missing
 * cell or step is a LipkitError naming `name`. Other non-numbers, unknown columns, disorder:
 * LipkitError naming `name` or `options.columns` / `options.timeColumn`.
 */
export function tableToTimeSeries(table: CsvTable, options: TableToTimeSeriesOptions, name = 'table'): TimeSeries {
  checkOptions('options', options);
  const step = checkChoice('options.step', options.step, ['hour', 'day', 'month'] as const);
  const missing = checkChoice('options.missing', options.missing ?? 'interpolate', ['interpolate', 'error'] as const);
  const timeIndex = table.header.indexOf(options.timeColumn);
  if (timeIndex < 0) throw new LipkitError('options.timeColumn', `no column ${JSON.stringify(options.timeColumn)} in ${name} (has ${table.header.join(', ')})`);
  if (!Array.isArray(options.columns) || options.columns.length === 0) throw new LipkitError('options.columns', 'must be a non-empty array of column names');
  const colIndex = options.columns.map((c) => {
    const i = table.header.indexOf(c);
    if (i < 0) throw new LipkitError('options.columns', `no column ${JSON.stringify(c)} in ${name} (has ${table.header.join(', ')})`);
    return i;
  });
  if (table.rows.length < 2) throw new LipkitError(name, `needs at least 2 rows, has ${table.rows.length}`);
  const indices = table.rows.map((r) => stepIndex(r[timeIndex], step, name));
  const length = indices[indices.length - 1] - indices[0] + 1;
  const c = colIndex.length;
  const values = new Float64Array(length * c).fill(NaN);
  const timestamps: string[] = new Array<string>(length);
  const observed = new Uint8Array(length);
  for (let r = 0; r < table.rows.length; r++) {
    if (r > 0 && indices[r] <= indices[r - 1]) {
      throw new LipkitError(name, `rows are not strictly chronological: ${table.rows[r - 1][timeIndex]} then ${table.rows[r][timeIndex]}`);
    }
    const t = indices[r] - indices[0];
    if (r > 0 && missing === 'error' && indices[r] - indices[r - 1] > 1) {
      throw new LipkitError(name, `missing ${indices[r] - indices[r - 1] - 1} ${step}(s) before ${table.rows[r][timeIndex]} (options.missing is 'error')`);
    }
    observed[t] = 1;
    timestamps[t] = table.rows[r][timeIndex];
    for (let j = 0; j < c; j++) {
      const raw = table.rows[r][colIndex[j]].trim();
      if (MISSING.has(raw.toLowerCase())) {
        if (missing === 'error') throw new LipkitError(name, `missing value in column ${options.columns[j]} at ${timestamps[t]} (options.missing is 'error')`);
        continue;
      }
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new LipkitError(name, `column ${options.columns[j]} at ${timestamps[t]} is not a number: ${JSON.stringify(raw)}`);
      values[t * c + j] = v;
    }
  }
  let insertedRows = 0;
  for (let t = 0; t < length; t++) {
    if (!observed[t]) {
      insertedRows++;
      timestamps[t] = stampOf(indices[0] + t, step);
    }
  }
  let filledCells = 0;
  for (let j = 0; j < c; j++) {
    let prev = -1;
    for (let t = 0; t <= length; t++) {
      if (t < length && Number.isNaN(values[t * c + j])) continue;
      // fill (prev, t): interpolate between observed prev and t, or hold at the ends
      for (let k = prev + 1; k < t; k++) {
        if (prev < 0 && t >= length) throw new LipkitError(name, `column ${options.columns[j]} has no value at all`);
        const v = prev < 0 ? values[t * c + j] : t >= length ? values[prev * c + j]
          : values[prev * c + j] + ((k - prev) / (t - prev)) * (values[t * c + j] - values[prev * c + j]);
        values[k * c + j] = v;
        filledCells++;
      }
      prev = t;
    }
  }
  return { name, columns: [...options.columns], timestamps, values, length, step, insertedRows, filledCells };
}
