import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { exactSingularValues } from '../../estimate/exactSingularValues.js';

/**
 * Relative slack allowed over a constraint's promise before a layer counts as violating it:
 * 1 %. Normalization, projection and the hammer rescale by a power-iteration ESTIMATE of sigma
 * (one warm-started iteration per step for the first two), which trails the exact value
 * while the weights move; their JSDoc promises "target (1 + small)" after warm-up.
 */
export const CAP_TOLERANCE = 0.01;

/** One Dense kernel after training, checked by exact singular values. */
export interface LayerCapCheck {
  /** 1-based Dense layer index. */
  layer: number;
  shape: number[];
  /** Exact largest singular value (float64 one-sided Jacobi, `exactSingularValues`). */
  sigmaMax: number;
  /** Exact second singular value (the spectral hammer only promises its cap when this is <= cap). */
  sigma2: number;
  /** Number of singular values above the cap (0 without a constraint). */
  aboveCap: number;
  /** The spectral norm the layer's constraint promises (`constraint.promise()`); null without a constraint. */
  promise: number | null;
  /** sigmaMax <= promise (1 + CAP_TOLERANCE); null without a constraint. */
  holds: boolean | null;
}

/**
 * Exact spectral norms of every constrained-or-not Dense kernel of `model`, compared with what
 * the kernel's constraint promises (lipkit's spectral constraints expose `promise()`):
 * spectralNormalize and lipschitzProjection promise the cap (target) itself, spectralSoftCap
 * `cap * max p` on its range (= cap for the couplings used here) provided the weight entered
 * below `kappa * cap`, and spectralHammer the cap provided the second singular value is <= cap.
 * `cap` counts singular values above it (null: none counted).
 */
export function checkLayerCaps(model: tfl.LayersModel, cap: number | null): LayerCapCheck[] {
  const out: LayerCapCheck[] = [];
  let index = 0;
  for (const layer of model.layers) {
    const kernel = (layer.weights as LayerVariable[]).find((w) => w.shape.length === 2 && /kernel/.test(w.originalName));
    if (kernel === undefined) continue;
    index++;
    const values = exactSingularValues(kernel.read() as tf.Tensor2D); // reads the variable, creates no tensor
    const constraint = kernel.constraint as unknown as { promise?: () => number } | null;
    const promise = constraint != null && typeof constraint.promise === 'function' ? constraint.promise() : null;
    const sigmaMax = values[0] ?? 0;
    out.push({
      layer: index,
      shape: kernel.shape.map((d) => d ?? 0),
      sigmaMax,
      sigma2: values[1] ?? 0,
      aboveCap: cap === null ? 0 : values.filter((s) => s > cap * (1 + CAP_TOLERANCE)).length,
      promise,
      holds: promise === null ? null : sigmaMax <= promise * (1 + CAP_TOLERANCE),
    });
  }
  return out;
}
