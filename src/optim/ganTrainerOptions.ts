import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';
import { checkGanLoss, type GanLoss } from './ganLosses.js';

/** Adam's settings (`tf.train.adam(learningRate, beta1, beta2, epsilon)`). */
export interface AdamSettings {
  /** Step size > 0. Default 1e-4 (Gulrajani et al. 2017, Algorithm 1). */
  learningRate?: number;
  /** First-moment decay ("momentum") in [0, 1). Default 0 (WGAN-GP); SN-GAN used 0.5 (and 0 / 0.9 in its sweeps). */
  beta1?: number;
  /** Second-moment decay in [0, 1). Default 0.9 (WGAN-GP). */
  beta2?: number;
  /** Adam's epsilon > 0. Default 1e-8 (PyTorch). */
  epsilon?: number;
}

/** The gradient penalty of WGAN-GP (Gulrajani et al. 2017), at random interpolates of real and fake samples. */
export interface GanPenaltySettings {
  /** Weight lambda >= 0. Default 10. */
  weight?: number;
  /** Target gradient norm D >= 0. Default 1. */
  target?: number;
  /** true: lambda E[max(0, ||grad|| - D)^2] (Petzka et al. 2018's one-sided form); default false: lambda E[(||grad|| - D)^2]. */
  oneSided?: boolean;
}

/** Options of `ganTrainer`. Every field is optional; the defaults are WGAN-GP's (Gulrajani et al. 2017, Algorithm 1). */
export interface GanTrainerOptions {
  /** Adversarial loss (see `GAN_LOSSES`). Default 'wasserstein'. */
  loss?: GanLoss;
  /** Gradient penalty at interpolates, or null for none. Default `{ weight: 10, target: 1, oneSided: false }`. */
  gradientPenalty?: GanPenaltySettings | null;
  /** Critic updates per generator update (n_critic). Default 5. */
  criticSteps?: number;
  /** The critic's optimizer: Adam settings or any tf.Optimizer (yours: not disposed by the trainer). Default Adam(1e-4, 0, 0.9). */
  criticOptimizer?: AdamSettings | tf.Optimizer;
  /** The generator's optimizer, as `criticOptimizer`. Default Adam(1e-4, 0, 0.9). */
  generatorOptimizer?: AdamSettings | tf.Optimizer;
  /**
   * Latent batch of n rows for the `draw`-th call (counted from 0), shaped as the generator's
   * input [n, ...]; the trainer disposes it. Default: standard normal from lipkit's seeded
   * generator (seed `seed * 1000003 + draw`), the same on every backend.
   */
  sampleLatent?: (n: number, draw: number) => tf.Tensor;
  /** Apply the critic's kernel constraints (`applyConstraints`) after every critic update. Default true. */
  constrain?: boolean;
  /** Seed of the default latent draws and of the interpolation coefficients. Default 0. */
  seed?: number;
}

/** The validated options (optimizers still to be made). */
export interface GanSettings {
  loss: GanLoss;
  penalty: Required<GanPenaltySettings> | null;
  criticSteps: number;
  criticOptimizer: Required<AdamSettings> | tf.Optimizer;
  generatorOptimizer: Required<AdamSettings> | tf.Optimizer;
  sampleLatent: ((n: number, draw: number) => tf.Tensor) | null;
  constrain: boolean;
  seed: number;
}

const OPTION_FIELDS = ['loss', 'gradientPenalty', 'criticSteps', 'criticOptimizer', 'generatorOptimizer', 'sampleLatent', 'constrain', 'seed'];

/** Throws a LipkitError naming `name.<field>` for a field not in `allowed` (a misspelt option would otherwise be ignored). */
export function checkFields(name: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new LipkitError(`${name}.${key}`, `is not an option (allowed: ${allowed.join(', ')})`);
  }
}

/** true for a tf.Optimizer (by its methods: tfjs's `instanceof Optimizer` throws on undefined and plain objects). */
export function isOptimizer(value: unknown): value is tf.Optimizer {
  return value !== null && typeof value === 'object' && typeof (value as tf.Optimizer).minimize === 'function' && typeof (value as tf.Optimizer).applyGradients === 'function';
}

/** Validated Adam settings or a given optimizer. */
export function readOptimizer(name: string, value: unknown): Required<AdamSettings> | tf.Optimizer {
  if (isOptimizer(value)) return value;
  checkOptions(name, value);
  const a = (value ?? {}) as AdamSettings;
  checkFields(name, a, ['learningRate', 'beta1', 'beta2', 'epsilon']);
  return {
    learningRate: checkNumber(`${name}.learningRate`, a.learningRate ?? 1e-4, { min: 0, exclusiveMin: true, max: 10 }),
    beta1: checkNumber(`${name}.beta1`, a.beta1 ?? 0, { min: 0, max: 0.9999 }),
    beta2: checkNumber(`${name}.beta2`, a.beta2 ?? 0.9, { min: 0, max: 0.9999 }),
    epsilon: checkNumber(`${name}.epsilon`, a.epsilon ?? 1e-8, { min: 0, exclusiveMin: true }),
  };
}

function readPenalty(value: unknown): Required<GanPenaltySettings> | null {
  if (value === null) return null;
  checkOptions('options.gradientPenalty', value);
  const p = (value ?? {}) as GanPenaltySettings;
  checkFields('options.gradientPenalty', p, ['weight', 'target', 'oneSided']);
  if (p.oneSided !== undefined && typeof p.oneSided !== 'boolean') throw new LipkitError('options.gradientPenalty.oneSided', 'must be a boolean');
  return {
    weight: checkNumber('options.gradientPenalty.weight', p.weight ?? 10, { min: 0 }),
    target: checkNumber('options.gradientPenalty.target', p.target ?? 1, { min: 0 }),
    oneSided: p.oneSided ?? false,
  };
}

/** Validates `GanTrainerOptions` (errors name `options.<field>`, unknown fields included) and fills the defaults. */
export function readGanOptions(options: unknown): GanSettings {
  checkOptions('options', options);
  const o = (options ?? {}) as GanTrainerOptions;
  checkFields('options', o, OPTION_FIELDS);
  if (o.sampleLatent !== undefined && typeof o.sampleLatent !== 'function') throw new LipkitError('options.sampleLatent', 'must be a function (n, draw) => tf.Tensor');
  if (o.constrain !== undefined && typeof o.constrain !== 'boolean') throw new LipkitError('options.constrain', 'must be a boolean');
  return {
    loss: checkGanLoss('options.loss', o.loss ?? 'wasserstein'),
    penalty: readPenalty(o.gradientPenalty),
    criticSteps: checkNumber('options.criticSteps', o.criticSteps ?? 5, { min: 1, max: 1000, integer: true }),
    criticOptimizer: readOptimizer('options.criticOptimizer', o.criticOptimizer),
    generatorOptimizer: readOptimizer('options.generatorOptimizer', o.generatorOptimizer),
    sampleLatent: o.sampleLatent ?? null,
    constrain: o.constrain ?? true,
    seed: checkNumber('options.seed', o.seed ?? 0, { min: 0, max: 2 ** 24, integer: true }),
  };
}
