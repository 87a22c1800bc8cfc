import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import type { StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { moonsSplit } from '../mlp/classificationData.js';
import { runArm } from '../mlp/runArm.js';
import { armRecord, type ArmRecord } from '../mlp/armRecord.js';
import { disposeModel } from '../mlp/disposeModel.js';
import { probabilityGrid, type GridCell } from '../mlp/probabilityGrid.js';
import { readRunOptions } from '../readRunOptions.js';
import { TWO_MOONS_ARMS, TWO_MOONS_SIZES } from './twoMoonsArms.js';
import { twoMoonsClaims, twoMoonsSummary, twoMoonsTables } from './twoMoonsReport.js';
import { twoMoonsFigures } from './twoMoonsFigures.js';

/** Options of the two-moons study: the common ones plus a hook on every trained model. */
export interface TwoMoonsRunOptions extends StudyRunOptions {
  /**
   * Called with each trained model (once per arm and seed) before it is disposed, e.g. to save
   * it (`model.save(fileIOHandler(dir))`) and certify it with `lipkit certify`. The models use
   * registered tfjs-layers and lipkit classes only, so they load back with `tfl.loadLayersModel`.
   */
  onModel?: (arm: string, model: tfl.LayersModel, seed: number) => Promise<void> | void;
  /** Number of seeds instead of the mode's (the demo shows one). Default: the mode's (8 in quick and default). */
  seeds?: number;
}

/** Constraint applications after training (projection arm), so the saved model is the certified one. */
export const SETTLE_CONSTRAINTS = 50;

/** Radii (input units) at which the certified test accuracy is reported. */
export const TWO_MOONS_EPSILONS = [0.05, 0.1];

/**
 * The two-moons study of issue 5 (talk 003, Rosca et al. 2020, "A case for new neural network
 * smoothness constraints", figures "Smoothness constraints on two moons" and "Weak models"):
 * a 4-layer ReLU MLP trained with full-batch Adam under five arms (unregularized; gradient
 * penalty at the data, D = 1; spectral normalization, D = 1 per layer; spectral norm penalty;
 * Lipschitz projection, D = 1 per layer), several seeds (data draw and initialization). Per
 * model: train/test accuracy, test margin, CERTIFIED upper bound (lipschitzBound, per layer),
 * EMPIRICAL lower bound (lipschitzLowerBound at the test points), mean Jacobian norm; figures:
 * decision surfaces, per-layer constants, bounds, loss curves.
 */
export async function runTwoMoons(options: TwoMoonsRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const onModel = options.onModel;
  if (onModel !== undefined && typeof onModel !== 'function') throw new LipkitError('options.onModel', 'must be a function (arm, model, seed) => void');
  const sizes = { ...TWO_MOONS_SIZES[mode], seeds: checkNumber('options.seeds', options.seeds ?? TWO_MOONS_SIZES[mode].seeds, { min: 1, max: 1000, integer: true }) };
  const start = performance.now();
  const records: ArmRecord[] = [];
  const cells: (GridCell & { panel: string })[] = [];
  let points: { x: number; y: number; label: number }[] = [];
  const total = sizes.seeds * TWO_MOONS_ARMS.length;
  let done = 0;
  for (let s = 0; s < sizes.seeds; s++) {
    const runSeed = seed + s;
    const { train, test } = moonsSplit({ train: sizes.train, test: sizes.test, noise: sizes.noise, seed: runSeed });
    if (s === 0) {
      points = Array.from({ length: Math.min(sizes.plotPoints, test.count) }, (_, i) => ({ x: test.points[2 * i], y: test.points[2 * i + 1], label: test.labels[i] }));
    }
    for (const arm of TWO_MOONS_ARMS) {
      const model = arm.build(sizes.widths, runSeed);
      const penalty = arm.penalty?.();
      try {
        const result = runArm(model, {
          train, test,
          training: { epochs: sizes.epochs, optimizer: { kind: 'adam', learningRate: sizes.learningRate }, seed: runSeed, penalty, settleConstraints: SETTLE_CONSTRAINTS },
          maxProbes: sizes.probes, ascentSteps: sizes.ascentSteps, epsilons: TWO_MOONS_EPSILONS, tightMethod: 'auto',
        });
        records.push({ ...armRecord(arm.label, runSeed, result), key: arm.key, backend: tf.getBackend() });
        if (s === 0) cells.push(...probabilityGrid(model, { nx: sizes.gridNx, ny: sizes.gridNy }).map((c) => ({ ...c, panel: arm.label })));
        if (onModel !== undefined) await onModel(arm.label, model, runSeed);
      } finally {
        penalty?.dispose();
        disposeModel(model);
      }
      done++;
      onProgress({ done, total, label: `${arm.label}, seed ${runSeed}` });
    }
  }
  const labels = TWO_MOONS_ARMS.map((a) => a.label);
  return {
    study: 'two-moons',
    title: 'Smoothness constraints on two moons',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: twoMoonsSummary(records, labels, sizes),
    claims: twoMoonsClaims(records, labels),
    tables: twoMoonsTables(records, labels),
    figures: twoMoonsFigures(records, labels, cells, points),
    records,
  };
}

/** `lipkit study two-moons`: the StudyDefinition (run accepts `TwoMoonsRunOptions`). */
export const twoMoonsStudy: StudyDefinition & { run(options?: TwoMoonsRunOptions): Promise<StudyOutput> } = {
  name: 'two-moons',
  title: 'Smoothness constraints on two moons',
  description: 'A 4-layer MLP on two moons: unregularized, gradient penalty, spectral normalization, spectral penalty, Lipschitz projection; accuracy, certified and empirical Lipschitz bounds, decision surfaces.',
  run: runTwoMoons,
};
