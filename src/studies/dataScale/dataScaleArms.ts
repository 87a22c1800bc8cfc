import type * as tfl from '@tensorflow/tfjs-layers';
import type { StudyMode } from '../study.js';
import { buildMlp } from '../mlp/buildMlp.js';
import { TWO_MOONS_SIZES, type TwoMoonsSizes } from '../twoMoons/twoMoonsArms.js';

/** The data-scale study trains the two-moons study's model on its data, at the same sizes per mode. */
export type DataScaleSizes = TwoMoonsSizes;

/**
 * Sizes per mode: those of the two-moons study (quick and default 8 paired seeds for the primary
 * claims). Measured on wasm, 2 shared cores (load 3-9): smoke ~1 s, quick 7-26 s per seed,
 * default 33-56 s per seed (1000 steps; 8 seeds about 4-8 min by extrapolation); full (10 seeds x
 * 3000) not run.
 */
export const DATA_SCALE_SIZES: Readonly<Record<StudyMode, DataScaleSizes>> = TWO_MOONS_SIZES;

/** One arm: the per-layer spectral-norm target D (null: unconstrained) and the factor the data is multiplied by. */
export interface DataScaleArm {
  label: string;
  key: 'sn-d1' | 'sn-d10' | 'sn-d1-data-x10' | 'plain' | 'plain-data-x10';
  /** Per-layer spectral normalization target D (the network is D^layers-Lipschitz in its own input), or null. */
  target: number | null;
  /** Every coordinate of the train and test data times this. */
  scale: number;
  build(widths: number[], seed: number): tfl.Sequential;
}

function arm(label: string, key: DataScaleArm['key'], target: number | null, scale: number): DataScaleArm {
  return {
    label, key, target, scale,
    build: (widths, seed) => buildMlp({ widths, seed, ...(target === null ? {} : { spectralNormTarget: target }) }),
  };
}

/**
 * Talk 003's "Sensitivity to data scaling" figure (spectral norm D=1; D=10; D=1 with the data
 * scaled by 10), plus the unconstrained MLP on both scales as the control: is the difference
 * due to the constraint?
 */
export const DATA_SCALE_ARMS: readonly DataScaleArm[] = [
  arm('SN D=1', 'sn-d1', 1, 1),
  arm('SN D=10', 'sn-d10', 10, 1),
  arm('SN D=1, data x10', 'sn-d1-data-x10', 1, 10),
  arm('unconstrained', 'plain', null, 1),
  arm('unconstrained, data x10', 'plain-data-x10', null, 10),
];

/** Radii in ORIGINAL data units at which certified test accuracy is reported (the model sees scale * epsilon). */
export const DATA_SCALE_EPSILONS = [0.05, 0.1];
