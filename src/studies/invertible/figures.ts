import type { Json, StudyFigure } from '../study.js';
import { meanSd } from '../spectralBias/summarize.js';
import type { InvertibleRecord } from './runInvertible.js';
import { byCoefficient } from './summarize.js';

/** Smallest value drawn on a log axis (an error of exactly 0 is drawn there). */
const FLOOR = 1e-16;
const positive = (v: number): number => Math.max(FLOOR, v);

/** The study's figures: reconstruction error vs c and vs n against the Banach bound, accuracy, Lipschitz numbers, warped grid. */
export function invertibleFigures(records: readonly InvertibleRecord[]): StudyFigure[] {
  const groups = byCoefficient(records);
  const coeffs = groups.map(([c]) => c);
  const seeds = new Set(records.map((r) => r.seed)).size;
  const K = records[0].sizes.blocks;

  const errValues: Json[] = [];
  const iterValues: Json[] = [];
  const MEASURED32 = 'measured (lipkit float32 inverse)';
  const PRIOR32 = 'a priori (Banach + float32 allowance)';
  const POSTERIOR32 = 'a posteriori (residual x Lip(F^-1))';
  const MEASURED64 = 'measured (float64 mirror)';
  const PRIOR64 = 'a priori Banach bound (exact arithmetic)';
  for (const [c, rs] of groups) {
    rs[0].inverse.forEach((m, j) => {
      const mean = (f: (r: InvertibleRecord) => number): number => meanSd(rs.map(f)).mean;
      errValues.push({ c: String(c), n: m.iterations, series: MEASURED32, error: positive(mean((r) => r.inverse[j].float32.max)) });
      errValues.push({ c: String(c), n: m.iterations, series: PRIOR32, error: positive(mean((r) => r.inverse[j].bound32.max)) });
      errValues.push({ c: String(c), n: m.iterations, series: POSTERIOR32, error: positive(mean((r) => r.inverse[j].posterior32.max)) });
      iterValues.push({ c: String(c), n: m.iterations, series: MEASURED64, error: positive(mean((r) => r.inverse[j].float64.max)) });
      iterValues.push({ c: String(c), n: m.iterations, series: PRIOR64, error: positive(mean((r) => r.inverse[j].banach.max)) });
    });
  }
  // Lines carry the dash legend (stroke symbols); a point layer marks the measured values.
  const dashedLines = (x: Json, color: Json, domain: string[]): Json[] => [
    {
      mark: { type: 'line', strokeWidth: 1.6 },
      encoding: {
        x, y: { field: 'error', type: 'quantitative', title: 'reconstruction error', scale: { type: 'log' } }, color,
        strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain, range: [[1, 0], [6, 3], [1, 3]].slice(0, domain.length) }, legend: { labelLimit: 600, symbolType: 'stroke', symbolStrokeColor: 'black', symbolStrokeWidth: 1.6 } },
      },
    },
    { mark: { type: 'point', filled: true, size: 22 }, encoding: { x, y: { field: 'error', type: 'quantitative' }, color } },
  ];
  const reconstruction: StudyFigure = {
    id: 'reconstruction-error',
    title: 'Reconstruction error of the fixed-point inverse vs the coefficient',
    caption: `max over test points of ||x - F^-1(F(x))|| with n fixed-point updates per block (${K} blocks), mean over ${seeds} seed(s): lipkit's float32 inverse (solid), the a-priori Banach bound (dashed) and the a-posteriori residual bound (dotted). The error grows with c; for small c it stops at float32 rounding. The a-priori bound is worst-case and very loose near c = 1.`,
    spec: {
      data: { values: errValues },
      width: 420, height: 280,
      layer: dashedLines(
        { field: 'c', type: 'ordinal', title: 'coefficient c', sort: coeffs.map(String) },
        { field: 'n', type: 'ordinal', title: 'updates n', scale: { scheme: 'viridis' } },
        [MEASURED32, PRIOR32, POSTERIOR32],
      ),
    },
  };
  const byIterations: StudyFigure = {
    id: 'error-vs-iterations',
    title: 'Geometric convergence: error vs fixed-point updates (float64 mirror)',
    caption: `The same inverse on a float64 copy of the trained blocks (solid), against the exact-arithmetic a-priori Banach bound (dashed), one color per coefficient: straight lines on this log scale are geometric rates, slower as c -> 1; the measured rate is faster than the worst-case q = Lip(g) the bound assumes. Near 1e-15 the measurement reaches float64 rounding, which the exact-arithmetic bound does not include (the tested bound adds a 2^-44 allowance); values are drawn at 1e-16 at the least.`,
    spec: {
      data: { values: iterValues },
      width: 420, height: 280,
      layer: dashedLines(
        { field: 'n', type: 'quantitative', title: 'fixed-point updates per block n' },
        { field: 'c', type: 'ordinal', title: 'c', sort: coeffs.map(String), scale: { scheme: 'plasma' } },
        [MEASURED64, PRIOR64],
      ),
    },
  };

  const accValues: Json[] = groups.flatMap(([c, rs]) => {
    const out: Json[] = [];
    for (const [split, pick] of [['train', (r: InvertibleRecord) => r.trainAccuracy], ['test', (r: InvertibleRecord) => r.testAccuracy]] as const) {
      const { mean, sd } = meanSd(rs.map(pick));
      out.push({ c: String(c), split, mean, lo: mean - sd, hi: Math.min(1, mean + sd) });
    }
    return out;
  });
  const accuracyFigure: StudyFigure = {
    id: 'accuracy-vs-coefficient',
    title: 'Two-moons accuracy vs the coefficient',
    caption: `Accuracy of blocks + Dense head, mean ± sd over ${seeds} seed(s): a smaller c bounds Lip(F) by (1 + c)^K and Lip(F^-1) by (1/(1 - c))^K, limiting how far F can move the moons apart.`,
    spec: {
      data: { values: accValues },
      width: 380, height: 240,
      encoding: {
        x: { field: 'c', type: 'ordinal', title: 'coefficient c', sort: coeffs.map(String) },
        color: { field: 'split', type: 'nominal', title: null },
      },
      layer: [
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative', title: 'accuracy', scale: { zero: false } } } },
        { mark: 'rule', encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      ],
    },
  };

  const lipValues: Json[] = groups.flatMap(([c, rs]) => {
    const m = (f: (r: InvertibleRecord) => number): number => meanSd(rs.map(f)).mean;
    return [
      { c: String(c), map: 'F', kind: 'empirical lower bound', value: m((r) => r.lipschitz.forwardLower) },
      { c: String(c), map: 'F', kind: 'certified', value: m((r) => r.lipschitz.forwardCertified) },
      { c: String(c), map: 'F', kind: 'a priori from c', value: rs[0].lipschitz.forwardTheory },
      { c: String(c), map: 'F^-1', kind: 'empirical lower bound', value: m((r) => r.lipschitz.inverseLower) },
      { c: String(c), map: 'F^-1', kind: 'certified', value: m((r) => r.lipschitz.inverseCertified) },
      { c: String(c), map: 'F^-1', kind: 'a priori from c', value: rs[0].lipschitz.inverseTheory },
    ];
  });
  const lipschitzFigure: StudyFigure = {
    id: 'lipschitz-bounds',
    title: 'Lipschitz constant of F and of its inverse',
    caption: 'Empirical lower bound (Jacobian at the test points) <= certified bound (lipschitzBound for F; product over blocks of 1 / (1 - Lip(g)) with certified kernel norms for F^-1) <= a-priori bound from c ((1 + c)^K resp. (1 / (1 - c))^K); mean over seeds, log scale.',
    spec: {
      data: { values: lipValues },
      facet: { column: { field: 'map', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 260, height: 220,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'c', type: 'ordinal', title: 'coefficient c', sort: coeffs.map(String) },
          y: { field: 'value', type: 'quantitative', title: 'Lipschitz constant', scale: { type: 'log' } },
          color: { field: 'kind', type: 'nominal', title: null, sort: ['empirical lower bound', 'certified', 'a priori from c'], legend: { labelLimit: 600 } },
        },
      },
    },
  };

  const figures = [reconstruction, byIterations, accuracyFigure, lipschitzFigure];
  const show = records.find((r) => r.warp !== null);
  if (show?.warp) {
    figures.push({
      id: 'warped-grid',
      title: `The learned map F (c = ${show.coeff})`,
      caption: `Seed ${show.seed}: grid lines of the input plane and the test points after F (${K} blocks); the head separates the mapped classes with a line. F is a bi-Lipschitz homeomorphism, so lines never cross themselves or each other.`,
      spec: {
        width: 420, height: 320,
        layer: [
          { data: { values: show.warp.grid as unknown as Json[] }, mark: { type: 'line', strokeWidth: 0.8, color: '#9aa5b1' }, encoding: { x: { field: 'x', type: 'quantitative', title: 'F(x)_1' }, y: { field: 'y', type: 'quantitative', title: 'F(x)_2' }, detail: { field: 'line', type: 'nominal' }, order: { field: 't', type: 'quantitative' } } },
          { data: { values: show.warp.points.map((p) => ({ ...p, label: `class ${p.label}` })) as unknown as Json[] }, mark: { type: 'point', filled: true, size: 18 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: { field: 'label', type: 'nominal', title: null } } },
        ],
      },
    });
  }
  return figures;
}
