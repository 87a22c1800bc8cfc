import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { seededNormal } from '../util/random.js';
import { powerStep, sigmaOf, type TensorOperator } from '../estimate/powerStep.js';

/**
 * Persistent power-iteration vectors of one weight, held in two NON-trainable layer weights
 * (so they are saved with the model): `u` on the map's output side, `v` on its input side.
 * The training-time protocol of PyTorch's spectral_norm: a warm-up from a seeded random
 * vector when the layer is built, a few steps per training call, none at inference.
 */
export class PowerVectors {
  constructor(readonly u: tfl.LayerVariable, readonly v: tfl.LayerVariable) {}

  /**
   * Runs `iterations` power steps from a seeded random `v` and stores the pair; then, while
   * the estimate still moves by more than `tolerance` (relative) per round of `iterations`
   * steps, runs more rounds, up to `maxIterations` steps in all (slowly converging operators,
   * e.g. convolutions with a nearly repeated top singular value). `tolerance` 0: exactly
   * `iterations` steps (PyTorch's protocol).
   */
  warmUp(op: TensorOperator, seed: number, iterations: number, tolerance = 0, maxIterations = 20 * iterations): void {
    tf.tidy(() => {
      const r = powerStep(op, seededNormal(this.v.shape as number[], seed), iterations);
      this.u.write(r.u);
      this.v.write(r.v);
    });
    if (tolerance <= 0) return;
    let previous = this.read(op);
    for (let done = iterations; done + iterations <= maxIterations; done += iterations) {
      tf.tidy(() => {
        const r = powerStep(op, this.v.read(), iterations);
        this.u.write(r.u);
        this.v.write(r.v);
      });
      const sigma = this.read(op);
      if (Math.abs(sigma - previous) <= tolerance * Math.abs(sigma)) return;
      previous = sigma;
    }
  }

  private read(op: TensorOperator): number {
    return tf.tidy(() => sigmaOf(op, this.u.read(), this.v.read()).dataSync()[0]);
  }

  /**
   * The estimate `sigma = u^T A v`, differentiable in A's weights (u, v constant). When
   * `training` is true the stored pair first advances by `iterations` steps (warm start).
   * An ESTIMATE from below of sigma_max(A).
   */
  sigma(op: TensorOperator, training: boolean, iterations: number): tf.Scalar {
    return tf.tidy(() => {
      if (!training) return sigmaOf(op, this.u.read(), this.v.read());
      const r = powerStep(op, this.v.read(), iterations);
      this.u.write(r.u);
      this.v.write(r.v);
      return sigmaOf(op, r.u, r.v);
    });
  }
}
