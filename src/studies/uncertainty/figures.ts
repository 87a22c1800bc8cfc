import type { StudyFigure } from '../study.js';
import type { GridCell } from '../mlp/probabilityGrid.js';
import { decisionSurfaceSpec, groupedPointsSpec, type Row } from '../mlp/figureSpecs.js';
import { UNCERTAINTY_ARMS } from './spec.js';
import type { UncertaintyRecord } from './record.js';

/** The uncertainty surfaces: `decisionSurfaceSpec`'s panels with the cell value read as uncertainty u in [0, 1] (viridis). */
function uncertaintySurfaceSpec(cells: (GridCell & { panel: string })[], points: { panel: string; x: number; y: number; label: number }[]): Record<string, unknown> {
  const spec = decisionSurfaceSpec({ panels: [...UNCERTAINTY_ARMS], cells, points, columns: 3 });
  const layer = (spec.spec as { layer: { encoding: Record<string, unknown> }[] }).layer;
  (layer[1].encoding.fill as Record<string, unknown>).title = 'training point';
  layer[0].encoding.color = { field: 'p', type: 'quantitative', title: 'uncertainty', scale: { scheme: 'viridis', domain: [0, 1] } };
  return spec;
}

/** The figures of the uncertainty study: surfaces of the first seed, AUROC and accuracy per arm over seeds. */
export function uncertaintyFigures(
  records: readonly UncertaintyRecord[], cells: (GridCell & { panel: string })[], points: { panel: string; x: number; y: number; label: number }[],
): StudyFigure[] {
  const rows = (field: 'auroc' | 'accuracy'): Row[] => records.filter((r) => r[field] !== null).map((r) => ({ arm: r.arm, seed: r.seed, [field]: r[field] as number }));
  return [
    {
      id: 'uncertainty-surfaces',
      title: 'Predictive uncertainty over the plane (first seed)',
      caption: 'Uncertainty u in [0, 1] of each arm over the plane, training points on top: (1 − max p)·C/(C − 1) for the softmax arms and SNGP (mean-field), 1 − max K for DUQ. The OOD ring (radius 2.5 to 3.5 around the moons) fills the plane\'s border; reliable uncertainty is bright away from the data.',
      spec: uncertaintySurfaceSpec(cells, points),
    },
    {
      id: 'auroc-by-arm',
      title: 'AUROC of uncertainty, OOD ring vs test points',
      caption: 'Each point is one seed (paired across arms); the tick is the mean. 1: every OOD point is more uncertain than every test point; 0.5: chance; below 0.5: more confident away from the data.',
      spec: groupedPointsSpec({ rows: rows('auroc'), group: 'arm', value: 'auroc', groupOrder: [...UNCERTAINTY_ARMS], xTitle: 'arm', yTitle: 'AUROC' }),
    },
    {
      id: 'accuracy-by-arm',
      title: 'Test accuracy on two moons',
      caption: 'In-distribution test accuracy per seed (points) and mean (tick): what the uncertainty comes at.',
      spec: groupedPointsSpec({ rows: rows('accuracy'), group: 'arm', value: 'accuracy', groupOrder: [...UNCERTAINTY_ARMS], xTitle: 'arm', yTitle: 'test accuracy' }),
    },
  ];
}
