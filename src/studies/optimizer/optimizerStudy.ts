import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Json, StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { lipschitzBound } from '../../estimate/network/lipschitzBound.js';
import { buildMlp } from '../mlp/buildMlp.js';
import { moonsSplit, type ClassificationSet } from '../mlp/classificationData.js';
import { trainClassifier } from '../mlp/trainClassifier.js';
import { evaluateClassifier } from '../mlp/evaluateClassifier.js';
import { measureSmoothness } from '../mlp/measureSmoothness.js';
import { BOUND_ROUNDING_TOLERANCE } from '../mlp/runArm.js';
import { disposeModel } from '../mlp/disposeModel.js';
import { readRunOptions } from '../readRunOptions.js';
import { finiteOrNull } from '../mlp/stats.js';
import { LOSS_LEVEL, OPTIMIZER_SETTINGS, OPTIMIZER_SIZES, type OptimizerSetting } from './optimizerSettings.js';
import { optimizerClaims, optimizerSummary, optimizerTables } from './optimizerReport.js';
import { optimizerFigures } from './optimizerFigures.js';

/** One checkpoint of a run: the CERTIFIED bound and the full training-set loss after `step` steps. */
export interface Checkpoint {
  [key: string]: Json;
  step: number;
  upperBound: number | null;
  trainCrossEntropy: number | null;
  trainAccuracy: number | null;
}

/** One run (setting x seed) of the optimizer study. */
export interface OptimizerRecord {
  [key: string]: Json;
  arm: string;
  kind: string;
  learningRate: number;
  momentum: number | null;
  seed: number;
  steps: number;
  diverged: boolean;
  seconds: number;
  trainCrossEntropy: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** CERTIFIED bound after training. */
  upperBound: number | null;
  /** EMPIRICAL lower bound after training (test points). */
  lowerBound: number | null;
  meanJacobianNorm: number | null;
  upperAtLeastLower: boolean | null;
  /**
   * The certified bound where the training cross-entropy first reaches LOSS_LEVEL: log-log
   * interpolated between the two checkpoints around the crossing (`step` is the first checkpoint
   * at or below the level); null if never reached.
   */
  atLossLevel: { step: number; upperBound: number | null } | null;
  trajectory: Checkpoint[];
  backend: string;
}

function checkpoint(model: tfl.LayersModel, train: ClassificationSet, step: number): Checkpoint {
  let upper: number | null = null;
  try { upper = finiteOrNull(lipschitzBound(model, { method: 'product' }).upperBound); } catch { upper = null; } // non-finite weights after divergence
  const m = evaluateClassifier(model, train);
  return { step, upperBound: upper, trainCrossEntropy: finiteOrNull(m.crossEntropy), trainAccuracy: finiteOrNull(m.accuracy) };
}

/** See `OptimizerRecord.atLossLevel`. */
export function boundAtLoss(trajectory: readonly Checkpoint[], level: number): { step: number; upperBound: number | null } | null {
  const k = trajectory.findIndex((c) => c.trainCrossEntropy !== null && c.trainCrossEntropy <= level);
  if (k < 0) return null;
  const b = trajectory[k];
  const a = k > 0 ? trajectory[k - 1] : null;
  const ok = (v: number | null): v is number => v !== null && v > 0;
  if (a === null || !ok(a.trainCrossEntropy) || !ok(b.trainCrossEntropy) || !ok(a.upperBound) || !ok(b.upperBound) || a.trainCrossEntropy <= b.trainCrossEntropy) {
    return { step: b.step, upperBound: b.upperBound };
  }
  const t = (Math.log(a.trainCrossEntropy) - Math.log(level)) / (Math.log(a.trainCrossEntropy) - Math.log(b.trainCrossEntropy));
  return { step: b.step, upperBound: Math.exp(Math.log(a.upperBound) + t * (Math.log(b.upperBound) - Math.log(a.upperBound))) };
}

