import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { invertSpd } from './gpCovariance.js';

/** Configuration of `RandomFeatureGP`. */
export interface RandomFeatureGPConfig extends LayerArgs {
  /** Outputs (class logits). Required. */
  units: number;
  /** Random features D. Default 1024 (Liu et al. 2020). */
  numFeatures?: number;
  /** RBF length scale l: the fixed feature weights are W ~ N(0, 1/l^2). Default 1. */
  lengthScale?: number;
  /** Ridge s of the prior precision s I. Default 1. */
  ridge?: number;
  /**
   * Precision update: a negative value (default -1) adds each batch exactly, P += Phi^T Phi
   * (reset P once per epoch, see `sngpCovarianceCallback`); m in [0, 1) keeps a moving average
   * P = m P + (1 - m) Phi^T Phi / batch (edward2's momentum form).
   */
  momentum?: number;
  /** lambda of the mean-field logits logits / sqrt(1 + lambda var). Default pi / 8. */
  meanFieldFactor?: number;
  /** Training calls (`training: true`, as in `fit`) add their batch to the precision. Default true. */
  updateOnTraining?: boolean;
  /** Trainable output bias. Default true. */
  useBias?: boolean;
  /** Seed of the random features W and b. Default 0. (beta starts at 0, its prior mean.) */
  seed?: number;
}

/** The GP head's posterior mean and predictive variance on a batch of features h. */
export interface GPPrediction {
  /** Posterior-mean logits beta^T phi(h) + bias, [batch, units]. */
  logits: tf.Tensor2D;
  /** Predictive variance phi(h)^T Sigma phi(h), [batch] (shared by the classes). */
  variance: tf.Tensor1D;
}

/**
 * The random-feature Gaussian-process output layer of SNGP (Liu et al. 2020, "Simple and
 * Principled Uncertainty Estimation with Deterministic Deep Learning via Distance Awareness"):
 *
 *   phi(h) = sqrt(2 / D) cos(h W + b),   W ~ N(0, 1/l^2) [in, D],  b ~ U(0, 2 pi)  (fixed, saved),
 *   logits = phi(h) beta + bias            (beta [D, units] trainable),
 *
 * a random-Fourier-feature approximation of an RBF-kernel GP (Rahimi & Recht 2007). Its
 * Laplace posterior over beta has the precision Sigma^{-1} = P = s I + sum_i phi_i phi_i^T
 * (shared by the classes, the paper's Gaussian-likelihood form as in edward2), accumulated
 * exactly or with momentum; the predictive variance at h is var(h) = phi(h)^T Sigma phi(h), and
 * the mean-field logits logits / sqrt(1 + (pi/8) var) approximate the posterior predictive
 * softmax. Uncertainty returned: `variance` (small near the training features, rising towards
 * ||phi||^2 / s, about 1 / s, far from them) and the mean-field probabilities (`meanFieldLogits`).
 *
 * The layer's output (what `fit` trains and `lipschitzBound` bounds) is the posterior-mean
 * logits. Covariance workflow: `resetPrecision()`, then `accumulatePrecision(h)` per batch (or
 * training calls with `updateOnTraining`), then `updateCovariance()` (float64 host Cholesky
 * inverse, written to the saved weight `covariance`); `fitCovariance(h)` does all three in one
 * final pass, `sngpCovarianceCallback` does it during `model.fit`. Certified Lipschitz bound of
 * the logits: ||W||_2 sqrt(2 / D) ||beta||_2 (cos is 1-Lipschitz; rule in `uncertaintyRules`).
 */
export class RandomFeatureGP extends tfl.layers.Layer {
  static readonly className = 'LipkitRandomFeatureGP';
  readonly units: number;
  readonly numFeatures: number;
  readonly lengthScale: number;
  readonly ridge: number;
  readonly momentum: number;
  readonly meanFieldFactor: number;
  readonly updateOnTraining: boolean;
  readonly useBias: boolean;
  readonly seed: number;
  /** True when the precision changed since the covariance was last computed. */
  covarianceStale = false;
  private w: tfl.LayerVariable | null = null;
  private b: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  private precision: tfl.LayerVariable | null = null;
  private covariance: tfl.LayerVariable | null = null;

