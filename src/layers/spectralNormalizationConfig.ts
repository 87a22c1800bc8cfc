import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { GuaranteeOptions, SpectralGuarantee } from '../constrain/spectralGuarantee.js';
import type { SerializedLayer } from './innerLayer.js';

/** Configuration of `SpectralNormalization`. */
export interface SpectralNormalizationConfig extends LayerArgs, Omit<GuaranteeOptions, 'guarantee'> {
  /**
   * `'checked'` (default) or `'certified'` (see `SpectralGuarantee` and the class docs), or
   * `'estimate'`: PyTorch's protocol only (`powerIterations` steps from the stored vectors per
   * training call, no residual test, no check, no read back): an ESTIMATE that lags, no promise.
   */
  guarantee?: SpectralGuarantee | 'estimate';
  /** The layer to normalize: an unbuilt tfjs-layers Dense, Conv1D or Conv2D (or its `{ className, config }`). */
  layer: tfl.layers.Layer | SerializedLayer;
  /** The spectral norm the effective kernel is scaled to. Default 1. */
  target?: number;
  /**
   * Iterations per training call (`training: true`, as in `fit`) before the tolerance test:
   * for Dense and reshaped kernels block Krylov rounds (`blockPowerRound`, four products with
   * BLOCK_SIZE vectors each); for conv operators, and with `guarantee: 'estimate'`, PyTorch's
   * power step from the stored vectors. Default 1.
   */
  powerIterations?: number;
  /** Power-iteration steps when the layer is built, so it is normalized before any training. Default 15 (PyTorch). */
  warmupIterations?: number;
  /**
   * At build, after `warmupIterations` steps, keep iterating in rounds of `warmupIterations`
   * while sigma still changes by more than this (relative), up to 20 rounds. Default 1e-5;
   * 0 gives PyTorch's fixed warm-up.
   */
  warmupTolerance?: number;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
}
