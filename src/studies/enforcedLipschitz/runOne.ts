import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { orthogonalMatrix } from '../../layers/orthogonalInit.js';
import { buildMlp } from '../mlp/buildMlp.js';
import { trainClassifier } from '../mlp/trainClassifier.js';
import { evaluateClassifier } from '../mlp/evaluateClassifier.js';
import { measureSmoothness } from '../mlp/measureSmoothness.js';
import { disposeModel } from '../mlp/disposeModel.js';
import { finiteOrNull as finite } from '../mlp/stats.js';
import type { ClassificationSet } from '../mlp/classificationData.js';
import { methodConstraint } from './methodConstraint.js';
import { checkLayerCaps, type LayerCapCheck } from './layerCaps.js';
import { CURVE_EPSILONS, type EnforcedRunSpec } from './plan.js';

/** One run's record (JSON-serializable; null where a value is not finite or not defined). */
export interface EnforcedRunRecord {
  optimizer: EnforcedRunSpec['optimizer'];
  method: EnforcedRunSpec['method'];
  cap: number | null;
  seed: number;
  /** The product of the per-layer caps, cap^3: what the constraints aim to certify. */
  capProduct: number | null;
  learningRate: number;
  steps: number;
  diverged: boolean;
  /** Mean training cross-entropy per epoch. */
  lossCurve: (number | null)[];
  testAccuracy: number | null;
  /** Mean logit margin on the test set (label logit minus the best other). */
  meanMargin: number | null;
  /** CERTIFIED upper bound of the logits' l2 Lipschitz constant (`lipschitzBound`, merged). */
  certifiedBound: number | null;
  /** The plain product of the per-layer certified constants (also certified). */
  productBound: number | null;
  /** EMPIRICAL lower bound (`lipschitzLowerBound` at the first test images, refined by ascent). */
  lowerBound: number | null;
  /** lowerBound <= certifiedBound (must always hold). */
  boundsConsistent: boolean | null;
  /** `certifiedAccuracy(logits, labels, certifiedBound, eps)` at each radius of CURVE_EPSILONS (radius margin / (sqrt(2) L)). */
  certified: { epsilon: number; accuracy: number }[];
  /** Per Dense kernel: exact singular values against the constraint's promise. */
  layers: LayerCapCheck[];
  trainSeconds: number;
  evalSeconds: number;
}

/**
 * The study's MLP: lipkit's `buildMlp` (784 -> hidden -> hidden -> 10, ReLU, linear logits),
 * every kernel with the run's constraint, then re-initialized as the paper's reference code
 * (modula `Linear`) does: a seeded orthogonal matrix times sqrt(fanOut / fanIn), zero biases, so
 * every initial singular value is <= 1. tfjs-layers' `setWeights` writes through the kernel
 * constraint, so the constraint also acts on the initial weights (normalization scales them to
 * the cap, the hammer sets their top singular value to it, projection and soft cap leave
 * weights below a cap >= 1 about unchanged).
 */
export function buildStudyMlp(spec: EnforcedRunSpec): tfl.Sequential {
  const { hidden } = spec.sizes;
  const model = buildMlp({ inputDim: 784, widths: [hidden, hidden], outputs: 10, activation: 'relu', seed: spec.seed, kernelConstraint: methodConstraint(spec) });
  const dims = [784, hidden, hidden, 10];
  model.layers.forEach((layer, i) => {
    const weights = tf.tidy(() => [
      tf.mul(orthogonalMatrix(dims[i], dims[i + 1], spec.seed * 101 + i + 1), Math.sqrt(dims[i + 1] / dims[i])),
      tf.zeros([dims[i + 1]]),
    ]);
    layer.setWeights(weights);
    tf.dispose(weights);
  });
  return model;
}

/**
 * Trains one run with the MLP study trainer (`trainClassifier`: minibatch softmax
 * cross-entropy, Adam or Muon, `applyConstraints(model)` after every optimizer step), then
 * measures it: test accuracy; certified bound (`lipschitzBound`) and empirical lower bound
 * (`lipschitzLowerBound`); certified robust accuracy at CURVE_EPSILONS; exact per-layer
 * spectral norms against each constraint's promise. Leaves no tensors behind.
 */
export function runOne(spec: EnforcedRunSpec, data: { train: ClassificationSet; test: ClassificationSet }): EnforcedRunRecord {
  const { sizes } = spec;
  const learningRate = spec.optimizer === 'adam' ? sizes.adamLearningRate : sizes.muonLearningRate;
  const model = buildStudyMlp(spec);
  try {
    const history = trainClassifier(model, data.train, {
      optimizer: { kind: spec.optimizer, learningRate },
      epochs: sizes.epochs,
      batchSize: sizes.batchSize,
      seed: spec.seed,
    });
    const start = performance.now();
    const record: EnforcedRunRecord = {
      optimizer: spec.optimizer,
      method: spec.method,
      cap: spec.cap,
      seed: spec.seed,
      capProduct: spec.cap === null ? null : spec.cap ** 3,
      learningRate,
      steps: history.steps,
      diverged: history.diverged,
      lossCurve: history.taskLoss,
      testAccuracy: null,
      meanMargin: null,
      certifiedBound: null,
      productBound: null,
      lowerBound: null,
      boundsConsistent: null,
      certified: [],
      layers: [],
      trainSeconds: history.seconds,
      evalSeconds: 0,
    };
    if (!history.diverged) {
      const smooth = measureSmoothness(model, data.test, { maxProbes: sizes.lowerBoundProbes, ascentSteps: sizes.lowerBoundSteps });
      const metrics = evaluateClassifier(model, data.test, { lipschitz: smooth.upperBound, epsilons: [...CURVE_EPSILONS] });
      record.testAccuracy = finite(metrics.accuracy);
      record.meanMargin = finite(metrics.meanMargin);
      record.certifiedBound = finite(smooth.upperBound);
      record.productBound = finite(smooth.productBound);
      record.lowerBound = finite(smooth.lowerBound);
      record.boundsConsistent = smooth.lowerBound <= smooth.upperBound;
      record.certified = metrics.certifiedAccuracy;
      record.layers = checkLayerCaps(model, spec.cap);
    }
    record.evalSeconds = (performance.now() - start) / 1000;
    return record;
  } finally {
    disposeModel(model);
  }
}
