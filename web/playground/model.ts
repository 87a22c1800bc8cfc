import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { applyConstraints } from '../../src/constrain/applyConstraints.js';
import { buildMlp, type MlpActivation } from '../../src/studies/mlp/buildMlp.js';
import { gradientPenaltyTerm, spectralPenaltyTerm, type PenaltyTerm } from '../../src/studies/mlp/penaltyTerms.js';

/** The smoothness methods of the playground; `knob` is each one's number. */
export type MethodName = 'none' | 'gradient-penalty' | 'spectral-normalization' | 'lipschitz-projection' | 'spectral-penalty';

/** Label and default of each method's knob. */
export const METHODS: Readonly<Record<MethodName, { label: string; knob: string | null; value: number }>> = {
  'none': { label: 'none', knob: null, value: 0 },
  'gradient-penalty': { label: 'gradient penalty', knob: 'target gradient norm D', value: 1 },
  'spectral-normalization': { label: 'spectral normalization', knob: 'per-layer target D', value: 1 },
  'lipschitz-projection': { label: 'Lipschitz projection', knob: 'per-layer cap', value: 1 },
  'spectral-penalty': { label: 'spectral penalty', knob: 'weight λ', value: 0.01 },
};

/** What the trainer needs: width, depth (hidden layers), activation, method and knob, learning rate, seed. */
export interface ModelSettings {
  width: number;
  depth: number;
  activation: MlpActivation;
  method: MethodName;
  knob: number;
  learningRate: number;
  seed: number;
}

/** A model being trained on fixed data with one method, one full-batch Adam step at a time. */
export class Trainer {
  readonly model: tfl.Sequential;
  private readonly penalty?: PenaltyTerm;
  private readonly optimizer: tf.AdamOptimizer;
  private readonly x: tf.Tensor2D;
  private readonly y: tf.Tensor2D;
  private readonly vars: tf.Variable[];
  private readonly constrained: boolean;
  steps = 0;

  constructor(settings: ModelSettings, points: Float32Array, labels: Int32Array) {
    const { width, depth, activation, method, knob, seed } = settings;
    const widths = Array.from({ length: depth }, () => width);
    this.model = buildMlp({
      widths, activation, seed, outputs: 2,
      ...(method === 'spectral-normalization' ? { spectralNormTarget: knob } : {}),
      ...(method === 'lipschitz-projection' ? { kernelConstraint: () => lipschitzProjection({ maxNorm: knob }) } : {}),
    });
    this.constrained = method === 'lipschitz-projection';
    if (method === 'gradient-penalty') this.penalty = gradientPenaltyTerm({ kappa: 1, target: knob });
    if (method === 'spectral-penalty') this.penalty = spectralPenaltyTerm({ lambda: knob });
    this.optimizer = tf.train.adam(settings.learningRate);
    this.x = tf.tensor2d(points, [labels.length, 2]);
    this.y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 2), 'float32')) as tf.Tensor2D;
    this.vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    if (this.constrained) applyConstraints(this.model);
  }

  /** The training inputs (owned by the trainer). */
  get inputs(): tf.Tensor2D {
    return this.x;
  }

  /**
   * `n` Adam steps on cross-entropy plus the method's term; constraints projected after each.
   * Returns the last step's [total, cross-entropy, penalty].
   */
  train(n: number): [number, number, number] {
    let last: tf.Tensor | null = null;
    for (let i = 0; i < n; i++) {
      const kept: { output?: tf.Tensor } = {};
      const parts = tf.tidy(() => {
        let stacked: tf.Tensor | null = null;
        this.optimizer.minimize(() => {
          const term = this.penalty?.compute(this.model, this.x);
          kept.output = term?.output;
          const logits = term?.output ?? (this.model.apply(this.x, { training: true }) as tf.Tensor);
          const ce = tf.losses.softmaxCrossEntropy(this.y, logits) as tf.Scalar;
          const pen = term?.penalty ?? tf.scalar(0);
          const total = tf.add(ce, pen) as tf.Scalar;
          stacked = tf.keep(tf.stack([total, ce, pen]));
          return total;
        }, false, this.vars);
        return stacked as unknown as tf.Tensor;
      });
      if (kept.output !== undefined) kept.output.dispose();
      if (this.constrained) applyConstraints(this.model);
      last?.dispose();
      last = parts;
      this.steps++;
    }
    const values = last === null ? [NaN, NaN, NaN] : Array.from(last.dataSync());
    last?.dispose();
    return [values[0], values[1], values[2]];
  }

  /** Training accuracy. */
  accuracy(): number {
    return tf.tidy(() => {
      const logits = this.model.predict(this.x) as tf.Tensor;
      const right = tf.equal(tf.argMax(logits, 1), tf.argMax(this.y, 1));
      return tf.mean(tf.cast(right, 'float32')).dataSync()[0];
    });
  }

  dispose(): void {
    this.penalty?.dispose();
    this.optimizer.dispose();
    tf.dispose([this.x, this.y]);
    this.model.dispose();
  }
}
