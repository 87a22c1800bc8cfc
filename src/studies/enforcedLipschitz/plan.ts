import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkChoice } from '../../regularize/checks.js';
import { STUDY_MODES, type StudyMode } from '../study.js';

/** The weight constraint methods compared (Newhouse et al. 2025, Table of methods): none, or one per Dense kernel. */
export const CONSTRAINT_METHODS = ['none', 'spectral-normalize', 'lipschitz-projection', 'spectral-soft-cap', 'spectral-hammer'] as const;
export type ConstraintMethod = (typeof CONSTRAINT_METHODS)[number];

/** The optimizers compared: tfjs Adam and lipkit's Muon. */
export const STUDY_OPTIMIZERS = ['adam', 'muon'] as const;
export type StudyOptimizer = (typeof STUDY_OPTIMIZERS)[number];

/** Sizes and hyperparameters shared by every run of one study (one preset per mode). */
export interface EnforcedSizes {
  /** Training images (the first `train` of MNIST's 60,000). */
  train: number;
  /** Held-out test images (the first `test` of MNIST's 10,000 test split). */
  test: number;
  /** Width of the two hidden layers: 784 -> hidden -> hidden -> 10. */
  hidden: number;
  batchSize: number;
  epochs: number;
  /** Adam's step size (tf.train.adam, betas 0.9 / 0.999). */
  adamLearningRate: number;
  /** Muon's step size (the spectral norm of each orthogonalized kernel update, before Newton-Schulz's ~[0.7, 1.2] spread). */
  muonLearningRate: number;
  /** Test images probed by `lipschitzLowerBound` (exact 10-output Jacobians, then gradient ascent). */
  lowerBoundProbes: number;
  /** Gradient-ascent steps of `lipschitzLowerBound`. */
  lowerBoundSteps: number;
}

/** A study preset: sizes, the per-layer caps of the grid, and how many seeds. */
export interface EnforcedPreset {
  sizes: EnforcedSizes;
  /** Per-layer spectral-norm caps w_max (the network's certificate is at most w_max^3). */
  caps: number[];
  seeds: number;
}

/** One training run of the grid. */
export interface EnforcedRunSpec {
  optimizer: StudyOptimizer;
  method: ConstraintMethod;
  /** Per-layer cap; null for 'none'. */
  cap: number | null;
  seed: number;
  sizes: EnforcedSizes;
}

/** Radii (l2, in input units with pixels in [0, 1]) at which certified accuracy is reported in the table. */
export const TABLE_EPSILONS = [0.5, 1.0] as const;

/** Radii of the certified-accuracy curves, 0 to 2 in steps of 0.1. */
export const CURVE_EPSILONS: readonly number[] = Array.from({ length: 21 }, (_, i) => Math.round(i * 10) / 100);

const BASE: Omit<EnforcedSizes, 'train' | 'test' | 'hidden' | 'batchSize' | 'epochs' | 'lowerBoundProbes' | 'lowerBoundSteps'> = {
  adamLearningRate: 1e-3,
  muonLearningRate: 0.02,
};

/**
 * The preset of each mode (times measured on the wasm backend, 2 shared cores):
 * - smoke: 10 runs of 1 optimizer step each, width 16; ~5 s.
 * - quick: 18 runs (caps 1 and 4, one seed), 1,280 images x 2 epochs of batch 64, width 64; ~17 s CPU.
 * - default: 208 runs (caps 1, 2, 4, eight paired seeds: with fewer the exact sign-flip p cannot
 *   reach 0.05 after Holm over the four primaries), 8,192 images x 2 epochs of batch 128 (128
 *   steps), width 128, 2,000 test images; 1,048 CPU s, 17 min wall (one thread).
 * - full: all 60,000 training images x 5 epochs of batch 256 (1,175 steps), the whole test split,
 *   width 256 as the paper's CIFAR-10 MLP, caps 0.5 to 4, two seeds: 68 runs, hours (not timed;
 *   about 2-3 h extrapolated from per-step times).
 */
