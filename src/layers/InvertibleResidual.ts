import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkFiniteTensor, checkNumber } from '../util/validate.js';
import { activationLipschitz } from '../estimate/network/activationLipschitz.js';
import { constant, registerLipschitzRule, round, type LayerLipschitz } from '../estimate/network/layerRules.js';
import { spectralNormUpperBound } from '../estimate/spectralNormUpperBound.js';
import { rowOperator } from './kernelOperator.js';
import { PowerVectors } from './powerVectors.js';
import { activationLayer } from './activation.js';

/** Configuration of `InvertibleResidual`. */
export interface InvertibleResidualConfig extends LayerArgs {
  /** Widths of the hidden layers of g (the last layer of g maps back to the input width). Default [64]. */
  hiddenUnits?: number[];
  /** Activation of g's hidden layers; must be 1-Lipschitz (elu, relu, tanh, ...). Default 'elu' (i-ResNet). */
  activation?: string;
  /** Bound on each layer's spectral norm, 0 < coeff < 1. Default 0.9 (i-ResNet 0.9-0.97). */
  coeff?: number;
  /** Power-iteration steps per training call and layer. Default 5 (i-ResNet). */
  powerIterations?: number;
  /** Power-iteration steps at build. Default 15. */
  warmupIterations?: number;
  /** Seed of the kernel initializers and power-iteration starts. Default 0. */
  seed?: number;
}

/** Options of `InvertibleResidual.inverse`. */
export interface InverseOptions {
  /** Most fixed-point iterations. Default 100. */
  iterations?: number;
  /** Stop when the residual max_batch ||x + g(x) - y|| is at most this. Default 1e-6. */
  tolerance?: number;
}

/** Result of `InvertibleResidual.inverse`. */
export interface InverseResult {
  /** The preimage estimate (caller disposes). */
  x: tf.Tensor;
  /** Fixed-point updates performed. */
  iterations: number;
  /** Its residual, max over the batch of ||x + g(x) - y||_2 (measured, not estimated). */
  error: number;
}

/**
 * Invertible residual block (i-ResNet; Behrmann et al. 2019, "Invertible Residual Networks"):
 *
 *   y = x + g(x),   g = W_L o act o ... o act o W_1 (Dense layers with biases),
 *
 * each kernel normalized as in i-ResNet, `W_i <- W_i / max(1, sigma_i / coeff)` with sigma_i
 * its power-iteration estimate (vectors `u_i`, `v_i` are non-trainable weights, advanced on
 * training calls only). With a 1-Lipschitz activation, Lip(g) <= coeff^L < coeff < 1 when the
 * estimates are exact, so x -> x + g(x) is invertible (Banach) with Lipschitz constant <= 1 +
 * Lip(g), and its inverse is <= 1 / (1 - Lip(g))-Lipschitz. `inverse(y)` computes x by the
 * fixed-point iteration x <- y - g(x) (rate Lip(g)). The estimates are from below, so the
 * per-layer norm can exceed coeff slightly; the coeff^(L-1) margin absorbs this and
 * `lipschitzBound` certifies 1 + (product of certified kernel norms) * Lip(act)^(L-1).
 * g acts on the last axis (inputs [..., d]).
 */
export class InvertibleResidual extends tfl.layers.Layer {
  static readonly className = 'LipkitInvertibleResidual';
  readonly hiddenUnits: number[];
  readonly activation: string;
  readonly coeff: number;
  readonly powerIterations: number;
  readonly warmupIterations: number;
  readonly seed: number;
  /** The activation's Lipschitz constant (<= 1). */
  readonly activationLipschitz: number;
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  private dense: { kernel: tfl.LayerVariable; bias: tfl.LayerVariable; vectors: PowerVectors }[] = [];

