import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** Configuration of `DUQOutput`. */
export interface DUQOutputConfig extends LayerArgs {
  /** Classes C (one centroid each). Required. */
  units: number;
  /** Centroid (embedding) size n. Default 10 (the authors' two-moons example). */
  embeddingSize?: number;
  /** RBF length scale sigma. Default 0.1 (the paper's CIFAR-10 value; the authors' two-moons example uses 0.3). */
  lengthScale?: number;
  /** EMA decay gamma of the centroid updates. Default 0.999 (paper; the two-moons example uses 0.99). */
  gamma?: number;
  /** Standard deviation of the normal initializer of the class weights W_c. Default 0.05. */
  kernelStddev?: number;
  /** Seed of W and of the initial centroids. Default 0. */
  seed?: number;
}

/** Initial per-class count N_c of the centroid EMA (the authors' code: 13). */
export const DUQ_INITIAL_COUNT = 13;

/**
 * The RBF output layer of DUQ (van Amersfoort et al. 2020, "Uncertainty Estimation Using a
 * Single Deep Deterministic Neural Network"): per class c a weight matrix W_c [in, n] and a
 * centroid e_c [n], and the output
 *
 *   K_c(h) = exp( -||h W_c - e_c||_2^2 / (2 n sigma^2) ),   c = 1..C,   in (0, 1],
 *
 * trained with the binary cross-entropy on K (`duqLoss`) plus the two-sided gradient penalty
 * lambda (||grad_x sum_c K_c|| - 1)^2 (`duqGradientPenalty`). The centroids are not trained by
 * gradients: after each step `updateCentroids(h, y)` moves them by an exponential moving average
 * of the class-mean embeddings, N_c <- gamma N_c + (1 - gamma) n_c, m_c <- gamma m_c +
 * (1 - gamma) sum_{i in c} h_i W_c, e_c = m_c / N_c (both saved as weights). Uncertainty
 * returned: the certainty max_c K_c (low far from every centroid); prediction argmax_c K_c.
 * Storage: `kernel` is [in, C n], class c in columns c n .. c n + n - 1. Certified Lipschitz
 * bound of K: ||W||_2 / (sigma sqrt(n e)) (each class at most ||W_c||_2 / (sigma sqrt(n e)),
 * the maximum of u exp(-u^2/2) being e^{-1/2}); rule in `uncertaintyRules`.
 */
export class DUQOutput extends tfl.layers.Layer {
  static readonly className = 'LipkitDUQOutput';
  readonly units: number;
  readonly embeddingSize: number;
  readonly lengthScale: number;
  readonly gamma: number;
  readonly kernelStddev: number;
  readonly seed: number;
  private kernel: tfl.LayerVariable | null = null;
  private sums: tfl.LayerVariable | null = null;
  private counts: tfl.LayerVariable | null = null;

