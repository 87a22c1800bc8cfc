import type * as tfl from '@tensorflow/tfjs-layers';
import type { StudyMode } from '../study.js';
import { buildMlp } from '../mlp/buildMlp.js';
import { gradientPenaltyTerm, spectralPenaltyTerm, type PenaltyTerm } from '../mlp/penaltyTerms.js';
import { lipschitzProjection } from '../../constrain/LipschitzProjection.js';

/** Sizes of one mode of the two-moons study. */
export interface TwoMoonsSizes {
  seeds: number;
  /** Full-batch Adam steps (one per epoch). */
  epochs: number;
  learningRate: number;
  train: number;
  test: number;
  noise: number;
  widths: number[];
  gridNx: number;
  gridNy: number;
  /** Test points probed by the lower bound. */
  probes: number;
  ascentSteps: number;
  /** Test points drawn on each decision surface. */
  plotPoints: number;
}

const BASE: TwoMoonsSizes = {
  seeds: 8, epochs: 1000, learningRate: 0.01, train: 256, test: 512, noise: 0.12, widths: [64, 64, 64],
  gridNx: 60, gridNy: 40, probes: 512, ascentSteps: 20, plotPoints: 250,
};

/**
 * Sizes per mode. Measured on wasm, 2 cores shared with other jobs (load 3-9): smoke 1-4 s,
 * quick 9-21 s per seed, default 40-100 s per seed (1000 steps). The primary claims are judged
 * with paired seeds (Holm over four: a sign-flip p needs 8 agreeing seeds), so quick and
 * default run 8 seeds (default about 5-14 min by extrapolation, not re-measured); full 10 seeds
 * x 3000 steps.
 */
export const TWO_MOONS_SIZES: Readonly<Record<StudyMode, TwoMoonsSizes>> = {
  smoke: { ...BASE, seeds: 1, epochs: 15, train: 64, test: 64, widths: [16, 16, 16], gridNx: 16, gridNy: 10, probes: 64, ascentSteps: 3, plotPoints: 64 },
  quick: { ...BASE, seeds: 8, epochs: 200, gridNx: 48, gridNy: 30, probes: 256, ascentSteps: 10, plotPoints: 200 },
  default: BASE,
  full: { ...BASE, seeds: 10, epochs: 3000 },
};

/** Weight of the gradient penalty (kappa) and of the spectral penalty (lambda, unsquared sum as the talk's eq. 3). */
export const GRADIENT_PENALTY_KAPPA = 1;
export const SPECTRAL_PENALTY_LAMBDA = 0.01;
/** Per-layer spectral norm D of the hard constraints (network bound D^layers = 1). */
export const LAYER_TARGET = 1;

/** One arm of the study: how its model is built and what it adds to the loss. */
export interface TwoMoonsArm {
  /** Panel and table label. */
  label: string;
  /** Short key for records. */
  key: 'unregularized' | 'gradient-penalty' | 'spectral-normalization' | 'spectral-penalty' | 'lipschitz-projection';
  build(widths: number[], seed: number): tfl.Sequential;
  penalty?: () => PenaltyTerm;
}

/** The five arms of issue 5's two-moons study (talk 003's figures plus the Gouk et al. projection and the spectral penalty). */
export const TWO_MOONS_ARMS: readonly TwoMoonsArm[] = [
  { label: 'unregularized', key: 'unregularized', build: (widths, seed) => buildMlp({ widths, seed }) },
  {
    label: 'gradient penalty D=1', key: 'gradient-penalty',
    build: (widths, seed) => buildMlp({ widths, seed }),
    penalty: () => gradientPenaltyTerm({ kappa: GRADIENT_PENALTY_KAPPA, target: 1 }),
  },
  {
    label: 'spectral normalization D=1', key: 'spectral-normalization',
    build: (widths, seed) => buildMlp({ widths, seed, spectralNormTarget: LAYER_TARGET }),
  },
  {
    label: 'spectral penalty', key: 'spectral-penalty',
    build: (widths, seed) => buildMlp({ widths, seed }),
    penalty: () => spectralPenaltyTerm({ lambda: SPECTRAL_PENALTY_LAMBDA }),
  },
  {
    label: 'Lipschitz projection D=1', key: 'lipschitz-projection',
    build: (widths, seed) => buildMlp({ widths, seed, kernelConstraint: () => lipschitzProjection({ maxNorm: LAYER_TARGET }) }),
  },
];