  constructor(config: InvertibleResidualConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const hidden = config.hiddenUnits ?? [64];
    if (!Array.isArray(hidden) || hidden.length === 0) throw new LipkitError('config.hiddenUnits', 'must be a non-empty array of positive integers');
    hidden.forEach((h, i) => checkNumber(`config.hiddenUnits[${i}]`, h, { min: 1, integer: true, max: 1e6 }));
    const coeff = checkNumber('config.coeff', config.coeff ?? 0.9, { min: 0, exclusiveMin: true });
    if (coeff >= 1) throw new LipkitError('config.coeff', `must be < 1 (the block is invertible only if Lip(g) < 1), got ${coeff}`);
    const activation = config.activation ?? 'elu';
    const act = activationLayer('config.activation', activation);
    const actLip = activationLipschitz(activation);
    if (actLip === undefined || actLip > 1) {
      throw new LipkitError('config.activation', `must be a 1-Lipschitz activation with a known constant, got '${activation}'`);
    }
    const powerIterations = checkNumber('config.powerIterations', config.powerIterations ?? 5, { min: 1, max: 1000, integer: true });
    const warmupIterations = checkNumber('config.warmupIterations', config.warmupIterations ?? 15, { min: 1, max: 10000, integer: true });
    const seed = checkNumber('config.seed', config.seed ?? 0, { integer: true });
    super(config);
    this.hiddenUnits = [...hidden];
    this.activation = activation;
    this.act = act;
    this.activationLipschitz = actLip;
    this.coeff = coeff;
    this.powerIterations = powerIterations;
    this.warmupIterations = warmupIterations;
    this.seed = seed;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const d = shape[shape.length - 1];
    if (shape.length < 2 || d == null) throw new LipkitError('inputs', `InvertibleResidual needs a known last axis, got shape [${shape.join(', ')}]`);
    const widths = [d, ...this.hiddenUnits, d];
    const zeros = tfl.initializers.zeros();
    this.dense = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const init = tfl.initializers.glorotUniform({ seed: this.seed * 1000 + i + 1 });
      const kernel = this.addWeight(`kernel_${i}`, [widths[i], widths[i + 1]], 'float32', init);
      const bias = this.addWeight(`bias_${i}`, [widths[i + 1]], 'float32', zeros);
      const vectors = new PowerVectors(
        this.addWeight(`u_${i}`, [widths[i + 1]], 'float32', zeros, undefined, false),
        this.addWeight(`v_${i}`, [widths[i]], 'float32', zeros, undefined, false),
      );
      vectors.warmUp(rowOperator(kernel.read() as tf.Tensor2D), this.seed * 1000 + i, this.warmupIterations);
      this.dense.push({ kernel, bias, vectors });
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.add(x, this.residual(x, this.kernels(kwargs?.training === true)));
    });
  }

  /** g(x) at inference (the stored estimates; caller disposes). */
  g(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.residual(x, this.kernels(false)));
  }

  /**
   * Re-converges every layer's power-iteration vectors on its current kernel (rounds of
   * `iterations` steps until sigma moves by at most `tolerance` relative; at most
   * `maxIterations` steps per layer), e.g. after training. Returns the new estimates.
   */
  refresh({ iterations = 15, tolerance = 1e-6, maxIterations = 1000 }: { iterations?: number; tolerance?: number; maxIterations?: number } = {}): number[] {
    checkNumber('options.iterations', iterations, { min: 1, max: 1e5, integer: true });
    checkNumber('options.tolerance', tolerance, { min: 0 });
    checkNumber('options.maxIterations', maxIterations, { min: 1, max: 1e7, integer: true });
    if (this.dense.length === 0) throw new LipkitError('layer', `InvertibleResidual '${this.name}' is not built yet`);
    return this.dense.map(({ kernel, vectors }) => vectors.converge(rowOperator(kernel.read() as tf.Tensor2D), iterations, tolerance, maxIterations));
  }

  /** The normalized kernels of g at inference, W_i / max(1, sigma_i / coeff) (caller disposes). */
  effectiveKernels(): tf.Tensor2D[] {
    return this.kernels(false);
  }

  /**
   * Inverts the block at `y` by the fixed-point iteration x_0 = y, x_{k+1} = y - g(x_k)
   * (converges at rate Lip(g) < 1). Stops when max over the batch of ||x + g(x) - y||_2 is at
   * most `tolerance` or after `iterations` updates, and returns that x, the updates made and
   * its measured residual. Inference mode (stored estimates).
   */
  inverse(y: tf.Tensor, { iterations = 100, tolerance = 1e-6 }: InverseOptions = {}): InverseResult {
    checkNumber('options.iterations', iterations, { min: 0, max: 1e6, integer: true });
    checkNumber('options.tolerance', tolerance, { min: 0 });
    if (!(y instanceof tf.Tensor)) throw new LipkitError('y', 'must be a tf.Tensor');
    if (this.dense.length === 0) throw new LipkitError('layer', `InvertibleResidual '${this.name}' is not built yet`);
    const d = this.dense[0].kernel.shape[0];
    if (y.rank < 2 || y.shape[y.rank - 1] !== d) throw new LipkitError('y', `must have shape [..., ${d}], got [${y.shape.join(', ')}]`);
    if (y.size === 0) throw new LipkitError('y', 'must not be empty');
    checkFiniteTensor('y', y);
    const kernels = this.kernels(false);
    let x = tf.clone(y);
    try {
      for (let k = 0; ; k++) {
        const { next, error } = tf.tidy(() => {
          const gx = this.residual(x, kernels);
          const r = tf.reshape(tf.sub(tf.add(x, gx), y), [y.shape[0], -1]);
          return { next: tf.sub(y, gx), error: tf.max(tf.norm(r, 'euclidean', 1)) };
        });
        const e = error.dataSync()[0];
        error.dispose();
        if (e <= tolerance || k >= iterations || !Number.isFinite(e)) {
          next.dispose();
          return { x, iterations: k, error: e };
        }
        x.dispose();
        x = next;
      }
    } finally {
      kernels.forEach((w) => w.dispose());
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      hiddenUnits: [...this.hiddenUnits],
      activation: this.activation,
      coeff: this.coeff,
      powerIterations: this.powerIterations,
      warmupIterations: this.warmupIterations,
      seed: this.seed,
    };
  }

  private kernels(training: boolean): tf.Tensor2D[] {
    if (this.dense.length === 0) throw new LipkitError('layer', `InvertibleResidual '${this.name}' is not built yet`);
    return this.dense.map(({ kernel, vectors }) => tf.tidy(() => {
      const w = kernel.read() as tf.Tensor2D;
      const sigma = vectors.sigma(rowOperator(w), training, this.powerIterations);
      return tf.div(w, tf.maximum(1, tf.div(sigma, this.coeff))) as tf.Tensor2D;
    }));
  }

  private residual(x: tf.Tensor, kernels: tf.Tensor2D[]): tf.Tensor {
    return tf.tidy(() => {
      const d = x.shape[x.rank - 1];
      let h = tf.reshape(x, [-1, d]);
      kernels.forEach((w, i) => {
        h = tf.add(tf.matMul(h, w), this.dense[i].bias.read());
        if (i + 1 < kernels.length) h = this.act(h);
      });
      return tf.reshape(h, x.shape);
    });
  }
}
tf.serialization.registerClass(InvertibleResidual);

/** `new InvertibleResidual(config)`: an i-ResNet block x + g(x) with Lip(g) < coeff < 1 and a fixed-point inverse. */
export function invertibleResidual(config: InvertibleResidualConfig = {}): InvertibleResidual {
  return new InvertibleResidual(config);
}

/** Certified rule: 1 + Lip(g), Lip(g) <= product of certified kernel norms * Lip(act)^(L-1). */
registerLipschitzRule(InvertibleResidual.className, (layer): LayerLipschitz => {
  if (!(layer instanceof InvertibleResidual)) return { kind: 'unsupported', reason: 'not a lipkit InvertibleResidual layer' };
  const kernels = layer.effectiveKernels();
  let lipG = Math.pow(layer.activationLipschitz, kernels.length - 1);
  for (const w of kernels) {
    const [rows, cols] = w.shape;
    lipG *= spectralNormUpperBound({ data: Float64Array.from(w.dataSync()), rows, cols }).upperBound;
    w.dispose();
  }
  return constant(1 + lipG, `invertible residual 1 + Lip(g) (Lip(g) <= ${round(lipG)})`);
});
