import * as tf from '@tensorflow/tfjs-core';
import type { StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { moonsSplit } from '../mlp/classificationData.js';
import { runArm } from '../mlp/runArm.js';
import { armRecord, type ArmRecord } from '../mlp/armRecord.js';
import { disposeModel } from '../mlp/disposeModel.js';
import { probabilityGrid, type GridCell } from '../mlp/probabilityGrid.js';
import { readRunOptions } from '../readRunOptions.js';
import { finiteOrNull } from '../mlp/stats.js';
import { DATA_SCALE_ARMS, DATA_SCALE_EPSILONS, DATA_SCALE_SIZES } from './dataScaleArms.js';
import { dataScaleClaims, dataScaleSummary, dataScaleTables } from './dataScaleReport.js';
import { dataScaleFigures } from './dataScaleFigures.js';

/** A data-scale record: the common one plus the arm's D and scale, and the numbers in ORIGINAL data units. */
export interface DataScaleRecord extends ArmRecord {
  key: string;
  /** Per-layer spectral-norm target D, or null (unconstrained). */
  target: number | null;
  scale: number;
  /** CERTIFIED bound of the logits as a function of the original (unscaled) inputs: upperBound * scale. */
  upperBoundOriginal: number | null;
  /** EMPIRICAL lower bound in original units: lowerBound * scale. */
  lowerBoundOriginal: number | null;
  meanJacobianNormOriginal: number | null;
  backend: string;
}

/**
 * The data-scale study of issue 5 (talk 003, "Sensitivity to data scaling": spectral norm
 * D=1, D=10, and D=1 with the data scaled by 10): the same 4-layer ReLU MLP with spectral
 * normalization (lipkit's `spectralNormalization`, per-layer target D) on two moons, on the
 * original and on 10x scaled data, plus the unconstrained MLP on both scales as a control.
 * Reports accuracy, logit margin, CERTIFIED and EMPIRICAL Lipschitz bounds (also in original
 * data units, i.e. times the scale), certified accuracy at radii in original units, and the
 * decision surfaces drawn in original units.
 */
export async function runDataScale(options: StudyRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const sizes = DATA_SCALE_SIZES[mode];
  const start = performance.now();
  const records: DataScaleRecord[] = [];
  const cells: (GridCell & { panel: string })[] = [];
  let points: { x: number; y: number; label: number }[] = [];
  const total = sizes.seeds * DATA_SCALE_ARMS.length;
  let done = 0;
  for (let s = 0; s < sizes.seeds; s++) {
    const runSeed = seed + s;
    for (const arm of DATA_SCALE_ARMS) {
      const { train, test } = moonsSplit({ train: sizes.train, test: sizes.test, noise: sizes.noise, seed: runSeed, scale: arm.scale });
      if (s === 0 && arm.scale === 1 && points.length === 0) {
        points = Array.from({ length: Math.min(sizes.plotPoints, test.count) }, (_, i) => ({ x: test.points[2 * i], y: test.points[2 * i + 1], label: test.labels[i] }));
      }
      const model = arm.build(sizes.widths, runSeed);
      try {
        const result = runArm(model, {
          train, test,
          training: { epochs: sizes.epochs, optimizer: { kind: 'adam', learningRate: sizes.learningRate }, seed: runSeed },
          maxProbes: sizes.probes, ascentSteps: sizes.ascentSteps, epsilons: DATA_SCALE_EPSILONS.map((e) => e * arm.scale),
        });
        const base = armRecord(arm.label, runSeed, result);
        const times = (v: number | null): number | null => (v === null ? null : finiteOrNull(v * arm.scale));
        records.push({
          ...base,
          // certified radii back in original units (the model saw scale * epsilon)
          certifiedAccuracy: base.certifiedAccuracy.map((c, i) => ({ epsilon: DATA_SCALE_EPSILONS[i], accuracy: c.accuracy })),
          key: arm.key, target: arm.target, scale: arm.scale,
          upperBoundOriginal: times(base.upperBound), lowerBoundOriginal: times(base.lowerBound), meanJacobianNormOriginal: times(base.meanJacobianNorm),
          backend: tf.getBackend(),
        });
        if (s === 0) cells.push(...probabilityGrid(model, { nx: sizes.gridNx, ny: sizes.gridNy, inputScale: arm.scale }).map((c) => ({ ...c, panel: arm.label })));
      } finally {
        disposeModel(model);
      }
      done++;
      onProgress({ done, total, label: `${arm.label}, seed ${runSeed}` });
    }
  }
  const labels = DATA_SCALE_ARMS.map((a) => a.label);
  return {
    study: 'data-scale',
    title: 'Spectral normalization is not scale-free',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: dataScaleSummary(records, labels, sizes),
    claims: dataScaleClaims(records, labels),
    tables: dataScaleTables(records, labels),
    figures: dataScaleFigures(records, labels, cells, points),
    records,
  };
}

/** `lipkit study data-scale`. */
export const dataScaleStudy: StudyDefinition = {
  name: 'data-scale',
  title: 'Spectral normalization is not scale-free',
  description: 'Spectral normalization with D=1, D=10, and D=1 on two moons scaled by 10 (plus unconstrained controls): accuracy, margin, certified and empirical bounds, decision surfaces.',
  run: runDataScale,
};
