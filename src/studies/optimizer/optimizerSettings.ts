import type { StudyMode } from '../study.js';
import { optimizerLabel, type OptimizerSpec } from '../mlp/makeOptimizer.js';

/** Sizes of one mode of the optimizer study. */
export interface OptimizerStudySizes {
  seeds: number;
  epochs: number;
  batchSize: number;
  train: number;
  test: number;
  noise: number;
  widths: number[];
  /** Certify the model every this many steps. */
  trackEvery: number;
  probes: number;
  ascentSteps: number;
}

const BASE: OptimizerStudySizes = {
  seeds: 8, epochs: 250, batchSize: 64, train: 256, test: 512, noise: 0.12, widths: [64, 64, 64], trackEvery: 25, probes: 512, ascentSteps: 20,
};

/**
 * Sizes per mode (steps = epochs * train / batchSize): smoke 6, quick 400 (8 seeds), default 1000
 * (8 seeds: the paired verdict rule needs 8 agreeing seeds under Holm), full 2000 (10 seeds).
 * Measured on wasm, 2 shared cores: smoke 0.4 s, quick 6-15 s per seed, default 13-20 s per seed
 * (8 seeds about 2-3 min by extrapolation); full not run.
 */
export const OPTIMIZER_SIZES: Readonly<Record<StudyMode, OptimizerStudySizes>> = {
  smoke: { ...BASE, seeds: 1, epochs: 3, batchSize: 32, train: 64, test: 64, widths: [16, 16, 16], trackEvery: 2, probes: 64, ascentSteps: 3 },
  quick: { ...BASE, seeds: 8, epochs: 100, trackEvery: 20, probes: 256, ascentSteps: 10 },
  default: BASE,
  full: { ...BASE, seeds: 10, epochs: 500, trackEvery: 50 },
};

/** The training cross-entropy at which bounds are compared "at equal training loss". */
export const LOSS_LEVEL = 0.05;

/** SGD learning rates and heavy-ball momenta of the grid. */
export const SGD_LEARNING_RATES = [0.01, 0.1, 0.5];
export const SGD_MOMENTA = [0, 0.9];

/** One optimizer setting with its label. */
export interface OptimizerSetting {
  label: string;
  spec: OptimizerSpec;
}

/** SGD lr x momentum, Adam (lr 0.01), and lipkit's Muon (lr 0.02, momentum 0.95) for contrast. */
export const OPTIMIZER_SETTINGS: readonly OptimizerSetting[] = [
  ...SGD_LEARNING_RATES.flatMap((learningRate) => SGD_MOMENTA.map((momentum) => ({ kind: 'sgd' as const, learningRate, momentum }))),
  { kind: 'adam' as const, learningRate: 0.01 },
  { kind: 'muon' as const, learningRate: 0.02 },
].map((spec) => ({ label: optimizerLabel(spec), spec }));
