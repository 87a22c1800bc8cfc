import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, serialization } from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { newtonSchulz } from './oddPolynomial.js';

/** Options of `muon`. */
export interface MuonOptions {
  /** Learning rate of the orthogonalized (Muon) updates. Required, > 0 (reference default 0.02). */
  learningRate: number;
  /** Momentum `mu` in [0, 1). Default 0.95. */
  momentum?: number;
  /** Nesterov momentum. Default true. */
  nesterov?: boolean;
  /** Newton-Schulz steps. Default 5. */
  nsSteps?: number;
  /** Learning rate of the Adam updates (non-matrix weights). Default 1e-3. */
  adamLearningRate?: number;
  /** Adam betas and epsilon. Defaults 0.9, 0.95, 1e-10 (the reference's MuonWithAuxAdam). */
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  /** Decoupled weight decay: `w <- w (1 - lr * weightDecay)` before each update. Default 0. */
  weightDecay?: number;
  /**
   * Orthogonalize 3-D/4-D convolution kernels too, flattened to [k * cin, cout] (the
   * reference's `update.view(len(update), -1)` for conv filters). Default false: they use Adam.
   */
  flattenConv?: boolean;
}

interface Slot { name: string; variable: tf.Variable }

/**
 * Muon (Keller Jordan 2024, "Muon: An optimizer for hidden layers in neural networks";
 * reference `muon_update`): for every 2-D weight (a Dense kernel [in, out]),
 * `buf <- mu buf + (1 - mu) g`; `update = (1 - mu) g + mu buf` (Nesterov) or `buf`;
 * `O = NewtonSchulz5(update)` (quintic, coefficients (3.4445, -4.7750, 2.0315), on
 * `update / ||update||_F`, singular values to ~[0.7, 1.2]); `O *= sqrt(max(1, fanOut / fanIn))`
 * (the reference's `max(1, rows/cols)` for a PyTorch weight [out, in]; tfjs kernels are
 * [in, out], so here `max(1, cols/rows)`); `w <- w (1 - lr wd) - lr O`.
 * Every other weight (biases, 1-D scales, conv kernels unless `flattenConv`, and any weight
 * of rank > 2) gets Adam (bias-corrected, decoupled weight decay), as MuonWithAuxAdam.
 * Note: the reference also routes embeddings and the output head to Adam; here every 2-D
 * weight is orthogonalized. Works in `model.fit` (compile with the instance) and `minimize`.
 */
export class Muon extends tf.Optimizer {
  static get className(): string { return 'Muon'; }
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly nsSteps: number;
  readonly adamLearningRate: number;
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  readonly adamEpsilon: number;
  readonly weightDecay: number;
  readonly flattenConv: boolean;
  private slots = new Map<string, Slot>();

  constructor(options: MuonOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with learningRate');
    this.learningRate = checkNumber('options.learningRate', options.learningRate, { min: 0, exclusiveMin: true });
    this.momentum = checkNumber('options.momentum', options.momentum ?? 0.95, { min: 0, max: 0.999999 });
    const nesterov = options.nesterov ?? true;
    if (typeof nesterov !== 'boolean') throw new LipkitError('options.nesterov', `must be a boolean, got ${String(nesterov)}`);
    this.nesterov = nesterov;
    this.nsSteps = checkNumber('options.nsSteps', options.nsSteps ?? 5, { min: 1, integer: true, max: 100 });
    this.adamLearningRate = checkNumber('options.adamLearningRate', options.adamLearningRate ?? 1e-3, { min: 0, exclusiveMin: true });
    this.adamBeta1 = checkNumber('options.adamBeta1', options.adamBeta1 ?? 0.9, { min: 0, max: 0.999999 });
    this.adamBeta2 = checkNumber('options.adamBeta2', options.adamBeta2 ?? 0.95, { min: 0, max: 0.999999999 });
    this.adamEpsilon = checkNumber('options.adamEpsilon', options.adamEpsilon ?? 1e-10, { min: 0, exclusiveMin: true });
    this.weightDecay = checkNumber('options.weightDecay', options.weightDecay ?? 0, { min: 0 });
    const flattenConv = options.flattenConv ?? false;
    if (typeof flattenConv !== 'boolean') throw new LipkitError('options.flattenConv', `must be a boolean, got ${String(flattenConv)}`);
    this.flattenConv = flattenConv;
  }

