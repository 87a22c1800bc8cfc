import { LipkitError } from '../../util/errors.js';
import type { ImageDatasetName } from '../../data/loadImageDataset.js';
import type { TimeSeriesName } from '../../data/loadTimeSeries.js';

/**
 * The forecasting series of the study (Informer protocol, univariate 'S' mode on `target`), all
 * PROXIES for the paper's ETTh/ETTm/Weather/ECL data (not reachable from npm or Debian here):
 * `weather` = Seattle hourly normals (npm vega-datasets, 8,759 hours, temperature),
 * `daily` = Seattle daily weather 2012-2015 (1,461 days, temp_max),
 * `co2` = Mauna Loa monthly CO2 (746 months, CO2).
 */
export const FORECAST_SERIES = {
  weather: { dataset: 'seattle-weather-hourly', target: 'temperature' },
  daily: { dataset: 'seattle-weather', target: 'temp_max' },
  co2: { dataset: 'co2-concentration', target: 'CO2' },
} as const satisfies Record<string, { dataset: TimeSeriesName; target: string }>;
export type ForecastSeries = keyof typeof FORECAST_SERIES;

/** The pixel-sequence tasks: sequential MNIST / Fashion-MNIST and their high-contrast "-c" variants. */
export const PIXEL_TASKS = {
  mnist: { dataset: 'mnist', contrast: false },
  'mnist-c': { dataset: 'mnist', contrast: true },
  'fashion-mnist': { dataset: 'fashion-mnist', contrast: false },
  'fashion-mnist-c': { dataset: 'fashion-mnist', contrast: true },
} as const satisfies Record<string, { dataset: ImageDatasetName; contrast: boolean }>;

/**
 * Every task of the study's exploratory list: Figure 1 (both continuities), ListOps, pixel MNIST
 * and "-c", and forecasting on the hourly Seattle weather series at horizons 24/48/168 (a PROXY
 * for the paper's ETT / Weather data, which are not reachable here). The presets run the Figure 1
 * primaries; `full` and explicit plans add these.
 */
export const STUDY_TASKS = ['fig1-high', 'fig1-low', 'listops', 'mnist', 'mnist-c', 'weather-24', 'weather-48', 'weather-168'] as const;

/**
 * A task name: one of `STUDY_TASKS`, `'fashion-mnist'`, `'fashion-mnist-c'`, or any forecasting
 * task `SERIES-HORIZON` (`weather-336`, `daily-24`, `co2-12`).
 */
export type StudyTask = string;

/** What a task name means. */
export type TaskInfo =
  | { name: string; kind: 'fig1'; continuity: 'high' | 'low'; variates: number }
  | { name: string; kind: 'listops' }
  | { name: string; kind: 'pixel'; dataset: ImageDatasetName; contrast: boolean }
  | { name: string; kind: 'forecast'; series: ForecastSeries; dataset: TimeSeriesName; target: string; horizon: number };

/** Every task family, for messages. */
export const TASK_FORMS = `fig1-high, fig1-low, fig1mv-high, fig1mv-low (Appendix A.2, 10 variates), listops, ${Object.keys(PIXEL_TASKS).join(', ')}, or SERIES-HORIZON forecasting with SERIES in ${Object.keys(FORECAST_SERIES).join('/')} (e.g. weather-24, weather-168, daily-48)`;

/**
 * Parses a task name (LipkitError naming `field` for an unknown name). Whether a forecasting
 * horizon fits its series is checked where the series is split (`informerSplit`), see
 * `checkTaskFits`.
 */
export function parseStudyTask(name: unknown, field = 'spec.task'): TaskInfo {
  if (typeof name !== 'string') throw new LipkitError(field, `must be a task name (${TASK_FORMS}), got ${JSON.stringify(name)}`);
  if (name === 'fig1-high' || name === 'fig1-low') return { name, kind: 'fig1', continuity: name === 'fig1-high' ? 'high' : 'low', variates: 1 };
  if (name === 'fig1mv-high' || name === 'fig1mv-low') return { name, kind: 'fig1', continuity: name === 'fig1mv-high' ? 'high' : 'low', variates: 10 };
  if (name === 'listops') return { name, kind: 'listops' };
  if (Object.hasOwn(PIXEL_TASKS, name)) {
    const p = PIXEL_TASKS[name as keyof typeof PIXEL_TASKS];
    return { name, kind: 'pixel', dataset: p.dataset, contrast: p.contrast };
  }
  const m = /^([a-z0-9]+)-([0-9]+)$/.exec(name);
  if (m !== null && Object.hasOwn(FORECAST_SERIES, m[1])) {
    const horizon = Number(m[2]);
    if (!Number.isSafeInteger(horizon) || horizon < 1) throw new LipkitError(field, `forecast horizon in ${JSON.stringify(name)} must be an integer >= 1`);
    const s = FORECAST_SERIES[m[1] as ForecastSeries];
    return { name, kind: 'forecast', series: m[1] as ForecastSeries, dataset: s.dataset, target: s.target, horizon };
  }
  throw new LipkitError(field, `unknown task ${JSON.stringify(name)}; known: ${TASK_FORMS}`);
}

/** Image side 28 and its divisors: the pixel tasks downsample 28x28 by the smallest f with (28/f)^2 <= length. */
const PIXEL_FACTORS = [1, 2, 4, 7, 14];

/** The downsampling factor of a pixel task for a maximum sequence length (LipkitError naming `field` below 4 steps). */
export function pixelDownsample(length: number, field = 'spec.sizes.length'): number {
  const f = PIXEL_FACTORS.find((k) => (28 / k) ** 2 <= length);
  if (f === undefined) throw new LipkitError(field, `pixel tasks need length >= 4 (a 2x2 image at least), got ${length}`);
  return f;
}
