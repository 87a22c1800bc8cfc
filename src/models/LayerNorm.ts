import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/** The plain tensor-op LayerNorm (differentiable to any order). */
function layerNormOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
}

/**
 * LayerNorm over the last axis (Ba et al. 2016), the computation of tfjs-layers'
 * LayerNormalization: y = (x - mean) / sqrt(var + eps) * gamma + beta, var the biased variance
 * over the last axis, gamma and beta of shape [d]. A custom gradient (the analytic one, with
 * xhat = (x - mean) / sqrt(var + eps) and g = dy gamma):
 *
 *   dx = (g - mean(g) - xhat mean(g xhat)) / sqrt(var + eps),  dgamma = sum dy xhat,  dbeta = sum dy
 *
 * (means over the last axis, sums over the others): a dozen kernels instead of the tiled
 * broadcasts of tfjs-layers (whose Tile kernel and gradient dominated a training step on wasm).
 * When a gradient of that gradient is being recorded (a gradient penalty) the plain formula is
 * differentiated instead, so gradients of any order are exact. Exact up to float32 rounding.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mean = tf.mean(xs, -1, true);
    const xc = tf.sub(xs, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), epsilon));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, g, xs, b]);
    const value = tf.add(tf.mul(xhat, g), b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xh, rs, gm, x0, b0] = saved;
      if (tf.engine().isTapeOn()) {
        // a gradient of this gradient is being recorded: differentiate the plain formula instead
        return tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(layerNormOps(p, q, r, epsilon), dy)))([x0, gm, b0]);
      }
      const d = gm.shape[0] as number;
      const gy = tf.mul(dy, gm);
      const dx = tf.mul(tf.sub(tf.sub(gy, tf.mean(gy, -1, true)), tf.mul(xh, tf.mean(tf.mul(gy, xh), -1, true))), rs);
      const dy2 = tf.reshape(dy, [-1, d]);
      return [dx, tf.sum(tf.mul(dy2, tf.reshape(xh, [-1, d])), 0), tf.sum(dy2, 0)];
    };
    return { value, gradFunc };
  });
  return tf.tidy(() => f(x, gamma, beta));
}

/** Configuration of the `LayerNorm` layer. */
export interface LayerNormConfig extends LayerArgs {
  /** Added to the variance, default 1e-3 (tfjs-layers' LayerNormalization; PyTorch uses 1e-5). */
  epsilon?: number;
}

/**
 * A LayerNorm layer over the last axis with learned gain gamma (ones) and bias beta (zeros):
 * the same computation as `tf.layers.layerNormalization({ axis: -1 })` (same default epsilon
 * 1e-3), through `layerNorm`'s fused custom gradient. Serializable (className 'LipkitLayerNorm').
 * No Lipschitz bound is claimed (LayerNorm has none that is finite in general).
 */
export class LayerNorm extends tfl.layers.Layer {
  static readonly className = 'LipkitLayerNorm';
  readonly epsilon: number;
  private gamma: tfl.LayerVariable | null = null;
  private beta: tfl.LayerVariable | null = null;

  constructor(config: LayerNormConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const epsilon = checkNumber('config.epsilon', config.epsilon ?? 1e-3, { min: 0, exclusiveMin: true });
    super(config);
    this.epsilon = epsilon;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const d = shape[shape.length - 1];
    if (d === null || d === undefined) throw new LipkitError('inputShape', 'the last axis must be known');
    this.gamma = this.addWeight('gamma', [d], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.gamma === null || this.beta === null) throw new LipkitError('layer', 'LayerNorm is not built');
    return layerNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
