import type { StudyFigure } from '../study.js';
import { groupedPointsSpec, linesSpec, type Row } from '../mlp/figureSpecs.js';
import { LOSS_LEVEL } from './optimizerSettings.js';
import type { OptimizerRecord } from './optimizerStudy.js';

/** The three figures of the optimizer study. */
export function optimizerFigures(records: OptimizerRecord[], labels: string[]): StudyFigure[] {
  const positive = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;
  const trajectory: Row[] = records.flatMap((r) => r.trajectory.filter((c) => positive(c.upperBound)).map((c) => ({
    setting: r.arm, seed: r.seed, step: c.step, upperBound: c.upperBound, trainCrossEntropy: c.trainCrossEntropy,
  })));
  const vsLoss = trajectory.filter((t) => positive(t.trainCrossEntropy as number | null));
  const finals: Row[] = records.flatMap((r) => [
    ...(positive(r.upperBound) ? [{ setting: r.arm, seed: r.seed, kind: 'certified upper', value: r.upperBound }] : []),
    ...(positive(r.lowerBound) ? [{ setting: r.arm, seed: r.seed, kind: 'empirical lower', value: r.lowerBound }] : []),
  ]);
  return [
    {
      id: 'bound-over-training',
      title: 'Certified Lipschitz bound over training',
      caption: 'The certified upper bound (lipschitzBound) of the unconstrained MLP every few steps, per optimizer setting, log scale, one line per seed. '
        + 'sgd m is heavy-ball momentum; a steeper rise means the optimizer makes the network less smooth faster.',
      spec: linesSpec({ rows: trajectory, x: 'step', y: 'upperBound', series: 'setting', seriesOrder: labels, detail: 'seed', xTitle: 'optimizer step', yTitle: 'certified Lipschitz bound', logY: true }),
    },
    {
      id: 'bound-vs-loss',
      title: 'Certified bound against training loss',
      caption: `The same checkpoints plotted against the full training cross-entropy (log, decreasing to the right): settings on one curve reach the same smoothness at the same loss, `
        + `so their difference at a fixed step is only training speed. The table compares bounds at cross-entropy ${LOSS_LEVEL}.`,
      spec: {
        ...linesSpec({ rows: vsLoss, x: 'trainCrossEntropy', y: 'upperBound', series: 'setting', seriesOrder: labels, detail: 'seed', xTitle: 'training cross-entropy', yTitle: 'certified Lipschitz bound', logX: true, logY: true }),
        encoding: {
          x: { field: 'trainCrossEntropy', type: 'quantitative', title: 'training cross-entropy (reversed)', scale: { type: 'log', reverse: true } },
          y: { field: 'upperBound', type: 'quantitative', title: 'certified Lipschitz bound', scale: { type: 'log' } },
          color: { field: 'setting', type: 'nominal', title: null, sort: labels, legend: { labelLimit: 260 } },
          detail: { field: 'seed', type: 'nominal' },
          order: { field: 'step', type: 'quantitative' },
        },
      },
    },
    {
      id: 'final-bounds',
      title: 'Bounds after training',
      caption: 'Certified upper and empirical lower bound (lipschitzLowerBound at the test points) after the last step, per setting, log scale; points are seeds, ticks their mean.',
      spec: groupedPointsSpec({ rows: finals, group: 'setting', series: 'kind', value: 'value', groupOrder: labels, seriesOrder: ['certified upper', 'empirical lower'], xTitle: 'optimizer', yTitle: 'Lipschitz constant (l2)', log: true }),
    },
  ];
}
