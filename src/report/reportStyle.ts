/**
 * The look shared by the report's figures and its page: one font stack and the Vega-Lite
 * config applied under every figure's own config (the spec's settings win).
 */

/** Sans-serif font stack used by the page and by every figure's text. */
export const REPORT_FONT = '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif';

/** Default size of a figure's plot area (per facet cell) when the spec gives none, in px. */
export const DEFAULT_FIGURE_SIZE = { width: 440, height: 260 } as const;

/** The Vega-Lite config every report figure is compiled with (a spec's own `config` overrides it). */
export const REPORT_VEGA_LITE_CONFIG = {
  font: REPORT_FONT,
  background: 'white',
  padding: 8,
  view: {
    continuousWidth: DEFAULT_FIGURE_SIZE.width,
    continuousHeight: DEFAULT_FIGURE_SIZE.height,
    stroke: '#d9dde3',
  },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', color: '#1f2933', offset: 10 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    labelColor: '#3e4c59',
    titleColor: '#1f2933',
    gridColor: '#e4e7eb',
    domainColor: '#7b8794',
    tickColor: '#7b8794',
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: '#3e4c59', titleColor: '#1f2933' },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 600, labelColor: '#1f2933' },
} as const;
