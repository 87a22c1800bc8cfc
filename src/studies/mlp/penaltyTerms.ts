import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import { gradientPenaltyWithOutput } from '../../regularize/gradientPenalty.js';
import { SpectralPenalty } from '../../regularize/SpectralPenalty.js';

/**
 * A penalty added to the training loss by `trainClassifier`. `compute` runs inside the
 * optimizer's loss closure (so it is differentiated); it may also return the model's training
 * output on `x` when it had to run the forward pass anyway (saving one).
 */
export interface PenaltyTerm {
  /** Short name for records (`gradient penalty`, `spectral penalty`). */
  readonly name: string;
  compute(model: tfl.LayersModel, x: tf.Tensor): { penalty: tf.Scalar; output?: tf.Tensor };
  /** Frees any state (power-iteration vectors). */
  dispose(): void;
}

/** Options of `gradientPenaltyTerm`. */
export interface GradientPenaltyTermOptions {
  /** Weight kappa >= 0. Default 1. */
  kappa?: number;
  /** Target gradient norm D >= 0. Default 1. */
  target?: number;
}

/**
 * The gradient penalty at the data (Gulrajani et al. 2017; Rosca et al. 2020, eq. 2):
 * `kappa * mean_x sum_k (||grad_x f_k(x)||_2 - D)^2` over the training batch, summed over the
 * logits f_k (lipkit's `gradientPenaltyWithOutput`, mode 'data', one forward pass shared with
 * the loss). A regularizer, not a bound.
 */
export function gradientPenaltyTerm(options: GradientPenaltyTermOptions = {}): PenaltyTerm {
  checkOptions('options', options);
  const kappa = checkNumber('options.kappa', options.kappa ?? 1, { min: 0 });
  const target = checkNumber('options.target', options.target ?? 1, { min: 0 });
  return {
    name: 'gradient penalty',
    compute(model, x) {
      const f = (t: tf.Tensor): tf.Tensor => model.apply(t, { training: true }) as tf.Tensor;
      return gradientPenaltyWithOutput(f, x, { kappa, target });
    },
    dispose() { /* stateless */ },
  };
}

/** Options of `spectralPenaltyTerm`. */
export interface SpectralPenaltyTermOptions {
  /** Weight lambda >= 0. Default 0.01. */
  lambda?: number;
  /** `false` (default): `lambda sum_l sigma_l` (Rosca et al. 2020, eq. 3); `true`: `(lambda/2) sum_l sigma_l^2` (Yoshida & Miyato 2017). */
  squared?: boolean;
}

/**
 * Spectral norm regularization on every 2-D kernel of the model, by lipkit's warm-started
 * `SpectralPenalty` (one power-iteration step per training step, vectors kept in the term):
 * `lambda sum_l sigma(W_l)` (the talk's eq. 3) or the squared form. sigma is a power-iteration
 * estimate from below; the term is a regularizer, not a bound. Call `dispose()` after training.
 */
export function spectralPenaltyTerm(options: SpectralPenaltyTermOptions = {}): PenaltyTerm {
  checkOptions('options', options);
  const lambda = checkNumber('options.lambda', options.lambda ?? 0.01, { min: 0 });
  const squared = options.squared ?? false;
  const penalty = new SpectralPenalty({ lambda, squared });
  return {
    name: 'spectral penalty',
    compute(model) {
      const kernels = model.trainableWeights.filter((w) => w.shape.length === 2).map((w) => w.read());
      return { penalty: penalty.loss(kernels) };
    },
    dispose() { penalty.dispose(); },
  };
}
