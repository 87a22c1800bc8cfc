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
   * Runs `iterations` power steps from a seeded random `v` and stores the pair, then
   * `converge(op, iterations, tolerance)`. `tolerance` 0: exactly `iterations` steps
   * (PyTorch's protocol).
   */
  warmUp(op: TensorOperator, seed: number, iterations: number, tolerance = 0): void {
    tf.tidy(() => {
      const r = powerStep(op, seededNormal(this.v.shape as number[], seed), iterations);
      this.u.write(r.u);
      this.v.write(r.v);
    });
    if (tolerance > 0) this.converge(op, iterations, tolerance);
  }

  /**
   * From the stored `v`, runs rounds of `iterations` power steps while the estimate moves by
   * more than `tolerance` (relative) per round, up to `maxIterations` steps in all (slowly
   * converging operators, e.g. convolutions with a nearly repeated top singular value).
   * Returns the final estimate. Reads one number per round.
   */
  converge(op: TensorOperator, iterations: number, tolerance: number, maxIterations = 20 * iterations): number {
    let previous = this.read(op);
    for (let done = 0; done + iterations <= maxIterations; done += iterations) {
      tf.tidy(() => {
        const r = powerStep(op, this.v.read(), iterations);
        this.u.write(r.u);
        this.v.write(r.v);
      });
      const sigma = this.read(op);
      if (Math.abs(sigma - previous) <= tolerance * Math.abs(sigma)) return sigma;
      previous = sigma;
    }
    return previous;
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
