import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { activationSteps, chain, registerLipschitzRule, type LayerLipschitz } from '../estimate/network/layerRules.js';
import { rowOperator } from './kernelOperator.js';
import { PowerVectors } from './powerVectors.js';
import { bjorck } from './bjorck.js';
import { activationLayer } from './activation.js';
import { orthogonalMatrix } from './orthogonalInit.js';

/** Configuration of `OrthogonalDense`. */
export interface OrthogonalDenseConfig extends LayerArgs {
  /** Output size. */
  units: number;
  /** Activation name (tfjs-layers identifier). Default 'linear'. */
  activation?: string;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Björck iterations per call. Default 15 (deel-lip). */
  iterations?: number;
  /** Björck step size. Default 0.5 (deel-lip). */
  beta?: number;
  /** Power-iteration steps per training call for the pre-scaling sigma. Default 1. */
  powerIterations?: number;
  /** Power-iteration steps at build. Default 15. */
  warmupIterations?: number;
  /** Seed of the orthogonal kernel initializer and of the power-iteration start. Default 0. */
  seed?: number;
}

/**
 * Dense layer with an orthogonal kernel (deel-lip's `OrthoDense`, orthogonium): the free
 * (trainable) matrix V [in, out] is scaled by its power-iteration estimate sigma and
 * Björck-orthonormalized,
 *
 *   W = bjorck(V / sigma, iterations, beta),   y = activation(x W + b),
 *
 * so all singular values of W are 1 up to the Björck tolerance (orthonormal columns when
 * in >= out, orthonormal rows otherwise) and the linear part is 1-Lipschitz, and gradient-norm
 * preserving when in = out. Gradients flow through the Björck steps. The power-iteration
 * vectors (`ortho_u`, `ortho_v`) are non-trainable weights, advanced on training calls only,
 * so saved models reproduce their outputs exactly. Björck converges when every singular value
 * of V / sigma lies in (0, sqrt(3)); V starts orthogonal (seeded). The 1-Lipschitz property is
 * approximate (Björck tolerance); `lipschitzBound` certifies the actual kernel W.
 */
export class OrthogonalDense extends tfl.layers.Layer {
  static readonly className = 'LipkitOrthogonalDense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly iterations: number;
  readonly beta: number;
  readonly powerIterations: number;
  readonly warmupIterations: number;
  readonly seed: number;
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  private vectors: PowerVectors | null = null;

  constructor(config: OrthogonalDenseConfig) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object with units');
    const units = checkNumber('config.units', config.units, { min: 1, integer: true, max: 1e6 });
    const activation = config.activation ?? 'linear';
    const act = activationLayer('config.activation', activation);
    const iterations = checkNumber('config.iterations', config.iterations ?? 15, { min: 0, max: 1000, integer: true });
    const beta = checkNumber('config.beta', config.beta ?? 0.5, { min: 0, exclusiveMin: true, max: 1 });
    const powerIterations = checkNumber('config.powerIterations', config.powerIterations ?? 1, { min: 1, max: 1000, integer: true });
    const warmupIterations = checkNumber('config.warmupIterations', config.warmupIterations ?? 15, { min: 1, max: 10000, integer: true });
    const seed = checkNumber('config.seed', config.seed ?? 0, { integer: true });
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw new LipkitError('config.useBias', 'must be a boolean');
    super(config);
    this.units = units;
    this.activation = activation;
    this.act = act;
    this.iterations = iterations;
    this.beta = beta;
    this.powerIterations = powerIterations;
    this.warmupIterations = warmupIterations;
    this.seed = seed;
    this.useBias = config.useBias ?? true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inDim = shape[shape.length - 1];
    if (shape.length < 2 || inDim == null) throw new LipkitError('inputs', `OrthogonalDense needs a known last axis, got shape [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', tfl.initializers.zeros());
    const init = orthogonalMatrix(inDim, this.units, this.seed);
    this.kernel.write(init);
    init.dispose();
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    const zeros = tfl.initializers.zeros();
    this.vectors = new PowerVectors(
      this.addWeight('ortho_u', [this.units], 'float32', zeros, undefined, false),
      this.addWeight('ortho_v', [inDim], 'float32', zeros, undefined, false),
    );
    this.vectors.warmUp(rowOperator(this.kernel.read() as tf.Tensor2D), this.seed, this.warmupIterations);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const w = this.orthogonalKernel(kwargs?.training === true);
      const inDim = w.shape[0];
      let y = tf.matMul(tf.reshape(x, [-1, inDim]), w);
      if (this.bias !== null) y = tf.add(y, this.bias.read());
      return this.act(tf.reshape(y, [...x.shape.slice(0, -1), this.units]));
    });
  }

  /** The orthonormalized kernel W [in, out] used at inference (caller disposes). */
  effectiveKernel(): tf.Tensor2D {
    return this.orthogonalKernel(false);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      iterations: this.iterations,
      beta: this.beta,
      powerIterations: this.powerIterations,
      warmupIterations: this.warmupIterations,
      seed: this.seed,
    };
  }

  private orthogonalKernel(training: boolean): tf.Tensor2D {
    if (this.kernel === null || this.vectors === null) throw new LipkitError('layer', `OrthogonalDense '${this.name}' is not built yet`);
    const v = this.kernel.read() as tf.Tensor2D;
    const vectors = this.vectors;
    return tf.tidy(() => {
      const sigma = vectors.sigma(rowOperator(v), training, this.powerIterations);
      return bjorck(tf.div(v, tf.add(sigma, 1e-12)), this.iterations, this.beta);
    });
  }
}
tf.serialization.registerClass(OrthogonalDense);

/** `new OrthogonalDense(config)`: a Dense layer with a Björck-orthonormalized kernel (1-Lipschitz). */
export function orthogonalDense(config: OrthogonalDenseConfig): OrthogonalDense {
  return new OrthogonalDense(config);
}

/** Certified rule: the actual orthonormalized kernel W (read back) as a linear piece, then the activation. */
registerLipschitzRule(OrthogonalDense.className, (layer, ctx): LayerLipschitz => {
  if (!(layer instanceof OrthogonalDense)) return { kind: 'unsupported', reason: 'not a lipkit OrthogonalDense layer' };
  const w = layer.effectiveKernel();
  const [rows, cols] = w.shape;
  const data = Float64Array.from(w.dataSync());
  w.dispose();
  return chain({ kind: 'steps', steps: [{ kind: 'linear', piece: { kind: 'matrix', data, rows, cols } }] }, activationSteps(layer.activation, ctx));
});
