import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables.js';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import { mulberry32 } from '../../util/random.js';
import { applyConstraints } from '../../constrain/applyConstraints.js';
import { SpectralNormalization } from '../../layers/SpectralNormalization.js';
import { checkClassificationSet, setTensors, type ClassificationSet } from './classificationData.js';
import { checkOptimizerSpec, makeOptimizer, type OptimizerSpec } from './makeOptimizer.js';
import type { PenaltyTerm } from './penaltyTerms.js';
import { finiteOrNull } from './stats.js';

/** Options of `trainClassifier`. */
export interface TrainOptions {
  /** Default `{ kind: 'adam', learningRate: 0.01 }`. */
  optimizer?: OptimizerSpec;
  /** Passes over the training set. Default 100. */
  epochs?: number;
  /** Examples per step; default (and at most) the whole set (full-batch gradient descent). */
  batchSize?: number;
  /** Seed of the per-epoch shuffles (mulberry32). Default 0. */
  seed?: number;
  /** Added to the softmax cross-entropy (see `gradientPenaltyTerm`, `spectralPenaltyTerm`). Default none. */
  penalty?: PenaltyTerm;
  /**
   * Call lipkit's `applyConstraints(model)` after every optimizer step (tfjs-layers never applies
   * kernel constraints itself). Default true (a no-op for a model without constraints).
   */
  constrain?: boolean;
  /**
   * After training, re-converge the power vectors of every `SpectralNormalization` layer
   * (`refresh()`), so inference and `lipschitzBound` use an accurate sigma. Default true.
   */
  refreshSpectralNorm?: boolean;
  /**
   * After training, apply the kernel constraints this many more times (no optimizer step), so
   * their warm-started power iterations converge and the final weights satisfy them to the
   * estimate's accuracy: re-applying them (as loading a saved model does) then changes nothing.
   * The analogue of `refreshSpectralNorm` for constraints. Default 0 (the weights of the last step).
   */
  settleConstraints?: number;
  /** Called after every step (after the constraints) with the 1-based step count. */
  onStep?: (step: number, model: tfl.LayersModel) => void;
}

/** What `trainClassifier` returns: per-epoch means of the objective and its parts. */
export interface TrainHistory {
  /** Mean training objective (cross-entropy + penalty) per epoch (null when not finite). */
  loss: (number | null)[];
  /** Mean softmax cross-entropy per epoch. */
  taskLoss: (number | null)[];
  /** Mean penalty per epoch (0 without a penalty). */
  penalty: (number | null)[];
  /** Optimizer steps taken. */
  steps: number;
  /** True when the objective became NaN/Inf; training stopped at that step. */
  diverged: boolean;
  seconds: number;
}

/**
 * Trains a classifier (logits out) in a custom loop on the active backend:
 *
 *   minimize  mean_batch CE(softmax(f(x)), y)  +  penalty(f, x)
 *
 * with Adam, SGD (with heavy-ball momentum) or lipkit's `muon`, over shuffled minibatches;
 * after each step, optionally, every kernel constraint is applied (`applyConstraints`), so
 * hard constraints (`lipschitzProjection`, `spectralNormalize`) hold during training. The
 * forward pass runs with `training: true` (spectral normalization layers advance their power
 * iteration). A non-finite objective stops training and sets `diverged`. Leaves no tensors
 * behind except the model's own weights and layer state.
 */