  /** True when the weight of this shape gets the orthogonalized update. */
  usesMuon(shape: number[]): boolean {
    return shape.length === 2 || (this.flattenConv && (shape.length === 3 || shape.length === 4));
  }

  private slot(name: string, like: tf.Tensor): tf.Variable {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = { name, variable: tf.tidy(() => tf.variable(tf.zerosLike(like), false)) };
      this.slots.set(name, s);
    }
    return s.variable;
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const step = this.iterations + 1;
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (value === undefined || gradient == null) return;
        if (this.usesMuon(value.shape)) {
          const buf = this.slot(`${name}/muon_momentum`, value);
          const mu = this.momentum;
          const newBuf = tf.add(tf.mul(buf, mu), tf.mul(gradient, 1 - mu));
          buf.assign(newBuf);
          const update = this.nesterov ? tf.add(tf.mul(gradient, 1 - mu), tf.mul(newBuf, mu)) : newBuf;
          const cout = value.shape[value.rank - 1] as number;
          const rows = value.size / cout;
          const ortho = newtonSchulz(tf.reshape(update, [rows, cout]) as tf.Tensor2D, this.nsSteps);
          const scale = Math.sqrt(Math.max(1, cout / rows));
          const decayed = this.weightDecay > 0 ? tf.mul(value, 1 - this.learningRate * this.weightDecay) : value;
          value.assign(tf.sub(decayed, tf.mul(tf.reshape(ortho, value.shape), this.learningRate * scale)));
        } else {
          const m = this.slot(`${name}/adam_m`, value);
          const v = this.slot(`${name}/adam_v`, value);
          const newM = tf.add(tf.mul(m, this.adamBeta1), tf.mul(gradient, 1 - this.adamBeta1));
          const newV = tf.add(tf.mul(v, this.adamBeta2), tf.mul(tf.square(gradient), 1 - this.adamBeta2));
          m.assign(newM);
          v.assign(newV);
          const mHat = tf.div(newM, 1 - this.adamBeta1 ** step);
          const vHat = tf.div(newV, 1 - this.adamBeta2 ** step);
          const update = tf.div(mHat, tf.add(tf.sqrt(vHat), this.adamEpsilon));
          const decayed = this.weightDecay > 0 ? tf.mul(value, 1 - this.adamLearningRate * this.weightDecay) : value;
          value.assign(tf.sub(decayed, tf.mul(update, this.adamLearningRate)));
        }
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.slots.values()) s.variable.dispose();
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.slots.values()].map((s) => ({ name: s.name, tensor: s.variable as tf.Tensor }));
    return [await this.saveIterations(), ...slots];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const s of this.slots.values()) s.variable.dispose();
    this.slots.clear();
    for (const w of rest) {
      if (!/\/(muon_momentum|adam_m|adam_v)$/.test(w.name)) {
        throw new LipkitError('weightValues', `unknown Muon state '${w.name}'`);
      }
      this.slots.set(w.name, { name: w.name, variable: tf.variable(w.tensor, false) });
    }
  }

  override getConfig(): serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      nsSteps: this.nsSteps,
      adamLearningRate: this.adamLearningRate,
      adamBeta1: this.adamBeta1,
      adamBeta2: this.adamBeta2,
      adamEpsilon: this.adamEpsilon,
      weightDecay: this.weightDecay,
      flattenConv: this.flattenConv,
    };
  }
}
tf.serialization.registerClass(Muon);

/** Factory of the `Muon` optimizer (Keller Jordan 2024); Adam for non-matrix weights. */
export function muon(options: MuonOptions): Muon {
  return new Muon(options);
}
