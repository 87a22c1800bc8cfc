import type { StudyFigure, VegaLiteSpec } from '../study.js';
import type { GridCell } from '../mlp/probabilityGrid.js';
import { decisionSurfaceSpec, groupedPointsSpec, type Row } from '../mlp/figureSpecs.js';
import type { DataScaleRecord } from './dataScaleStudy.js';

/** The three figures of the data-scale study. */
export function dataScaleFigures(
  records: DataScaleRecord[], arms: string[], cells: (GridCell & { panel: string })[], points: { x: number; y: number; label: number }[],
): StudyFigure[] {
  const positive = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;
  const metricRows = (field: 'testAccuracy' | 'testMargin'): Row[] => records
    .filter((r) => r[field] !== null).map((r) => ({ arm: r.arm, seed: r.seed, metric: field, value: r[field] }));
  const boundRows: Row[] = records.flatMap((r) => [
    ...(positive(r.upperBoundOriginal) ? [{ arm: r.arm, seed: r.seed, kind: 'certified upper', value: r.upperBoundOriginal }] : []),
    ...(positive(r.lowerBoundOriginal) ? [{ arm: r.arm, seed: r.seed, kind: 'empirical lower', value: r.lowerBoundOriginal }] : []),
  ]);
  const firstSeed = records[0]?.seed ?? 0;
  const metric = (field: 'testAccuracy' | 'testMargin', title: string): VegaLiteSpec => groupedPointsSpec({
    rows: metricRows(field), group: 'arm', value: 'value', groupOrder: arms, xTitle: 'arm', yTitle: title, mean: 'bar',
  });
  return [
    {
      id: 'decision-surfaces',
      title: 'Decision surfaces: spectral normalization and data scale',
      caption: `P(class 1) over the input plane in ORIGINAL data units (models trained on data x10 are evaluated at 10x the plotted point), seed ${firstSeed}, test points on top. `
        + 'D is the per-layer spectral-norm target (network bound D^layers in the model\'s own input). Washed-out colours: the logits change slowly, the model is flat.',
      spec: decisionSurfaceSpec({ panels: arms, cells, points: arms.flatMap((panel) => points.map((p) => ({ ...p, panel }))) }),
    },
    {
      id: 'accuracy-margin',
      title: 'Test accuracy and logit margin',
      caption: 'Test accuracy (left) and mean test logit margin (right; label logit minus the best other, in output units, so comparable across scales) per arm; bars are means, points seeds.',
      spec: { hconcat: [metric('testAccuracy', 'test accuracy'), metric('testMargin', 'mean test logit margin')] },
    },
    {
      id: 'bounds',
      title: 'Lipschitz bounds in original data units',
      caption: 'Certified upper bound (lipschitzBound) and empirical lower bound (lipschitzLowerBound at the test points) of the logits as a function of the ORIGINAL inputs '
        + '(bound in the model\'s input x scale), log scale. D=1 on 10x data is a 10-Lipschitz function of the original inputs.',
      spec: groupedPointsSpec({ rows: boundRows, group: 'arm', series: 'kind', value: 'value', groupOrder: arms, seriesOrder: ['certified upper', 'empirical lower'], xTitle: 'arm', yTitle: 'Lipschitz constant (original units)', log: true }),
    },
  ];
}
