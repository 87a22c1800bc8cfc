import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { LipkitError } from '../util/errors.js';
import { seededNormal } from '../util/random.js';
import { checkNumber } from '../util/validate.js';
import { checkInputTensor, checkOptions } from '../regularize/checks.js';
import { applyConstraints } from '../constrain/applyConstraints.js';
import { SpectralNormalization } from '../layers/SpectralNormalization.js';
import { generatorLoss } from './ganLosses.js';
import { criticObjective } from './criticObjective.js';
import { checkFields, isOptimizer, readGanOptions, type AdamSettings, type GanSettings, type GanTrainerOptions } from './ganTrainerOptions.js';

/** Real samples for a step: one batch used by every critic update, or a sampler called once per update (the trainer disposes what it returns). */
export type RealSource = tf.Tensor | (() => tf.Tensor);

/** What one `step()` did (means over its critic updates; plain numbers). */
export interface GanStepResult {
  /** Generator updates so far (1-based). */
  step: number;
  /** The critic's objective (adversarial loss + penalty). */
  criticObjective: number;
  /** The critic's adversarial loss alone. */
  criticLoss: number;
  /** The gradient penalty (0 without one). */
  penalty: number;
  /** E[D(real)] - E[D(fake)]: for an L-Lipschitz critic at most L * W1 (an ESTIMATE of a lower bound, not a certificate). */
  scoreGap: number;
  /** The generator's loss after its update's forward pass. */
  generatorLoss: number;
}

/** Callbacks of `train()`. */
export interface GanCallbacks {
  /** After each step; return 'stop' to end training. May be async. */
  onStepEnd?: (result: GanStepResult, trainer: GanTrainer) => void | 'stop' | Promise<void | 'stop'>;
  /** Once, after the last step. */
  onTrainEnd?: (history: GanHistory) => void | Promise<void>;
}

/** Options of `train()`. */
export interface GanTrainOptions {
  /** Generator updates (each after `criticSteps` critic updates). Required, integer >= 0. */
  steps: number;
  callbacks?: GanCallbacks;
}

/** What `train()` returns. */
export interface GanHistory {
  results: GanStepResult[];
  /** true when a loss became NaN or infinite; training stopped at that step. */
  diverged: boolean;
  /** true when a callback returned 'stop'. */
  stopped: boolean;
  seconds: number;
}

function makeOptimizer(o: Required<AdamSettings> | tf.Optimizer): { optimizer: tf.Optimizer; own: boolean } {
  if (isOptimizer(o)) return { optimizer: o, own: false };
  return { optimizer: tf.train.adam(o.learningRate, o.beta1, o.beta2, o.epsilon), own: true };
}

function variables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as LayerVariable).read() as tf.Variable);
}

/** true when the critic has a Lipschitz mechanism: a SpectralNormalization layer or a weight constraint (nested models included). */
function constrained(layers: tfl.layers.Layer[]): boolean {
  return layers.some((l) => l instanceof SpectralNormalization
    || (l.weights as LayerVariable[]).some((w) => w.constraint != null)
    || (l instanceof tfl.LayersModel && constrained(l.layers)));
}

/**
 * A GAN trainer for any pair of `tf.LayersModel`s, generator G: latent -> sample and critic
 * D: sample -> one raw score per example, in a custom loop (no `fit`):
 *
 *   repeat n_critic times:  min_D  criticLoss(D(x_real), D(G(z)))  +  lambda GP(D)   (`criticObjective`)
 *                           then apply D's kernel constraints (`applyConstraints`)
 *   once:                   min_G  generatorLoss(D(G(z)))
 *
 * Defaults are WGAN-GP's (Gulrajani et al. 2017, Algorithm 1): Wasserstein loss, two-sided
 * penalty lambda = 10 at random interpolates, n_critic = 5, Adam(1e-4, beta1 0, beta2 0.9).
 * For an SN critic (Miyato et al. 2018: wrap D's layers in `spectralNormalization`, or give
 * them a `spectralNormalize` kernel constraint) use e.g. `{ loss: 'hinge' or 'non-saturating',
 * gradientPenalty: null, criticSteps: 1 }`. An unconstrained critic needs a loss bounded below
 * ('non-saturating' or 'hinge'); the Wasserstein loss without a penalty or constraint is refused.
 * Models run with `training: true` (spectral normalization advances its power iteration).
 * `step()` is one generator update (for custom loops); `train()` drives it with callbacks.
 * No tensors are left behind besides the models' and optimizers' own state.
 */
