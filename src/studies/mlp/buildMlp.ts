import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkChoice, checkOptions } from '../../regularize/checks.js';
import { spectralNormalization } from '../../layers/SpectralNormalization.js';
import type { Constraint } from '../../constrain/spectralConstraintBase.js';

/** Activations the MLP builder accepts (each has a certified constant in `lipschitzBound`). */
export const MLP_ACTIVATIONS = ['relu', 'tanh', 'elu', 'softplus', 'gelu', 'swish'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

/** Options of `buildMlp`. */
export interface MlpOptions {
  /** Input features. Default 2. */
  inputDim?: number;
  /** Hidden widths, one Dense layer each. Default [64, 64, 64] (with the output layer: a 4-layer MLP). */
  widths?: number[];
  /** Output units (class logits, no softmax: the loss applies it). Default 2. */
  outputs?: number;
  /** Hidden activation. Default 'relu'. */
  activation?: MlpActivation;
  /** Seed of the Glorot-uniform kernel initializers (layer i uses seed * 101 + i + 1). Default 0. */
  seed?: number;
  /**
   * Wrap every Dense layer (the output layer included) in lipkit's `spectralNormalization`
   * with this per-layer target D (Miyato et al. 2018): each layer's kernel is scaled to
   * spectral norm D, so the logits are at most D^layers-Lipschitz (1-Lipschitz activations).
   * Default: no wrapper.
   */
  spectralNormTarget?: number;
  /**
   * A factory of a kernel constraint (e.g. `() => lipschitzProjection({ maxNorm: 1 })`), called
   * once per layer so each layer owns its power-iteration state. Applied by `applyConstraints`
   * after each training step. Default: none.
   */
  kernelConstraint?: () => Constraint;
}

/** The validated, defaulted options. */
export interface MlpSpec {
  inputDim: number;
  widths: number[];
  outputs: number;
  activation: MlpActivation;
  seed: number;
  spectralNormTarget: number | null;
}

/** Validates `MlpOptions` (errors name `options.<field>`) and fills the defaults. */
export function mlpSpec(options: MlpOptions = {}): MlpSpec {
  checkOptions('options', options);
  const inputDim = checkNumber('options.inputDim', options.inputDim ?? 2, { min: 1, max: 1e6, integer: true });
  const widths = options.widths ?? [64, 64, 64];
  if (!Array.isArray(widths)) throw new LipkitError('options.widths', 'must be an array of positive integers');
  widths.forEach((w, i) => checkNumber(`options.widths[${i}]`, w, { min: 1, max: 1e5, integer: true }));
  const outputs = checkNumber('options.outputs', options.outputs ?? 2, { min: 1, max: 1e5, integer: true });
  const activation = checkChoice('options.activation', options.activation ?? 'relu', MLP_ACTIVATIONS);
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, max: 2 ** 24, integer: true });
  const target = options.spectralNormTarget;
  if (target !== undefined) checkNumber('options.spectralNormTarget', target, { min: 0, exclusiveMin: true });
  if (options.kernelConstraint !== undefined && typeof options.kernelConstraint !== 'function') {
    throw new LipkitError('options.kernelConstraint', 'must be a function returning a constraint');
  }
  return { inputDim, widths: widths.slice(), outputs, activation, seed, spectralNormTarget: target ?? null };
}

/**
 * A dense multilayer perceptron `inputDim -> widths... -> outputs` (logits, linear output) as a
 * `tfl.Sequential`, built only from registered tfjs-layers and lipkit classes, so it can be saved,
 * loaded and certified by `lipschitzBound` (which then reflects the wrapper or constraints). The
 * Lipschitz constant of the logits is at most the product of the layers' spectral norms for the
 * 1-Lipschitz activations (relu, tanh, elu, softplus); gelu and swish add their constants.
 */
export function buildMlp(options: MlpOptions = {}): tfl.Sequential {
  const spec = mlpSpec(options);
  const units = [...spec.widths, spec.outputs];
  const model = tfl.sequential();
  units.forEach((u, i) => {
    const dense = tfl.layers.dense({
      units: u,
      activation: i < units.length - 1 ? spec.activation : 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: spec.seed * 101 + i + 1 }),
      biasInitializer: 'zeros',
      kernelConstraint: options.kernelConstraint?.(),
      ...(i === 0 && spec.spectralNormTarget === null ? { inputShape: [spec.inputDim] } : {}),
    });
    if (spec.spectralNormTarget === null) {
      model.add(dense);
    } else {
      model.add(spectralNormalization({
        layer: dense,
        target: spec.spectralNormTarget,
        seed: spec.seed * 101 + i + 1,
        ...(i === 0 ? { inputShape: [spec.inputDim] } : {}),
      }));
    }
  });
  return model;
}