  constructor(config: RandomFeatureGPConfig) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object with units');
    const units = checkNumber('config.units', config.units, { min: 1, max: 1e5, integer: true });
    const numFeatures = checkNumber('config.numFeatures', config.numFeatures ?? 1024, { min: 1, max: 8192, integer: true });
    const lengthScale = checkNumber('config.lengthScale', config.lengthScale ?? 1, { min: 0, exclusiveMin: true });
    const ridge = checkNumber('config.ridge', config.ridge ?? 1, { min: 0, exclusiveMin: true });
    const momentum = checkNumber('config.momentum', config.momentum ?? -1, { max: 0.999999 });
    const meanFieldFactor = checkNumber('config.meanFieldFactor', config.meanFieldFactor ?? Math.PI / 8, { min: 0 });
    for (const k of ['updateOnTraining', 'useBias'] as const) {
      if (config[k] !== undefined && typeof config[k] !== 'boolean') throw new LipkitError(`config.${k}`, 'must be a boolean');
    }
    const seed = checkNumber('config.seed', config.seed ?? 0, { min: 0, max: 2 ** 30, integer: true });
    super(config);
    this.units = units;
    this.numFeatures = numFeatures;
    this.lengthScale = lengthScale;
    this.ridge = ridge;
    this.momentum = momentum;
    this.meanFieldFactor = meanFieldFactor;
    this.updateOnTraining = config.updateOnTraining ?? true;
    this.useBias = config.useBias ?? true;
    this.seed = seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || inDim == null) throw new LipkitError('inputs', `RandomFeatureGP needs [batch, features] input with a known last axis, got [${shape.join(', ')}]`);
    const d = this.numFeatures;
    const s = this.seed * 7;
    this.w = this.addWeight('rff_kernel', [inDim, d], 'float32', tfl.initializers.randomNormal({ mean: 0, stddev: 1 / this.lengthScale, seed: s + 1 }), undefined, false);
    this.b = this.addWeight('rff_bias', [d], 'float32', tfl.initializers.randomUniform({ minval: 0, maxval: 2 * Math.PI, seed: s + 2 }), undefined, false);
    // beta starts at its prior mean 0: gradient steps then keep it in the span of the training
    // features, so the posterior-mean logits revert to 0 away from the data (a GP's behaviour).
    this.beta = this.addWeight('kernel', [d, this.units], 'float32', tfl.initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    this.precision = this.addWeight('precision', [d, d], 'float32', tfl.initializers.identity({ gain: this.ridge }), undefined, false);
    this.covariance = this.addWeight('covariance', [d, d], 'float32', tfl.initializers.identity({ gain: 1 / this.ridge }), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const h = Array.isArray(inputs) ? inputs[0] : inputs;
      const phi = this.features(h);
      if (kwargs?.training === true && this.updateOnTraining) this.accumulatePrecision(h, phi);
      return this.logitsOf(phi);
    });
  }

  /** The random features phi(h) = sqrt(2/D) cos(h W + b), [batch, D]. */
  features(h: tf.Tensor): tf.Tensor2D {
    const { w, b } = this.state();
    if (h.rank !== 2 || h.shape[1] !== w.shape[0]) throw new LipkitError('h', `must be [batch, ${w.shape[0]}], got [${h.shape.join(', ')}]`);
    return tf.tidy(() => tf.mul(Math.sqrt(2 / this.numFeatures), tf.cos(tf.add(tf.matMul(h as tf.Tensor2D, w.read() as tf.Tensor2D), b.read())))) as tf.Tensor2D;
  }

  /** Sets the precision back to the prior s I (start of an epoch or of a final pass). */
  resetPrecision(): void {
    const { precision } = this.state();
    tf.tidy(() => { precision.write(tf.mul(tf.eye(this.numFeatures), this.ridge)); });
    this.covarianceStale = true;
  }

  /**
   * Adds a batch of features h [batch, in] to the precision: P += Phi^T Phi (momentum < 0) or
   * P = m P + (1 - m) Phi^T Phi / batch. The precision is not a trainable weight (no gradient reaches it).
   */
  accumulatePrecision(h: tf.Tensor, phi?: tf.Tensor2D): void {
    const { precision } = this.state();
    tf.tidy(() => {
      const f = phi ?? this.features(h);
      const batch = tf.matMul(f, f, true, false);
      const next = this.momentum < 0
        ? tf.add(precision.read(), batch)
        : tf.add(tf.mul(precision.read(), this.momentum), tf.mul(batch, (1 - this.momentum) / Math.max(1, f.shape[0])));
      precision.write(next);
    });
    this.covarianceStale = true;
  }

  /** Sigma = P^{-1} by a float64 host Cholesky, written to the `covariance` weight (saved with the model). */
  updateCovariance(): void {
    const { precision, covariance } = this.state();
    const p = precision.read().dataSync();
    const inv = invertSpd('precision', p, this.numFeatures);
    tf.tidy(() => { covariance.write(tf.tensor2d(Float32Array.from(inv), [this.numFeatures, this.numFeatures])); });
    this.covarianceStale = false;
  }

  /** The paper's final pass: resetPrecision, accumulatePrecision(h) over the training features h, updateCovariance. */
  fitCovariance(h: tf.Tensor): void {
    this.resetPrecision();
    this.accumulatePrecision(h);
    this.updateCovariance();
  }

  /** The precision P [D, D] (a copy; caller disposes). */
  precisionMatrix(): tf.Tensor2D {
    return this.state().precision.read().clone() as tf.Tensor2D;
  }

  /** Posterior-mean logits and predictive variance phi^T Sigma phi at features h (stored covariance). Caller disposes. */
  meanAndVariance(h: tf.Tensor): GPPrediction {
    const { covariance } = this.state();
    return tf.tidy(() => {
      const phi = this.features(h);
      const variance = tf.sum(tf.mul(tf.matMul(phi, covariance.read() as tf.Tensor2D), phi), 1) as tf.Tensor1D;
      return { logits: this.logitsOf(phi), variance };
    });
  }

  /** Mean-field logits logits / sqrt(1 + lambda var) (lambda = `meanFieldFactor`, pi/8). Caller disposes. */
  meanFieldLogits(prediction: GPPrediction): tf.Tensor2D {
    return tf.tidy(() => tf.div(prediction.logits, tf.reshape(tf.sqrt(tf.add(1, tf.mul(this.meanFieldFactor, prediction.variance))), [-1, 1]))) as tf.Tensor2D;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      numFeatures: this.numFeatures,
      lengthScale: this.lengthScale,
      ridge: this.ridge,
      momentum: this.momentum,
      meanFieldFactor: this.meanFieldFactor,
      updateOnTraining: this.updateOnTraining,
      useBias: this.useBias,
      seed: this.seed,
    };
  }

  private logitsOf(phi: tf.Tensor2D): tf.Tensor2D {
    const { beta } = this.state();
    const z = tf.matMul(phi, beta.read() as tf.Tensor2D);
    return (this.bias === null ? z : tf.add(z, this.bias.read())) as tf.Tensor2D;
  }

  private state(): { w: tfl.LayerVariable; b: tfl.LayerVariable; beta: tfl.LayerVariable; precision: tfl.LayerVariable; covariance: tfl.LayerVariable } {
    if (this.w === null || this.b === null || this.beta === null || this.precision === null || this.covariance === null) {
      throw new LipkitError('layer', `RandomFeatureGP '${this.name}' is not built yet (call it on an input or add it to a model)`);
    }
    return { w: this.w, b: this.b, beta: this.beta, precision: this.precision, covariance: this.covariance };
  }
}
tf.serialization.registerClass(RandomFeatureGP);

/** `new RandomFeatureGP(config)`: SNGP's random-feature GP output layer (Liu et al. 2020). */
export function randomFeatureGP(config: RandomFeatureGPConfig): RandomFeatureGP {
  return new RandomFeatureGP(config);
}