export class GanTrainer {
  readonly generator: tfl.LayersModel;
  readonly critic: tfl.LayersModel;
  readonly settings: Readonly<GanSettings>;
  /** Generator updates done. */
  steps = 0;
  private draws = 0;
  private criticUpdates = 0;
  private readonly latentShape: number[];
  private readonly sampleShape: (number | null)[];
  private readonly criticOpt: { optimizer: tf.Optimizer; own: boolean };
  private readonly generatorOpt: { optimizer: tf.Optimizer; own: boolean };
  private readonly hasConstraints: boolean;

  constructor(generator: tfl.LayersModel, critic: tfl.LayersModel, options: GanTrainerOptions = {}) {
    if (!(generator instanceof tfl.LayersModel)) throw new LipkitError('generator', 'must be a tf.LayersModel');
    if (!(critic instanceof tfl.LayersModel)) throw new LipkitError('critic', 'must be a tf.LayersModel');
    if (generator.inputs.length !== 1 || generator.outputs.length !== 1) throw new LipkitError('generator', 'must have one input and one output');
    if (critic.inputs.length !== 1 || critic.outputs.length !== 1) throw new LipkitError('critic', 'must have one input and one output');
    const latent = generator.inputs[0].shape.slice(1);
    if (latent.some((d) => d === null)) throw new LipkitError('generator', `input shape must be fully known, got [${generator.inputs[0].shape.join(', ')}]`);
    const gOut = generator.outputs[0].shape.slice(1);
    const dIn = critic.inputs[0].shape.slice(1);
    if (gOut.length !== dIn.length || gOut.some((d, i) => d !== null && dIn[i] !== null && d !== dIn[i])) {
      throw new LipkitError('critic', `input shape [${dIn.join(', ')}] must match the generator's output [${gOut.join(', ')}]`);
    }
    const dOut = critic.outputs[0].shape.slice(1);
    if (dOut.reduce<number>((a, b) => a * (b ?? 2), 1) !== 1) throw new LipkitError('critic', `must output one score per example, got shape [${critic.outputs[0].shape.join(', ')}]`);
    const settings = readGanOptions(options);
    this.hasConstraints = constrained(critic.layers);
    if (settings.loss === 'wasserstein' && settings.penalty === null && !this.hasConstraints) {
      throw new LipkitError('options.loss', "'wasserstein' needs a Lipschitz critic: set gradientPenalty, use SpectralNormalization layers or kernel constraints, or choose 'non-saturating' / 'hinge'");
    }
    this.generator = generator;
    this.critic = critic;
    this.settings = settings;
    this.latentShape = latent as number[];
    this.sampleShape = gOut;
    this.criticOpt = makeOptimizer(settings.criticOptimizer);
    this.generatorOpt = makeOptimizer(settings.generatorOptimizer);
  }

  /** A latent batch of n rows (the `sampleLatent` option, or seeded standard normal). */
  sampleLatent(n: number): tf.Tensor {
    const draw = this.draws++;
    const z = this.settings.sampleLatent?.(n, draw) ?? seededNormal([n, ...this.latentShape], this.settings.seed * 1000003 + draw);
    if (!(z instanceof tf.Tensor) || z.shape[0] !== n || !tf.util.arraysEqual(z.shape.slice(1), this.latentShape)) {
      throw new LipkitError('options.sampleLatent', `must return a tensor of shape [${[n, ...this.latentShape].join(', ')}]`);
    }
    return z;
  }

  /** n generated samples (inference: `training: false`); the caller disposes them. */
  generate(n: number): tf.Tensor {
    const z = this.sampleLatent(n);
    const x = tf.tidy(() => this.generator.apply(z, { training: false }) as tf.Tensor);
    z.dispose();
    return x;
  }

  private realBatch(real: RealSource): { x: tf.Tensor; owned: boolean } {
    const owned = typeof real === 'function';
    const x = owned ? real() : real;
    checkInputTensor('real', x, { minRank: 2 });
    const shape = x.shape.slice(1);
    if (shape.length !== this.sampleShape.length || shape.some((d, i) => this.sampleShape[i] !== null && d !== this.sampleShape[i])) {
      if (owned) x.dispose();
      throw new LipkitError('real', `batches must have the generator's sample shape [${this.sampleShape.join(', ')}], got [${shape.join(', ')}]`);
    }
    return { x, owned };
  }