export function presetFor(mode: StudyMode): EnforcedPreset {
  checkChoice('options.mode', mode, STUDY_MODES);
  switch (mode) {
    case 'smoke':
      return { caps: [1], seeds: 1, sizes: { ...BASE, train: 64, test: 64, hidden: 16, batchSize: 64, epochs: 1, lowerBoundProbes: 8, lowerBoundSteps: 3 } };
    case 'quick':
      return { caps: [1, 4], seeds: 1, sizes: { ...BASE, train: 1280, test: 500, hidden: 64, batchSize: 64, epochs: 2, lowerBoundProbes: 16, lowerBoundSteps: 5 } };
    case 'default':
      return { caps: [1, 2, 4], seeds: 8, sizes: { ...BASE, train: 8192, test: 2000, hidden: 128, batchSize: 128, epochs: 2, lowerBoundProbes: 32, lowerBoundSteps: 10 } };
    case 'full':
      return { caps: [0.5, 1, 2, 4], seeds: 2, sizes: { ...BASE, train: 60000, test: 10000, hidden: 256, batchSize: 256, epochs: 5, lowerBoundProbes: 128, lowerBoundSteps: 20 } };
  }
}

/** Validates a preset (errors name `preset.<field>`). */
export function checkPreset(preset: EnforcedPreset): EnforcedPreset {
  if (preset === null || typeof preset !== 'object') throw new LipkitError('preset', 'must be an object { sizes, caps, seeds }');
  if (!Array.isArray(preset.caps) || preset.caps.length === 0) throw new LipkitError('preset.caps', 'must be a non-empty array of positive numbers');
  preset.caps.forEach((c, i) => checkNumber(`preset.caps[${i}]`, c, { min: 0, exclusiveMin: true, max: 1e3 }));
  if (new Set(preset.caps).size !== preset.caps.length) throw new LipkitError('preset.caps', 'must not repeat a cap');
  checkNumber('preset.seeds', preset.seeds, { min: 1, max: 100, integer: true });
  const s = preset.sizes;
  if (s === null || typeof s !== 'object') throw new LipkitError('preset.sizes', 'must be an object');
  checkNumber('preset.sizes.train', s.train, { min: 1, max: 60000, integer: true });
  checkNumber('preset.sizes.test', s.test, { min: 1, max: 10000, integer: true });
  checkNumber('preset.sizes.hidden', s.hidden, { min: 1, max: 4096, integer: true });
  checkNumber('preset.sizes.batchSize', s.batchSize, { min: 1, max: 60000, integer: true });
  checkNumber('preset.sizes.epochs', s.epochs, { min: 1, max: 1000, integer: true });
  checkNumber('preset.sizes.adamLearningRate', s.adamLearningRate, { min: 0, exclusiveMin: true, max: 10 });
  checkNumber('preset.sizes.muonLearningRate', s.muonLearningRate, { min: 0, exclusiveMin: true, max: 10 });
  checkNumber('preset.sizes.lowerBoundProbes', s.lowerBoundProbes, { min: 1, max: s.test, integer: true });
  checkNumber('preset.sizes.lowerBoundSteps', s.lowerBoundSteps, { min: 0, max: 1000, integer: true });
  return preset;
}

/**
 * The runs of a preset: per seed (`baseSeed`, `baseSeed + 1`, ...) and optimizer, the
 * unconstrained model once, then every constrained method at every cap.
 */
export function expandRuns(preset: EnforcedPreset, baseSeed: number): EnforcedRunSpec[] {
  checkPreset(preset);
  checkNumber('options.seed', baseSeed, { min: 0, max: 1e6, integer: true });
  const runs: EnforcedRunSpec[] = [];
  for (let k = 0; k < preset.seeds; k++) {
    for (const optimizer of STUDY_OPTIMIZERS) {
      for (const method of CONSTRAINT_METHODS) {
        const caps = method === 'none' ? [null] : preset.caps;
        for (const cap of caps) runs.push({ optimizer, method, cap, seed: baseSeed + k, sizes: preset.sizes });
      }
    }
  }
  return runs;
}
