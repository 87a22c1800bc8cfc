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
   * PyTorch's training-time step, continued to a tolerance: from the stored `u`,
   * `v = A^T u / ||A^T u||`, `u' = A v / ||A v||` (two matrix-vector products), repeated in
   * rounds (`iterations` steps, then doubling) while the relative residual
   * `||A A^T u - lambda u|| / lambda = ||s_b u' - s_a u|| / s_a` (s_a = ||A^T u||, s_b = ||A v||;
   * no extra product) exceeds `tolerance`, at most `maxExtra` more steps. Stores the pair;
   * returns `sigma = s_b = u'^T A v` (an ESTIMATE from below) and whether it converged.
   * One read of two numbers per round.
   */
  train(op: TensorOperator, iterations: number, tolerance: number, maxExtra: number): { sigma: number; converged: boolean } {
    return tf.tidy(() => {
      let u = this.u.read() as tf.Tensor;
      let steps = iterations;
      let extra = 0;
      for (;;) {
        let sa: tf.Tensor = tf.scalar(0);
        let sb: tf.Tensor = tf.scalar(0);
        let v: tf.Tensor = this.v.read();
        let prev = u;
        for (let i = 0; i < steps; i++) {
          prev = u;
          const z = op.adjoint(u);
          sa = tf.norm(z);
          v = tf.div(z, tf.add(sa, 1e-12));
          const w = op.apply(v);
          sb = tf.norm(w);
          u = tf.div(w, tf.add(sb, 1e-12));
        }
        const resid = tf.div(tf.norm(tf.sub(tf.mul(u, sb), tf.mul(prev, sa))), tf.add(sa, 1e-30));
        const [s, r] = tf.stack([sb, resid]).dataSync() as Float32Array;
        const converged = (r as number) <= tolerance || s === 0;
        if (converged || extra >= maxExtra || !Number.isFinite(s as number)) {
          this.u.write(u);
          this.v.write(v);
          return { sigma: s as number, converged };
        }
        extra += steps;
        steps = Math.max(1, Math.min(2 * steps, maxExtra - extra));
      }
    });
  }

  /** Stores a new pair (e.g. from a certified check): `u` given, `v = A^T u / ||A^T u||`. */
  setFromU(op: TensorOperator, u: tf.Tensor): void {
    tf.tidy(() => {
      const z = op.adjoint(u);
      this.u.write(tf.reshape(u, this.u.shape as number[]));
      this.v.write(tf.div(z, tf.add(tf.norm(z), 1e-12)));
    });
  }

  /** Stores a given pair (unit vectors). */
  set(u: tf.Tensor, v: tf.Tensor): void {
    tf.tidy(() => {
      this.u.write(tf.reshape(u, this.u.shape as number[]));
      this.v.write(tf.reshape(v, this.v.shape as number[]));
    });
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
