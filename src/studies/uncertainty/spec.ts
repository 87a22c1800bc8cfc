import type { StudyMode } from '../study.js';

/** Sizes of one mode of the uncertainty study. */
export interface UncertaintySizes {
  /** Paired seeds (each: a data draw, an OOD draw and the initializations of every arm). */
  seeds: number;
  /** Full-batch Adam steps. */
  epochs: number;
  learningRate: number;
  train: number;
  /** In-distribution test points (a separate two-moons draw). */
  test: number;
  /** Out-of-distribution points on the ring. */
  ood: number;
  noise: number;
  /** Hidden widths of the 4-layer MLP (3 hidden layers + the output layer or head). */
  widths: number[];
  /** Random features D of the SNGP head. */
  numFeatures: number;
  gridNx: number;
  gridNy: number;
  /** Training points drawn on each uncertainty surface. */
  plotPoints: number;
}

const BASE: UncertaintySizes = {
  seeds: 10, epochs: 600, learningRate: 0.01, train: 256, test: 512, ood: 512, noise: 0.1,
  widths: [64, 64, 64], numFeatures: 256, gridNx: 56, gridNy: 50, plotPoints: 256,
};

/**
 * Sizes per mode (CPU seconds measured on wasm are in docs/results/uncertainty-*.md):
 * smoke (tests, seconds), quick (8 paired seeds, small MLP), default (10 seeds), full (20 seeds,
 * longer training).
 */
export const UNCERTAINTY_SIZES: Readonly<Record<StudyMode, UncertaintySizes>> = {
  smoke: { ...BASE, seeds: 2, epochs: 8, train: 64, test: 64, ood: 64, widths: [16, 16, 16], numFeatures: 32, gridNx: 12, gridNy: 10, plotPoints: 64 },
  quick: { ...BASE, seeds: 8, epochs: 250, train: 128, test: 256, ood: 256, widths: [32, 32, 32], numFeatures: 128, gridNx: 40, gridNy: 36, plotPoints: 128 },
  default: BASE,
  full: { ...BASE, seeds: 20, epochs: 1500 },
};

/** The out-of-distribution ring: radius U[inner, outer] around the moons' centre (0.5, 0.25); the data lie within about 1.6 of it. */
export const OOD_RING = { centre: [0.5, 0.25] as [number, number], inner: 2.5, outer: 3.5 };

/** The plotted plane (covers the ring). */
export const PLANE = { xRange: [-3.2, 4.2] as [number, number], yRange: [-3.4, 3.9] as [number, number] };

/** Hyperparameters of the arms (fixed before any run). */
export const ARM_SETTINGS = {
  /** Gradient penalty at the data: kappa (||grad_x f_k|| - D)^2 summed over the logits, D = 1 (talk 003). */
  penaltyKappa: 1,
  penaltyTarget: 1,
  /** SNGP: per-layer spectral norm of the hidden layers, RFF length scale, ridge. */
  sngpLayerTarget: 1,
  sngpLengthScale: 1,
  sngpRidge: 1,
  /** SNGP (residual), the SNGP paper's ResFFN as in its tutorial: spectral norm bound 0.9 per residual branch. */
  residualTarget: 0.9,
  /** DUQ: the authors' two-moons example (embedding 10, sigma 0.3, gamma 0.99, lambda 1). */
  duqEmbedding: 10,
  duqLengthScale: 0.3,
  duqGamma: 0.99,
  duqLambda: 1,
} as const;

/** The arms, in display order; 'softmax' is the control of every primary claim. */
export const UNCERTAINTY_ARMS = ['softmax', 'softmax + GP', 'SNGP', 'DUQ', 'SNGP (residual)'] as const;
export type UncertaintyArm = (typeof UNCERTAINTY_ARMS)[number];

/** True for the arms with a random-feature GP head (their variance is recorded too). */
export function isGPArm(arm: UncertaintyArm): boolean {
  return arm === 'SNGP' || arm === 'SNGP (residual)';
}
