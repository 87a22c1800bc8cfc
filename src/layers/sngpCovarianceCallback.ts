import * as tfl from '@tensorflow/tfjs-layers';
import type { Container } from '@tensorflow/tfjs-layers/dist/engine/container.js';
import { LipkitError } from '../util/errors.js';
import { RandomFeatureGP } from './RandomFeatureGP.js';

/** Options of `sngpCovarianceCallback`. */
export interface SNGPCovarianceCallbackOptions {
  /** The heads to manage. Default: every `RandomFeatureGP` layer of the model being fit. */
  layers?: RandomFeatureGP[];
  /** Also recompute the covariance at the end of every epoch (cost O(D^3) each). Default false: only at the end of training. */
  updateEachEpoch?: boolean;
}

/**
 * A `model.fit` callback that keeps SNGP's Laplace covariance current (Liu et al. 2020, Alg. 1):
 * at the start of every epoch the precision of each exact-mode head (momentum < 0) is reset to
 * s I, the head's training calls accumulate the epoch's batches (`updateOnTraining`), and at
 * the end of training (and of every epoch with `updateEachEpoch`) Sigma = P^{-1} is recomputed
 * and stored. With momentum heads the precision is never reset.
 */
export class SNGPCovarianceCallback extends tfl.Callback {
  private heads: RandomFeatureGP[] = [];
  private readonly given: RandomFeatureGP[] | undefined;
  private readonly eachEpoch: boolean;

  constructor(options: SNGPCovarianceCallbackOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object');
    if (options.layers !== undefined && (!Array.isArray(options.layers) || !options.layers.every((l) => l instanceof RandomFeatureGP))) {
      throw new LipkitError('options.layers', 'must be an array of RandomFeatureGP layers');
    }
    if (options.updateEachEpoch !== undefined && typeof options.updateEachEpoch !== 'boolean') throw new LipkitError('options.updateEachEpoch', 'must be a boolean');
    this.given = options.layers;
    this.eachEpoch = options.updateEachEpoch ?? false;
  }

  override setModel(model: Container): void {
    super.setModel(model);
    this.heads = this.given ?? model.layers.filter((l): l is RandomFeatureGP => l instanceof RandomFeatureGP);
    if (this.heads.length === 0) throw new LipkitError('model', 'has no RandomFeatureGP layer for sngpCovarianceCallback');
  }

  override async onEpochBegin(): Promise<void> {
    for (const h of this.heads) if (h.momentum < 0) h.resetPrecision();
  }

  override async onEpochEnd(): Promise<void> {
    if (this.eachEpoch) for (const h of this.heads) h.updateCovariance();
  }

  override async onTrainEnd(): Promise<void> {
    for (const h of this.heads) if (h.covarianceStale) h.updateCovariance();
  }
}

/** `new SNGPCovarianceCallback(options)`: pass it in `model.fit(x, y, { callbacks: [...] })`. */
export function sngpCovarianceCallback(options: SNGPCovarianceCallbackOptions = {}): SNGPCovarianceCallback {
  return new SNGPCovarianceCallback(options);
}