  /** One generator update after `criticSteps` critic updates (see the class). Returns the numbers it read back. */
  step(real: RealSource): GanStepResult {
    if (!(real instanceof tf.Tensor) && typeof real !== 'function') throw new LipkitError('real', 'must be a tf.Tensor or a function returning one');
    const s = this.settings;
    const criticVars = variables(this.critic);
    const sums = [0, 0, 0, 0, 0];
    const f = (x: tf.Tensor): tf.Tensor => this.critic.apply(x, { training: true }) as tf.Tensor;
    let n = 0;
    for (let i = 0; i < s.criticSteps; i++) {
      const batch = this.realBatch(real);
      n = batch.x.shape[0];
      const z = this.sampleLatent(n);
      const fake = tf.tidy(() => this.generator.apply(z, { training: true }) as tf.Tensor);
      const kept: { parts?: tf.Tensor } = {};
      const seed = s.seed * 1000003 + 500009 + this.criticUpdates++;
      try {
        const cost = this.criticOpt.optimizer.minimize(() => {
          const r = criticObjective(f, batch.x, fake, s.loss, s.penalty, { seed });
          kept.parts = tf.keep(r.parts);
          return r.total;
        }, true, criticVars);
        const total = cost?.dataSync()[0] ?? NaN;
        const parts = kept.parts?.dataSync() ?? [NaN, NaN, NaN, NaN];
        tf.dispose([cost ?? [], kept.parts ?? []]);
        sums[0] += total; sums[1] += parts[0]; sums[2] += parts[1]; sums[3] += parts[2] - parts[3];
      } finally {
        tf.dispose([z, fake]);
        if (batch.owned) batch.x.dispose();
      }
      if (s.constrain && this.hasConstraints) applyConstraints(this.critic);
    }
    // The generator update uses as many samples as the last critic batch.
    const z = this.sampleLatent(n);
    try {
      const cost = this.generatorOpt.optimizer.minimize(() => generatorLoss(s.loss, f(this.generator.apply(z, { training: true }) as tf.Tensor)), true, variables(this.generator));
      sums[4] = cost?.dataSync()[0] ?? NaN;
      cost?.dispose();
    } finally {
      z.dispose();
    }
    this.steps++;
    const k = s.criticSteps;
    return { step: this.steps, criticObjective: sums[0] / k, criticLoss: sums[1] / k, penalty: sums[2] / k, scoreGap: sums[3] / k, generatorLoss: sums[4] };
  }

  /** Runs `steps` generator updates, calling `callbacks.onStepEnd` after each; stops early on a non-finite loss or a 'stop'. */
  async train(real: RealSource, options: GanTrainOptions): Promise<GanHistory> {
    checkOptions('options', options);
    if (options === undefined) throw new LipkitError('options', 'is required ({ steps })');
    checkFields('options', options, ['steps', 'callbacks']);
    const steps = checkNumber('options.steps', options.steps, { min: 0, max: 1e9, integer: true });
    const cb = options.callbacks ?? {};
    checkOptions('options.callbacks', cb);
    checkFields('options.callbacks', cb, ['onStepEnd', 'onTrainEnd']);
    for (const k of ['onStepEnd', 'onTrainEnd'] as const) {
      if (cb[k] !== undefined && typeof cb[k] !== 'function') throw new LipkitError(`options.callbacks.${k}`, 'must be a function');
    }
    const start = performance.now();
    const history: GanHistory = { results: [], diverged: false, stopped: false, seconds: 0 };
    for (let i = 0; i < steps; i++) {
      const r = this.step(real);
      history.results.push(r);
      if (![r.criticObjective, r.generatorLoss].every(Number.isFinite)) { history.diverged = true; break; }
      if ((await cb.onStepEnd?.(r, this)) === 'stop') { history.stopped = true; break; }
    }
    history.seconds = (performance.now() - start) / 1000;
    await cb.onTrainEnd?.(history);
    return history;
  }

  /** Disposes the optimizers the trainer made (not the models, not optimizers you passed in). */
  dispose(): void {
    if (this.criticOpt.own) this.criticOpt.optimizer.dispose();
    if (this.generatorOpt.own) this.generatorOpt.optimizer.dispose();
  }
}

/** `new GanTrainer(generator, critic, options)`: see `GanTrainer`. */
export function ganTrainer(generator: tfl.LayersModel, critic: tfl.LayersModel, options: GanTrainerOptions = {}): GanTrainer {
  return new GanTrainer(generator, critic, options);
}
