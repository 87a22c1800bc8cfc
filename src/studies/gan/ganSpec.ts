import type { StudyMode } from '../study.js';
import type { MixtureName } from './mixtures.js';

/** The critic arms: no constraint, a gradient penalty at interpolates, spectral normalization. */
export const CRITIC_ARMS = ['unconstrained', 'gradient penalty', 'spectral normalization'] as const;
export type CriticArm = (typeof CRITIC_ARMS)[number];

/** Adam's beta1 values of the momentum sweep (Miyato et al. 2018's settings use 0.5 and 0.9; WGAN-GP uses 0 and 0.5). */
export const BETA1_VALUES = [0, 0.5, 0.9] as const;

/** One (arm, beta1) cell. */
export interface GanCell { arm: CriticArm; beta1: number }

/** The cells the pre-registered claims need: the three arms at beta1 0.5, and SN at 0 and 0.9. */
export const PRIMARY_CELLS: readonly GanCell[] = [
  { arm: 'unconstrained', beta1: 0.5 }, { arm: 'gradient penalty', beta1: 0.5 },
  { arm: 'spectral normalization', beta1: 0 }, { arm: 'spectral normalization', beta1: 0.5 }, { arm: 'spectral normalization', beta1: 0.9 },
];

/** Every arm at every beta1. */
export const ALL_CELLS: readonly GanCell[] = CRITIC_ARMS.flatMap((arm) => BETA1_VALUES.map((beta1) => ({ arm, beta1 })));

/** Sizes of a run of the study. */
export interface GanSizes {
  mixtures: MixtureName[];
  cells: readonly GanCell[];
  /** Paired seeds (same data, latent draws and initial weights across cells). */
  seeds: number;
  /** Generator updates (one critic update each). */
  steps: number;
  /** Evaluations over training (the last at the end). */
  checkpoints: number;
  batch: number;
  /** Hidden widths of the generator and of the critic. */
  widths: number[];
  /** Generated and target samples per evaluation. */
  evalSamples: number;
  /** Projections of the sliced Wasserstein distance. */
  projections: number;
  /** Critic-contour grid cells per side (first seed only). */
  grid: number;
  /** Samples kept per checkpoint for the figure (first seed only). */
  plotSamples: number;
  /** Worker threads (0: in this thread). */
  workers: number;
}

/**
 * Presets, sized by CPU time (one generator + critic update costs about 6 ms unconstrained,
 * 9 ms with the penalty and 11 ms with SN on tfjs-wasm): smoke seconds; quick 40 runs of 500
 * steps on the ring (about 200 CPU s, two workers); default both mixtures, 80 runs of 1000
 * steps; full every beta1 for every arm, 16 seeds, 3000 steps.
 */
export const GAN_SIZES: Record<StudyMode, GanSizes> = {
  smoke: { mixtures: ['ring'], cells: PRIMARY_CELLS, seeds: 2, steps: 6, checkpoints: 2, batch: 32, widths: [16, 16], evalSamples: 200, projections: 16, grid: 8, plotSamples: 50, workers: 0 },
  quick: { mixtures: ['ring'], cells: PRIMARY_CELLS, seeds: 8, steps: 500, checkpoints: 4, batch: 128, widths: [64, 64], evalSamples: 1000, projections: 128, grid: 24, plotSamples: 250, workers: 2 },
  default: { mixtures: ['ring', 'grid'], cells: PRIMARY_CELLS, seeds: 8, steps: 1000, checkpoints: 5, batch: 128, widths: [64, 64], evalSamples: 2000, projections: 256, grid: 30, plotSamples: 300, workers: 2 },
  full: { mixtures: ['ring', 'grid'], cells: ALL_CELLS, seeds: 16, steps: 3000, checkpoints: 6, batch: 128, widths: [128, 128], evalSamples: 4000, projections: 512, grid: 40, plotSamples: 400, workers: 2 },
};

/** Training settings shared by every cell: only the critic's constraint and Adam's beta1 vary. */
export const GAN_TRAINING = { learningRate: 1e-3, beta2: 0.9, latentDim: 2, penaltyWeight: 0.1, snTarget: 1 } as const;

/** One run: a cell on a mixture at a seed. */
export interface GanRunSpec {
  mixture: MixtureName;
  arm: CriticArm;
  beta1: number;
  seed: number;
  /** Keep samples and critic grids for the figures. */
  keepFigures: boolean;
  sizes: Omit<GanSizes, 'mixtures' | 'cells' | 'seeds' | 'workers'>;
}

/** The label of a cell: `spectral normalization, beta1 0.9`. */
export function cellLabel(c: GanCell): string {
  return `${c.arm}, β1 ${c.beta1}`;
}
