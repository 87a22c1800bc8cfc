import type { Json, VegaLiteSpec } from '../study.js';
import type { GridCell } from './probabilityGrid.js';

/** Colors of the two classes' points on the blue-orange probability surface. */
const CLASS_COLORS = ['#08306b', '#7f2704'];

/** A JSON row (figure data). */
export type Row = { [key: string]: Json };

/** Decision surfaces: one panel per model, each a P(class 1) heatmap with points on top. */
export interface SurfaceData {
  /** Panel titles in display order. */
  panels: string[];
  /** Grid cells per panel. */
  cells: (GridCell & { panel: string })[];
  /** Points drawn on every panel they name (e.g. the test set, in plot units). */
  points: { panel: string; x: number; y: number; label: number }[];
  xTitle?: string;
  yTitle?: string;
  columns?: number;
}

/**
 * Vega-Lite spec of faceted decision surfaces: a `rect` heatmap of P(class 1) (blue 0 to
 * orange 1, fixed domain [0, 1] so panels compare) with the points layered on top, filled by
 * class. Inline data only.
 */
export function decisionSurfaceSpec(d: SurfaceData): VegaLiteSpec {
  const xs = d.cells.flatMap((c) => [c.x, c.x2]);
  const ys = d.cells.flatMap((c) => [c.y, c.y2]);
  const xDomain = [Math.min(...xs), Math.max(...xs)];
  const yDomain = [Math.min(...ys), Math.max(...ys)];
  const round = (v: number, k = 1e4): number => Math.round(v * k) / k;
  // Cells share one size; x2/y2 are computed in the spec (smaller data) with a 1 % overlap so no seams show.
  const dx = d.cells.length > 0 ? d.cells[0].x2 - d.cells[0].x : 0;
  const dy = d.cells.length > 0 ? d.cells[0].y2 - d.cells[0].y : 0;
  const values: Row[] = [
    ...d.cells.map((c) => ({ kind: 'grid', panel: c.panel, x: round(c.x), y: round(c.y), p: round(c.p, 1e3) })),
    ...d.points.map((p) => ({ kind: 'point', panel: p.panel, x: round(p.x), y: round(p.y), label: `class ${p.label}` })),
  ];
  const x = { field: 'x', type: 'quantitative', title: d.xTitle ?? 'x1', scale: { domain: xDomain, nice: false, zero: false } };
  const y = { field: 'y', type: 'quantitative', title: d.yTitle ?? 'x2', scale: { domain: yDomain, nice: false, zero: false } };
  return {
    data: { values },
    facet: { field: 'panel', type: 'nominal', sort: d.panels, title: null },
    columns: d.columns ?? Math.min(3, d.panels.length),
    spec: {
      width: 200,
      height: 130,
      layer: [
        {
          transform: [
            { filter: "datum.kind === 'grid'" },
            { calculate: `datum.x + ${round(dx * 1.01, 1e6)}`, as: 'x2' },
            { calculate: `datum.y + ${round(dy * 1.01, 1e6)}`, as: 'y2' },
          ],
          mark: { type: 'rect', strokeWidth: 0, clip: true },
          encoding: {
            x, x2: { field: 'x2' }, y, y2: { field: 'y2' },
            color: { field: 'p', type: 'quantitative', title: 'P(class 1)', scale: { scheme: 'blueorange', domain: [0, 1] } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, size: 14, stroke: 'white', strokeWidth: 0.4, opacity: 0.9, clip: true },
          encoding: {
            x, y,
            fill: { field: 'label', type: 'nominal', title: 'test point', scale: { domain: ['class 0', 'class 1'], range: CLASS_COLORS } },
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** Options of `groupedPointsSpec`. */
export interface GroupedPointsOptions {
  /** Rows `{ [group], [series], [value], ... }` (one per seed). */
  rows: Row[];
  group: string;
  /** Field of the offset columns within a group; omitted: one column per group, coloured by the group (no legend). */
  series?: string;
  value: string;
  groupOrder?: string[];
  seriesOrder?: string[];
  xTitle: string;
  yTitle: string;
  log?: boolean;
  /** 'bar': bars of the mean; 'tick': a tick at the mean. Seeds are points in both. Default 'tick'. */
  mean?: 'bar' | 'tick';
}

/**
 * Grouped comparison: per group on x, one offset column per series (`xOffset`), the seeds as
 * points and their mean as a bar or tick; optional log y.
 */
export function groupedPointsSpec(o: GroupedPointsOptions): VegaLiteSpec {
  const scale: Row = o.log ? { type: 'log' } : { zero: o.mean === 'bar' };
  const groups = new Set(o.rows.map((r) => String(r[o.group]))).size;
  const series = o.series === undefined ? 1 : new Set(o.rows.map((r) => String(r[o.series as string]))).size;
  const x = { field: o.group, type: 'nominal', title: o.xTitle, sort: o.groupOrder ?? null, axis: { labelAngle: 0, labelLimit: 320 } };
  const offset: Row = o.series === undefined ? {} : { xOffset: { field: o.series, type: 'nominal', sort: o.seriesOrder ?? null } };
  const color: Row = o.series === undefined
    ? { field: o.group, type: 'nominal', sort: o.groupOrder ?? null, legend: null }
    : { field: o.series, type: 'nominal', title: null, sort: o.seriesOrder ?? null, legend: { labelLimit: 260 } };
  return {
    data: { values: o.rows },
    width: Math.max(300, groups * Math.max(180, series * 22 + 30)),
    height: 220,
    layer: [
      {
        mark: o.mean === 'bar' ? { type: 'bar', opacity: 0.75 } : { type: 'tick', thickness: 2, size: 14 },
        encoding: { x, ...offset, color, y: { aggregate: 'mean', field: o.value, type: 'quantitative', title: o.yTitle, scale } },
      },
      {
        mark: { type: 'point', filled: true, size: 18, opacity: 0.8 },
        encoding: { x, ...offset, color, y: { field: o.value, type: 'quantitative', scale } },
      },
    ],
  };
}

/** Options of `linesSpec`. */
export interface LinesOptions {
  rows: Row[];
  x: string;
  y: string;
  /** Field colouring the lines (one line per value and `detail`). */
  series: string;
  seriesOrder?: string[];
  /** Field separating lines of the same series (e.g. the seed). */
  detail?: string;
  /** Field splitting the chart into columns. */
  facet?: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
}

/** Line chart (optionally faceted into columns), log axes on request. */
export function linesSpec(o: LinesOptions): VegaLiteSpec {
  const layer: Row = {
    mark: { type: 'line', strokeWidth: 1.2, opacity: 0.85 },
    encoding: {
      x: { field: o.x, type: 'quantitative', title: o.xTitle, scale: o.logX ? { type: 'log' } : { zero: false } },
      y: { field: o.y, type: 'quantitative', title: o.yTitle, scale: o.logY ? { type: 'log' } : { zero: false } },
      color: { field: o.series, type: 'nominal', title: null, sort: o.seriesOrder ?? null, legend: { labelLimit: 260 } },
      ...(o.detail !== undefined ? { detail: { field: o.detail, type: 'nominal' } } : {}),
    },
  };
  if (o.facet === undefined) return { data: { values: o.rows }, width: 420, height: 240, ...layer };
  return {
    data: { values: o.rows },
    facet: { field: o.facet, type: 'nominal', title: null },
    spec: { width: 300, height: 200, ...layer },
    resolve: { scale: { y: 'independent' } },
  };
}
