import type * as tfl from '@tensorflow/tfjs-layers';
import type { ClassificationSet } from './classificationData.js';
import { evaluateClassifier, type ClassifierMetrics } from './evaluateClassifier.js';
import { measureSmoothness, type Smoothness } from './measureSmoothness.js';
import type { BoundMethod } from '../../estimate/global/boundMethods.js';
import { trainClassifier, type TrainHistory, type TrainOptions } from './trainClassifier.js';

/** Relative slack of the upper >= lower check: the lower bound is computed in the model's float32 arithmetic. */
export const BOUND_ROUNDING_TOLERANCE = 1e-5;

/** What one trained model of a study measured. */
export interface ArmResult {
  history: TrainHistory;
  train: ClassifierMetrics;
  test: ClassifierMetrics;
  /** Null when training diverged (no finite weights to certify). */
  smoothness: Smoothness | null;
  /** `lowerBound <= upperBound * (1 + BOUND_ROUNDING_TOLERANCE)`; null when diverged. */
  upperAtLeastLower: boolean | null;
}

/** Options of `runArm`. */
export interface RunArmOptions {
  train: ClassificationSet;
  test: ClassificationSet;
  training: TrainOptions;
  /** Test points probed by the lower bound. Default 512. */
  maxProbes?: number;
  /** Ascent steps of the lower bound. Default 20. */
  ascentSteps?: number;
  /** Also run the tight global bounds (issue 11) with this method, e.g. 'auto'. Default none. */
  tightMethod?: BoundMethod;
  /** Radii (input units) for `certifiedAccuracy` on the test set. Default none. */
  epsilons?: number[];
}

/**
 * Trains a model, then measures it: train/test accuracy and margins, the certified upper bound
 * (per layer too), the empirical lower bound at the test points, and the honesty check
 * upper >= lower. Does not dispose the model.
 */
export function runArm(model: tfl.LayersModel, o: RunArmOptions): ArmResult {
  const history = trainClassifier(model, o.train, o.training);
  const smoothness = history.diverged ? null : measureSmoothness(model, o.test, { maxProbes: o.maxProbes, ascentSteps: o.ascentSteps, tightMethod: o.tightMethod });
  const lipschitz = smoothness !== null && Number.isFinite(smoothness.upperBound) && smoothness.upperBound > 0 ? smoothness.upperBound : undefined;
  return {
    history,
    train: evaluateClassifier(model, o.train),
    test: evaluateClassifier(model, o.test, { lipschitz, epsilons: o.epsilons ?? [] }),
    smoothness,
    upperAtLeastLower: smoothness === null ? null : smoothness.lowerBound <= smoothness.upperBound * (1 + BOUND_ROUNDING_TOLERANCE),
  };
}
