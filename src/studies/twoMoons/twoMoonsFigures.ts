import type { StudyFigure } from '../study.js';
import type { ArmRecord } from '../mlp/armRecord.js';
import type { GridCell } from '../mlp/probabilityGrid.js';
import { decisionSurfaceSpec, groupedPointsSpec, linesSpec, type Row } from '../mlp/figureSpecs.js';

/** The five figures of the two-moons study. */
export function twoMoonsFigures(
  records: ArmRecord[], arms: string[], cells: (GridCell & { panel: string })[], points: { x: number; y: number; label: number }[],
): StudyFigure[] {
  const positive = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;
  const layerRows: Row[] = records.flatMap((r) => r.layers.filter((l) => positive(l.lipschitz)).map((l) => ({
    arm: r.arm, seed: r.seed, layer: `layer ${l.index}`, lipschitz: l.lipschitz,
  })));
  const boundRows: Row[] = records.flatMap((r) => [
    ...(positive(r.upperBound) ? [{ arm: r.arm, seed: r.seed, kind: 'certified upper', value: r.upperBound }] : []),
    ...(positive(r.lipsdpBound) ? [{ arm: r.arm, seed: r.seed, kind: 'certified LipSDP-Neuron', value: r.lipsdpBound }] : []),
    ...(positive(r.exactConstant) ? [{ arm: r.arm, seed: r.seed, kind: 'exact', value: r.exactConstant }] : []),
    ...(positive(r.lowerBound) ? [{ arm: r.arm, seed: r.seed, kind: 'empirical lower', value: r.lowerBound }] : []),
  ]);
  const curveRows: Row[] = records.flatMap((r) => r.curves.flatMap((c) => [
    ...(positive(c.loss) ? [{ arm: r.arm, seed: r.seed, epoch: c.epoch, part: 'training objective', value: c.loss }] : []),
    ...(positive(c.taskLoss) ? [{ arm: r.arm, seed: r.seed, epoch: c.epoch, part: 'cross-entropy', value: c.taskLoss }] : []),
  ]));
  const tradeRows: Row[] = records.filter((r) => positive(r.upperBound) && r.testAccuracy !== null)
    .map((r) => ({ arm: r.arm, seed: r.seed, bound: r.upperBound, accuracy: r.testAccuracy }));
  const firstSeed = records[0]?.seed ?? 0;
  return [
    {
      id: 'decision-surfaces',
      title: 'Decision surfaces on two moons',
      caption: `P(class 1) of each model over the input plane (blue 0, orange 1; seed ${firstSeed}), with test points on top. `
        + 'D is the per-layer spectral-norm target (network bound D^layers). A sharp blue/orange boundary hugging the moons is a steep function; '
        + 'washed-out colours mean the logits cannot change fast (a small Lipschitz constant).',
      spec: decisionSurfaceSpec({ panels: arms, cells, points: arms.flatMap((panel) => points.map((p) => ({ ...p, panel }))) }),
    },
    {
      id: 'layer-lipschitz',
      title: 'Certified Lipschitz constant of each layer',
      caption: 'Each Dense layer\'s certified constant (its kernel\'s spectral norm; ReLU is 1-Lipschitz) per arm, log scale; points are seeds, ticks their mean. '
        + 'Smaller means smoother; the constrained arms sit at D = 1 per layer.',
      spec: groupedPointsSpec({ rows: layerRows, group: 'layer', series: 'arm', value: 'lipschitz', seriesOrder: arms, xTitle: 'layer', yTitle: 'certified Lipschitz constant', log: true }),
    },
    {
      id: 'bounds',
      title: 'Certified upper bound vs empirical lower bound',
      caption: 'Per arm: the certified upper bound of the logits\' Lipschitz constant (lipschitzBound, merged layer-norm product), the certified LipSDP-Neuron-quality bound (lipschitzBound method \'lipsdp\'), '
        + 'the exact constant (linear-region enumeration, 2-D input) and the empirical lower bound (lipschitzLowerBound at the test points), log scale. '
        + 'The true constant lies between the lower and every upper bound; the exact one is the true constant.',
      spec: groupedPointsSpec({ rows: boundRows, group: 'arm', series: 'kind', value: 'value', groupOrder: arms, seriesOrder: ['certified upper', 'certified LipSDP-Neuron', 'exact', 'empirical lower'], xTitle: 'arm', yTitle: 'Lipschitz constant (l2)', log: true }),
    },
    {
      id: 'lipschitz-vs-accuracy',
      title: 'Lipschitz bound vs accuracy',
      caption: 'Each trained model (arm and seed): its certified Lipschitz bound (log scale) against its test accuracy. '
        + 'Up and to the left is smooth and accurate; the hard constraints buy a bound of 1 with accuracy, the penalties sit in between.',
      spec: {
        data: { values: tradeRows }, width: 420, height: 260,
        mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
        encoding: {
          x: { field: 'bound', type: 'quantitative', title: 'certified Lipschitz upper bound', scale: { type: 'log' } },
          y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } },
          color: { field: 'arm', type: 'nominal', title: 'arm', sort: arms },
          shape: { field: 'arm', type: 'nominal', sort: arms, legend: null },
        },
      },
    },
    {
      id: 'loss-curves',
      title: 'Training loss',
      caption: 'Training objective (cross-entropy plus the penalty, where there is one) and its cross-entropy part per epoch, log scale, one line per seed. '
        + 'A cross-entropy that stalls high means the arm cannot fit the training set within its constraint or penalty.',
      spec: linesSpec({ rows: curveRows, x: 'epoch', y: 'value', series: 'arm', seriesOrder: arms, detail: 'seed', facet: 'part', xTitle: 'epoch (full-batch step)', yTitle: 'loss', logY: true }),
    },
  ];
}
