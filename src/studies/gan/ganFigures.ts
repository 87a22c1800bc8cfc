import type { StudyFigure, VegaLiteSpec } from '../study.js';
import { groupedPointsSpec, linesSpec, type Row } from '../mlp/figureSpecs.js';
import type { GanRunRecord } from './runGanOne.js';
import { cellLabel, type GanCell } from './ganSpec.js';

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Faceted panels (row = cell, column = step) of the first seed on one mixture: critic heatmap (scaled per panel) and/or samples. */
function panelsSpec(runs: GanRunRecord[], order: string[], grid: number, withContours: boolean): VegaLiteSpec {
  const values: Row[] = [];
  for (const r of runs) {
    const cell = cellLabel(r as unknown as GanCell);
    for (const f of r.figures ?? []) {
      if (withContours) {
        const lo = Math.min(...f.grid);
        const hi = Math.max(...f.grid);
        const size = (2 * r.extent) / grid;
        f.grid.forEach((s, k) => values.push({ kind: 'grid', cell, step: f.step, x: r3(-r.extent + (k % grid) * size), y: r3(-r.extent + Math.floor(k / grid) * size), x2: r3(-r.extent + ((k % grid) + 1) * size), y2: r3(-r.extent + (Math.floor(k / grid) + 1) * size), v: hi > lo ? r3((s - lo) / (hi - lo)) : 0.5 }));
      }
      for (let i = 0; i + 1 < f.samples.length; i += 2) values.push({ kind: 'sample', cell, step: f.step, x: f.samples[i], y: f.samples[i + 1] });
    }
  }
  const extent = runs[0]?.extent ?? 3;
  const axis = (field: string, title: string): Row => ({ field, type: 'quantitative', title, scale: { domain: [-extent, extent], nice: false, zero: false } });
  return {
    data: { values },
    facet: { row: { field: 'cell', type: 'nominal', sort: order, title: null }, column: { field: 'step', type: 'ordinal', title: 'generator step' } },
    spec: {
      width: 120, height: 120,
      layer: [
        ...(withContours ? [{
          transform: [{ filter: "datum.kind === 'grid'" }], mark: { type: 'rect', strokeWidth: 0, clip: true },
          encoding: { x: axis('x', 'x1'), x2: { field: 'x2' }, y: axis('y', 'x2'), y2: { field: 'y2' }, color: { field: 'v', type: 'quantitative', title: 'critic score (scaled per panel)', scale: { scheme: 'viridis', domain: [0, 1] } } },
        }] : []),
        {
          transform: [{ filter: "datum.kind === 'sample'" }], mark: { type: 'point', filled: true, size: 5, opacity: 0.6, clip: true },
          encoding: { x: axis('x', 'x1'), y: axis('y', 'x2'), color: withContours ? { value: '#ff3030' } : { value: '#08306b' } },
        },
      ],
    },
    resolve: { scale: { color: 'independent' } },
  };
}

/** The GAN study's figures. */
export function ganFigures(records: readonly GanRunRecord[], cells: readonly GanCell[], gridSize: number): StudyFigure[] {
  const order = cells.map(cellLabel);
  const label = (r: GanRunRecord): string => cellLabel(r as unknown as GanCell);
  const mixtures = [...new Set(records.map((r) => r.mixture))];
  const curve = (field: 'slicedW2' | 'criticBound'): Row[] => records.flatMap((r) => r.checkpoints.filter((c) => c[field] !== null && (c[field] as number) > 0)
    .map((c) => ({ cell: label(r), seed: r.seed, mixture: r.mixture, step: c.step, value: c[field] as number })));
  const finals: Row[] = records.flatMap((r) => { const c = r.checkpoints[r.checkpoints.length - 1]; return c?.slicedW2 != null && !r.diverged ? [{ cell: label(r), mixture: r.mixture, seed: r.seed, sw: c.slicedW2 }] : []; });
  const figures: StudyFigure[] = [];
  for (const mx of mixtures) {
    const runs = records.filter((r) => r.mixture === mx && r.figures !== null);
    if (runs.length === 0) continue;
    figures.push({
      id: `samples-${mx}`, title: `Generated samples over training (${mx})`,
      caption: `Samples of the generator at each checkpoint, one row per critic arm and Adam β1 (first seed, same initial weights and data in every row). The target is ${mx === 'ring' ? '8 Gaussians on a circle of radius 2' : 'a 5x5 grid of Gaussians'} with sd 0.05.`,
      spec: panelsSpec(runs, order, gridSize, false),
    });
    figures.push({
      id: `critic-${mx}`, title: `Critic contours over training (${mx})`,
      caption: 'The critic\'s raw score over the plane (scaled to [0, 1] within each panel: absolute scales differ by orders of magnitude between arms), with the generated samples in red. '
        + 'A smooth critic slopes gently toward the modes; an unconstrained one can form sharp walls that give the generator little useful gradient.',
      spec: panelsSpec(runs, order, gridSize, true),
    });
  }
  figures.push({
    id: 'sliced-w2', title: 'Sliced Wasserstein distance to the target over training',
    caption: 'Sliced W2 between generated and fresh target samples (exact per projection by sorting), one line per seed, log scale; the sampling-noise floor (two target samples) is in the table.',
    spec: linesSpec({ rows: curve('slicedW2'), x: 'step', y: 'value', series: 'cell', seriesOrder: order, detail: 'seed', facet: 'mixture', xTitle: 'generator step', yTitle: 'sliced W2', logY: true }),
  });
  figures.push({
    id: 'critic-bound', title: 'Certified Lipschitz bound of the critic over training',
    caption: 'lipschitzBound(critic, { method: \'product\' }) at each checkpoint (a CERTIFIED upper bound of the critic\'s score map, log scale). SN critics stay at 1; the penalty keeps the gradient near 1 only where it is evaluated, so its bound can grow.',
    spec: linesSpec({ rows: curve('criticBound'), x: 'step', y: 'value', series: 'cell', seriesOrder: order, detail: 'seed', facet: 'mixture', xTitle: 'generator step', yTitle: 'certified critic bound', logY: true }),
  });
  figures.push({
    id: 'final-w2', title: 'Final sliced W2 per cell',
    caption: 'Sliced W2 at the end of training, each seed a point, the mean a tick, log scale. Lower is closer to the target.',
    spec: groupedPointsSpec({ rows: finals, group: 'mixture', series: 'cell', value: 'sw', seriesOrder: order, xTitle: 'mixture', yTitle: 'final sliced W2', log: true }),
  });
  return figures;
}