  constructor(config: DUQOutputConfig) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object with units');
    const units = checkNumber('config.units', config.units, { min: 1, max: 1e5, integer: true });
    const embeddingSize = checkNumber('config.embeddingSize', config.embeddingSize ?? 10, { min: 1, max: 1e5, integer: true });
    const lengthScale = checkNumber('config.lengthScale', config.lengthScale ?? 0.1, { min: 0, exclusiveMin: true });
    const gamma = checkNumber('config.gamma', config.gamma ?? 0.999, { min: 0, max: 1 });
    const kernelStddev = checkNumber('config.kernelStddev', config.kernelStddev ?? 0.05, { min: 0, exclusiveMin: true });
    const seed = checkNumber('config.seed', config.seed ?? 0, { min: 0, max: 2 ** 30, integer: true });
    super(config);
    this.units = units;
    this.embeddingSize = embeddingSize;
    this.lengthScale = lengthScale;
    this.gamma = gamma;
    this.kernelStddev = kernelStddev;
    this.seed = seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || inDim == null) throw new LipkitError('inputs', `DUQOutput needs [batch, features] input with a known last axis, got [${shape.join(', ')}]`);
    const [c, n] = [this.units, this.embeddingSize];
    const s = this.seed * 7;
    this.kernel = this.addWeight('kernel', [inDim, c * n], 'float32', tfl.initializers.randomNormal({ mean: 0, stddev: this.kernelStddev, seed: s + 1 }));
    // m_c = N_c e_c with e_c ~ N(0, 0.05^2) initially (the authors' code).
    this.sums = this.addWeight('centroid_sums', [c, n], 'float32', tfl.initializers.randomNormal({ mean: 0, stddev: 0.05 * DUQ_INITIAL_COUNT, seed: s + 2 }), undefined, false);
    this.counts = this.addWeight('centroid_counts', [c], 'float32', tfl.initializers.constant({ value: DUQ_INITIAL_COUNT }), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const h = Array.isArray(inputs) ? inputs[0] : inputs;
      const d = tf.mean(tf.square(tf.sub(this.embed(h), this.centroids())), 2);
      return tf.exp(tf.mul(d, -1 / (2 * this.lengthScale ** 2)));
    });
  }

  /** The class embeddings z_c = h W_c, [batch, C, n]. */
  embed(h: tf.Tensor): tf.Tensor3D {
    const { kernel } = this.state();
    if (h.rank !== 2 || h.shape[1] !== kernel.shape[0]) throw new LipkitError('h', `must be [batch, ${kernel.shape[0]}], got [${h.shape.join(', ')}]`);
    return tf.tidy(() => tf.reshape(tf.matMul(h as tf.Tensor2D, kernel.read() as tf.Tensor2D), [-1, this.units, this.embeddingSize])) as tf.Tensor3D;
  }

  /** The centroids e_c = m_c / N_c, [C, n] (caller disposes). */
  centroids(): tf.Tensor2D {
    const { sums, counts } = this.state();
    return tf.tidy(() => tf.div(sums.read(), tf.reshape(counts.read(), [-1, 1]))) as tf.Tensor2D;
  }

  /**
   * One EMA step of the centroids from a batch: features h [batch, in] (what enters this layer)
   * and one-hot labels y [batch, C]. Call after each optimizer step (the authors' order).
   */
  updateCentroids(h: tf.Tensor, y: tf.Tensor): void {
    const { sums, counts } = this.state();
    if (y.rank !== 2 || y.shape[0] !== h.shape[0] || y.shape[1] !== this.units) {
      throw new LipkitError('y', `must be one-hot [${h.shape[0]}, ${this.units}], got [${y.shape.join(', ')}]`);
    }
    tf.tidy(() => {
      const z = this.embed(h);
      const g = this.gamma;
      counts.write(tf.add(tf.mul(counts.read(), g), tf.mul(tf.sum(y, 0), 1 - g)));
      const classSums = tf.sum(tf.mul(z, tf.expandDims(y, 2)), 0);
      sums.write(tf.add(tf.mul(sums.read(), g), tf.mul(classSums, 1 - g)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      embeddingSize: this.embeddingSize,
      lengthScale: this.lengthScale,
      gamma: this.gamma,
      kernelStddev: this.kernelStddev,
      seed: this.seed,
    };
  }

  private state(): { kernel: tfl.LayerVariable; sums: tfl.LayerVariable; counts: tfl.LayerVariable } {
    if (this.kernel === null || this.sums === null || this.counts === null) {
      throw new LipkitError('layer', `DUQOutput '${this.name}' is not built yet (call it on an input or add it to a model)`);
    }
    return { kernel: this.kernel, sums: this.sums, counts: this.counts };
  }
}
tf.serialization.registerClass(DUQOutput);

/** `new DUQOutput(config)`: DUQ's RBF-centroid output layer (van Amersfoort et al. 2020). */
export function duqOutput(config: DUQOutputConfig): DUQOutput {
  return new DUQOutput(config);
}
