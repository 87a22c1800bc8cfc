import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { seededGaussian } from '../util/random.js';
import { causalConvolution, type CausalConvolutionMethod } from './causalConvolution.js';
import { checkInit, checkStateSize, checkStepRange, s4dInitialParameters, s4dKernel, seededUniform, type S4DInit, type S4DParameters } from './s4dKernel.js';

/** Activation applied after y = K * u + D u. */
export type S4DActivation = 'gelu' | 'relu' | 'linear';

/** Configuration of the `S4D` layer. */
export interface S4DConfig extends LayerArgs {
  /** State size N per channel (N/2 complex conjugate pairs), even, default 64. */
  stateSize?: number;
  /** 'lin' (default, S4D-Lin: A_n = -1/2 + i pi n) or 'inv' (S4D-Inv: A_n = -1/2 + i (N/pi)(N/(2n+1) - 1)). */
  init?: S4DInit;
  /** Add a second (anti-causal) kernel applied to the reversed sequence, outputs summed; default false. */
  bidirectional?: boolean;
  /** Initial step sizes are log-uniform in [dtMin, dtMax]; defaults 1e-3 and 1e-1. */
  dtMin?: number;
  dtMax?: number;
  /** Activation after the convolution and skip, default 'gelu' (exact, erf-based, as S4's nn.GELU). */
  activation?: S4DActivation;
  /** Output projection: 'glu' (default, as the reference s4d.py: 1x1 conv H -> 2H, then GLU) or 'none'. */
  projection?: 'glu' | 'none';
  /** Causal convolution method, default 'direct' (fastest measured on wasm and cpu; see `causalConvolution`). */
  method?: CausalConvolutionMethod;
  /** Seed of the initialization (log dt, C, D, the output projection); default a random integer. */
  seed?: number;
}

const ACTIVATIONS: readonly S4DActivation[] = ['gelu', 'relu', 'linear'];