export function trainClassifier(model: tfl.LayersModel, train: ClassificationSet, options: TrainOptions = {}): TrainHistory {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  const set = checkClassificationSet('train', train);
  checkOptions('options', options);
  const optSpec: OptimizerSpec = options.optimizer ?? { kind: 'adam', learningRate: 0.01 };
  checkOptimizerSpec('options.optimizer', optSpec);
  const epochs = checkNumber('options.epochs', options.epochs ?? 100, { min: 0, max: 1e7, integer: true });
  const batchSize = Math.min(set.count, checkNumber('options.batchSize', options.batchSize ?? set.count, { min: 1, integer: true }));
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  const { penalty, constrain = true, refreshSpectralNorm = true, onStep } = options;
  if (penalty !== undefined && (penalty === null || typeof penalty.compute !== 'function')) {
    throw new LipkitError('options.penalty', 'must be a PenaltyTerm ({ name, compute, dispose })');
  }
  if (typeof constrain !== 'boolean') throw new LipkitError('options.constrain', 'must be a boolean');
  if (typeof refreshSpectralNorm !== 'boolean') throw new LipkitError('options.refreshSpectralNorm', 'must be a boolean');
  if (onStep !== undefined && typeof onStep !== 'function') throw new LipkitError('options.onStep', 'must be a function');
  const settle = checkNumber('options.settleConstraints', options.settleConstraints ?? 0, { min: 0, max: 1e4, integer: true });

  const start = performance.now();
  const varList = model.trainableWeights.map((w) => (w as LayerVariable).read() as tf.Variable);
  const hasConstraints = constrain && model.layers.some((l) => (l.weights as LayerVariable[]).some((w) => w.constraint != null));
  const optimizer = makeOptimizer(optSpec);
  const whole = batchSize === set.count ? setTensors(set) : null;
  const history: TrainHistory = { loss: [], taskLoss: [], penalty: [], steps: 0, diverged: false, seconds: 0 };
  const next = mulberry32(seed, 0x5eed);
  const order = Array.from({ length: set.count }, (_, i) => i);
  try {
    for (let epoch = 0; epoch < epochs && !history.diverged; epoch++) {
      if (whole === null) {
        for (let i = order.length - 1; i > 0; i--) { const j = next() % (i + 1); [order[i], order[j]] = [order[j], order[i]]; }
      }
      const sums = [0, 0, 0];
      let batches = 0;
      for (let from = 0; from < set.count; from += batchSize) {
        const rows = order.slice(from, Math.min(from + batchSize, set.count));
        const batch = whole ?? setTensors(set, rows);
        const kept: { parts?: tf.Tensor; output?: tf.Tensor } = {};
        const cost = optimizer.minimize(() => {
          const term = penalty?.compute(model, batch.x);
          kept.output = term?.output;
          const logits = term?.output ?? (model.apply(batch.x, { training: true }) as tf.Tensor);
          const ce = tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
          const pen = term?.penalty ?? tf.scalar(0);
          kept.parts = tf.keep(tf.stack([ce, pen]));
          return tf.add(ce, pen) as tf.Scalar;
        }, true, varList);
        if (whole === null) tf.dispose([batch.x, batch.y]);
        const [ceValue, penValue] = kept.parts?.dataSync() ?? [NaN, NaN];
        const total = cost?.dataSync()[0] ?? NaN;
        // A penalty's shared output was kept past the loss's tidy (gradientPenaltyWithOutput): free it here.
        tf.dispose([kept.parts ?? [], kept.output ?? [], cost ?? []]);
        history.steps++;
        if (!Number.isFinite(total)) { history.diverged = true; break; }
        if (hasConstraints) applyConstraints(model);
        sums[0] += total; sums[1] += ceValue; sums[2] += penValue;
        batches++;
        onStep?.(history.steps, model);
      }
      if (batches > 0) {
        history.loss.push(finiteOrNull(sums[0] / batches));
        history.taskLoss.push(finiteOrNull(sums[1] / batches));
        history.penalty.push(finiteOrNull(sums[2] / batches));
      }
    }
    if (hasConstraints && !history.diverged) for (let i = 0; i < settle; i++) applyConstraints(model);
    if (refreshSpectralNorm && !history.diverged) {
      for (const layer of model.layers) if (layer instanceof SpectralNormalization) layer.refresh();
    }
  } finally {
    optimizer.dispose();
    if (whole !== null) tf.dispose([whole.x, whole.y]);
  }
  history.seconds = (performance.now() - start) / 1000;
  return history;
}