function runSetting(setting: OptimizerSetting, seed: number, sizes: (typeof OPTIMIZER_SIZES)['default'], train: ClassificationSet, test: ClassificationSet): OptimizerRecord {
  const model = buildMlp({ widths: sizes.widths, seed });
  try {
    const trajectory: Checkpoint[] = [checkpoint(model, train, 0)];
    const history = trainClassifier(model, train, {
      epochs: sizes.epochs, batchSize: sizes.batchSize, seed, optimizer: setting.spec,
      onStep: (step, m) => { if (step % sizes.trackEvery === 0) trajectory.push(checkpoint(m, train, step)); },
    });
    if (trajectory[trajectory.length - 1].step !== history.steps) trajectory.push(checkpoint(model, train, history.steps));
    const smooth = history.diverged ? null : measureSmoothness(model, test, { maxProbes: sizes.probes, ascentSteps: sizes.ascentSteps });
    const last = trajectory[trajectory.length - 1];
    return {
      arm: setting.label,
      kind: setting.spec.kind,
      learningRate: setting.spec.learningRate,
      momentum: setting.spec.kind === 'adam' ? null : setting.spec.momentum ?? (setting.spec.kind === 'muon' ? 0.95 : 0),
      seed,
      steps: history.steps,
      diverged: history.diverged,
      seconds: Math.round(history.seconds * 1000) / 1000,
      trainCrossEntropy: last.trainCrossEntropy,
      trainAccuracy: history.diverged ? null : last.trainAccuracy,
      testAccuracy: history.diverged ? null : finiteOrNull(evaluateClassifier(model, test).accuracy),
      upperBound: smooth === null ? null : finiteOrNull(smooth.upperBound),
      lowerBound: smooth === null ? null : finiteOrNull(smooth.lowerBound),
      meanJacobianNorm: smooth === null ? null : finiteOrNull(smooth.meanJacobianNorm),
      upperAtLeastLower: smooth === null ? null : smooth.lowerBound <= smooth.upperBound * (1 + BOUND_ROUNDING_TOLERANCE),
      atLossLevel: boundAtLoss(trajectory, LOSS_LEVEL),
      trajectory,
      backend: tf.getBackend(),
    };
  } finally {
    disposeModel(model);
  }
}

/**
 * The optimizer study of issue 5 (talk 003, "Overlooked interactions with optimization"): the
 * unconstrained 4-layer ReLU MLP of the two-moons study trained with minibatch SGD at several
 * learning rates and heavy-ball momenta, Adam, and lipkit's Muon; the CERTIFIED Lipschitz bound
 * (lipschitzBound) and the full training loss are recorded every few steps, so bounds can be
 * compared both at the same step and at the same training loss.
 */
export async function runOptimizer(options: StudyRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const sizes = OPTIMIZER_SIZES[mode];
  const start = performance.now();
  const records: OptimizerRecord[] = [];
  const total = sizes.seeds * OPTIMIZER_SETTINGS.length;
  for (let s = 0; s < sizes.seeds; s++) {
    const runSeed = seed + s;
    const { train, test } = moonsSplit({ train: sizes.train, test: sizes.test, noise: sizes.noise, seed: runSeed });
    for (const setting of OPTIMIZER_SETTINGS) {
      records.push(runSetting(setting, runSeed, sizes, train, test));
      onProgress({ done: records.length, total, label: `${setting.label}, seed ${runSeed}` });
    }
  }
  const labels = OPTIMIZER_SETTINGS.map((o) => o.label);
  return {
    study: 'optimizer',
    title: 'Optimizer settings and the Lipschitz constant',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: optimizerSummary(records, labels, sizes),
    claims: optimizerClaims(records),
    tables: optimizerTables(records, labels),
    figures: optimizerFigures(records, labels),
    records,
  };
}

/** `lipkit study optimizer`. */
export const optimizerStudy: StudyDefinition = {
  name: 'optimizer',
  title: 'Optimizer settings and the Lipschitz constant',
  description: 'The two-moons MLP trained with SGD (learning rates x momenta), Adam and Muon; the certified Lipschitz bound over training, at equal steps and at equal training loss.',
  run: runOptimizer,
};