function activate(x: tf.Tensor, activation: S4DActivation): tf.Tensor {
  if (activation === 'relu') return tf.relu(x);
  if (activation === 'linear') return x;
  return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** Writes float64 values into a freshly built weight. */
function fill(v: tfl.LayerVariable, values: Float64Array | Float32Array, shape: number[]): void {
  tf.tidy(() => { v.write(tf.tensor(Float32Array.from(values), shape)); });
}

/**
 * A diagonal state space layer, S4D (Gu, Gupta, Goel, Ré 2022, "On the Parameterization and
 * Initialization of Diagonal State Space Models"), on [batch, time, channels]: per channel h an
 * SSM with N/2 complex conjugate modes, discretized by zero-order hold with a learned step size,
 *
 *   K[h, l] = 2 Re( sum_n C_n (exp(dt A_n) - 1)/A_n exp(dt A_n l) )   (B = 1 folded into C)
 *   y = act(K * u + D u)            (causal convolution; + K' * u reversed when bidirectional)
 *   out = GLU(y W + b)              (projection 'glu', as the reference s4d.py) or y
 *
 * Trainable weights: logDt [H], logAReal [H, N/2], aImag [H, N/2], cReal/cImag [H, N/2]
 * (and cRealReverse/cImagReverse sharing A and dt when bidirectional, as S4 does), D [H],
 * output kernel [H, 2H] and bias [2H]. Equivalent to the recurrence x_k = exp(dt A) x_{k-1} +
 * Bbar u_k, y_k = 2 Re(C x_k) + D u_k. The kernel is recomputed from the parameters on every
 * call (any sequence length). Causal unless bidirectional, so trailing padding does not affect
 * earlier outputs. No dropout; S4's special learning rates for A and dt are not applied.
 * Serializable (className 'S4D').
 */
export class S4D extends tfl.layers.Layer {
  static readonly className = 'S4D';
  readonly stateSize: number;
  readonly init: S4DInit;
  readonly bidirectional: boolean;
  readonly dtMin: number;
  readonly dtMax: number;
  readonly activation: S4DActivation;
  readonly projection: 'glu' | 'none';
  readonly method: CausalConvolutionMethod;
  readonly seed: number;
  private weightsOf: Record<string, tfl.LayerVariable> = {};

  constructor(config: S4DConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    super(config);
    this.stateSize = config.stateSize ?? 64;
    checkStateSize('config.stateSize', this.stateSize);
    this.init = checkInit('config.init', config.init ?? 'lin');
    if (config.bidirectional !== undefined && typeof config.bidirectional !== 'boolean') throw new LipkitError('config.bidirectional', 'must be a boolean');
    this.bidirectional = config.bidirectional ?? false;
    [this.dtMin, this.dtMax] = checkStepRange('config', config.dtMin ?? 1e-3, config.dtMax ?? 1e-1);
    this.activation = config.activation ?? 'gelu';
    if (!ACTIVATIONS.includes(this.activation)) throw new LipkitError('config.activation', `must be one of ${ACTIVATIONS.join(', ')}, got ${String(this.activation)}`);
    this.projection = config.projection ?? 'glu';
    if (this.projection !== 'glu' && this.projection !== 'none') throw new LipkitError('config.projection', `must be 'glu' or 'none', got ${String(this.projection)}`);
    this.method = config.method ?? 'direct';
    if (!['direct', 'depthwise', 'toeplitz', 'toeplitzBroadcast'].includes(this.method)) throw new LipkitError('config.method', `must be 'direct', 'depthwise', 'toeplitz' or 'toeplitzBroadcast', got ${String(this.method)}`);
    this.seed = config.seed === undefined ? Math.floor(Math.random() * 2 ** 30) : checkNumber('config.seed', config.seed, { integer: true, min: 0 });
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 3) throw new LipkitError('inputShape', `S4D expects [batch, time, channels], got [${shape.join(', ')}]`);
    const h = shape[2];
    if (h === null) throw new LipkitError('inputShape', 'the channel axis must be known');
    const p = this.stateSize / 2;
    const init = s4dInitialParameters(h, this.stateSize, { init: this.init, dtMin: this.dtMin, dtMax: this.dtMax, seed: this.seed });
    const add = (name: string, shp: number[], values?: Float64Array | Float32Array): void => {
      const v = this.addWeight(name, shp, 'float32', tfl.initializers.zeros());
      if (values !== undefined) fill(v, values, shp);
      this.weightsOf[name] = v;
    };
    add('logDt', [h], init.logDt);
    add('logAReal', [h, p], init.logAReal);
    add('aImag', [h, p], init.aImag);
    add('cReal', [h, p], init.cReal);
    add('cImag', [h, p], init.cImag);
    if (this.bidirectional) {
      const rev = s4dInitialParameters(h, this.stateSize, { init: this.init, dtMin: this.dtMin, dtMax: this.dtMax, seed: this.seed + 7 });
      add('cRealReverse', [h, p], rev.cReal);
      add('cImagReverse', [h, p], rev.cImag);
    }
    add('D', [h], seededGaussian(h, this.seed + 2));
    if (this.projection === 'glu') {
      const bound = 1 / Math.sqrt(h); // PyTorch Conv1d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
      const r = seededUniform(2 * h * h + 2 * h, this.seed + 3);
      const kernel = new Float32Array(2 * h * h);
      for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * r[i] - 1) * bound;
      const bias = new Float32Array(2 * h);
      for (let i = 0; i < bias.length; i++) bias[i] = (2 * r[kernel.length + i] - 1) * bound;
      add('outputKernel', [h, 2 * h], kernel);
      add('outputBias', [2 * h], bias);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  /** The current parameters of the forward (or, with `reverse`, the backward) kernel, as tensors owned by the layer. */
  parameters(reverse = false): S4DParameters<tf.Tensor> {
    const w = this.weightsOf;
    if (w.logDt === undefined) throw new LipkitError('layer', 'S4D is not built yet');
    if (reverse && !this.bidirectional) throw new LipkitError('reverse', 'the layer is not bidirectional');
    return {
      logDt: w.logDt.read(), logAReal: w.logAReal.read(), aImag: w.aImag.read(),
      cReal: (reverse ? w.cRealReverse : w.cReal).read(), cImag: (reverse ? w.cImagReverse : w.cImag).read(),
    };
  }

  /** The convolution kernel(s) [H, L] for sequences of length L (the reverse one too when bidirectional). */
  kernels(length: number): tf.Tensor2D[] {
    const ks = [s4dKernel(this.parameters(false), length)];
    if (this.bidirectional) ks.push(s4dKernel(this.parameters(true), length));
    return ks;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const u = tf.cast(x, 'float32') as tf.Tensor3D;
      const [batch, length, h] = u.shape;
      const [k, kReverse] = this.kernels(length);
      let y: tf.Tensor = causalConvolution(u, k, this.method);
      if (kReverse !== undefined) {
        y = tf.add(y, tf.reverse(causalConvolution(tf.reverse(u, 1), kReverse, this.method), 1));
      }
      y = activate(tf.add(y, tf.mul(u, this.weightsOf.D.read())), this.activation);
      if (this.projection === 'none') return y;
      const z = tf.add(tf.matMul(tf.reshape(y, [batch * length, h]), this.weightsOf.outputKernel.read() as tf.Tensor2D), this.weightsOf.outputBias.read());
      const [a, b] = tf.split(z, 2, 1);
      return tf.reshape(tf.mul(a, tf.sigmoid(b)), [batch, length, h]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), stateSize: this.stateSize, init: this.init, bidirectional: this.bidirectional,
      dtMin: this.dtMin, dtMax: this.dtMax, activation: this.activation, projection: this.projection,
      method: this.method, seed: this.seed,
    };
  }
}
tf.serialization.registerClass(S4D);

/** `new S4D(config)`. */
export function s4d(config: S4DConfig = {}): S4D {
  return new S4D(config);
}
