import * as tf from '@tensorflow/tfjs-core';
import type { StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { readRunOptions } from '../readRunOptions.js';
import { moonsSplit, setTensors } from '../mlp/classificationData.js';
import { disposeModel } from '../mlp/disposeModel.js';
import type { GridCell } from '../mlp/probabilityGrid.js';
import { lipschitzBound } from '../../estimate/network/lipschitzBound.js';
import { UNCERTAINTY_ARMS, UNCERTAINTY_SIZES, PLANE, type UncertaintyArm } from './spec.js';
import { buildArm } from './buildArm.js';
import { trainArm } from './trainArm.js';
import { scoreArm } from './scoreArm.js';
import { auroc } from './auroc.js';
import { minDistance, oodRing } from './oodRing.js';
import { finite, type UncertaintyRecord } from './record.js';
import { uncertaintyClaims } from './claims.js';
import { uncertaintyFigures } from './figures.js';
import { uncertaintySummary, uncertaintyTables } from './report.js';

/** Cell corners and centres of a regular grid over the plotted plane (row-major from the bottom-left). */
function planeGrid(nx: number, ny: number): { cells: GridCell[]; centres: Float32Array } {
  const [x0, x1] = PLANE.xRange;
  const [y0, y1] = PLANE.yRange;
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  const cells: GridCell[] = [];
  const centres = new Float32Array(2 * nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      centres[2 * c] = x0 + (i + 0.5) * dx;
      centres[2 * c + 1] = y0 + (j + 0.5) * dy;
      cells.push({ x: x0 + i * dx, x2: x0 + (i + 1) * dx, y: y0 + j * dy, y2: y0 + (j + 1) * dy, p: 0 });
    }
  }
  return { cells, centres };
}

function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/**
 * The uncertainty study of issue 15 (talk 003, "Reliable uncertainty estimates": smooth
 * feature learners with non-softmax, distance-aware output layers; van Amersfoort et al. 2020,
 * DUQ; Liu et al. 2020, SNGP). Two moons plus far out-of-distribution points on a ring; four
 * arms on the same 4-layer MLP and seeds (softmax, softmax + gradient penalty at the data D = 1,
 * SNGP, DUQ); per model: test accuracy, AUROC of its uncertainty for OOD vs test points, mean
 * uncertainty on each, and the CERTIFIED Lipschitz bound (`lipschitzBound`) of its output.
 * Claims judged with paired seeds (Holm over the three primaries); figures: the uncertainty
 * over the plane per arm (first seed), AUROC and accuracy per seed.
 */
export async function runUncertaintyStudy(options: StudyRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const sizes = UNCERTAINTY_SIZES[mode];
  const start = performance.now();
  const records: UncertaintyRecord[] = [];
  const cells: (GridCell & { panel: string })[] = [];
  let points: { panel: string; x: number; y: number; label: number }[] = [];
  let oodGap = NaN;
  const grid = planeGrid(sizes.gridNx, sizes.gridNy);
  const total = sizes.seeds * UNCERTAINTY_ARMS.length;
  let done = 0;
  for (let s = 0; s < sizes.seeds; s++) {
    const runSeed = seed + s;
    const { train, test } = moonsSplit({ train: sizes.train, test: sizes.test, noise: sizes.noise, seed: runSeed });
    const ood = oodRing(sizes.ood, runSeed);
    if (s === 0) {
      oodGap = minDistance(ood, train.points);
      const shown = Math.min(sizes.plotPoints, train.count);
      points = UNCERTAINTY_ARMS.flatMap((panel) => Array.from({ length: shown }, (_, i) => ({ panel, x: train.points[2 * i], y: train.points[2 * i + 1], label: train.labels[i] })));
    }
    const { x, y } = setTensors(train);
    try {
      for (const arm of UNCERTAINTY_ARMS) {
        records.push(await runOne(arm, runSeed, x, y, test.points, test.labels, ood, s === 0 ? { grid, cells } : null));
        done++;
        onProgress({ done, total, label: `${arm}, seed ${runSeed}` });
      }
    } finally {
      tf.dispose([x, y]);
    }
  }
  return {
    study: 'uncertainty',
    title: 'Reliable uncertainty: softmax, gradient penalty, SNGP and DUQ on two moons',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: uncertaintySummary(records, sizes, oodGap),
    claims: uncertaintyClaims(records),
    tables: uncertaintyTables(records),
    figures: uncertaintyFigures(records, cells, points),
    records,
  };

  async function runOne(
    arm: UncertaintyArm, runSeed: number, x: tf.Tensor2D, y: tf.Tensor2D, testPoints: Float32Array, testLabels: Int32Array, oodPoints: Float32Array,
    plot: { grid: ReturnType<typeof planeGrid>; cells: (GridCell & { panel: string })[] } | null,
  ): Promise<UncertaintyRecord> {
    const t0 = performance.now();
    const model = buildArm(arm, sizes.widths, sizes.numFeatures, runSeed);
    try {
      const trained = trainArm(arm, model, x, y, sizes.epochs, sizes.learningRate);
      const base = { arm, seed: runSeed, finalLoss: trained.finalLoss, diverged: trained.diverged };
      if (trained.diverged) {
        return { ...base, accuracy: null, auroc: null, aurocVariance: null, meanUncertaintyTest: null, meanUncertaintyOod: null, lipschitzUpper: null, seconds: (performance.now() - t0) / 1000 };
      }
      const te = scoreArm(arm, model, testPoints);
      const od = scoreArm(arm, model, oodPoints);
      let correct = 0;
      for (let i = 0; i < testLabels.length; i++) if (te.predicted[i] === testLabels[i]) correct++;
      if (plot !== null) {
        const g = scoreArm(arm, model, plot.grid.centres);
        plot.grid.cells.forEach((c, i) => plot.cells.push({ ...c, p: g.u[i], panel: arm }));
      }
      const bound = lipschitzBound(model, { method: 'product' });
      await tf.nextFrame();
      return {
        ...base,
        accuracy: correct / testLabels.length,
        auroc: finite(auroc(od.score, te.score)),
        aurocVariance: te.variance !== null && od.variance !== null ? finite(auroc(od.variance, te.variance)) : null,
        meanUncertaintyTest: finite(meanOf(te.u)),
        meanUncertaintyOod: finite(meanOf(od.u)),
        lipschitzUpper: bound.certified ? finite(bound.upperBound) : null,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      disposeModel(model);
    }
  }
}

/** `lipkit study uncertainty`. */
export const uncertaintyStudy: StudyDefinition = {
  name: 'uncertainty',
  title: 'Reliable uncertainty: softmax, gradient penalty, SNGP and DUQ on two moons',
  description: 'Two moons with far OOD points: softmax MLP, gradient penalty at the data (D = 1), SNGP (spectral normalization + random-feature GP head), DUQ (RBF centroids); accuracy, AUROC of uncertainty, uncertainty surfaces; paired-seed claims.',
  run: runUncertaintyStudy,
};
