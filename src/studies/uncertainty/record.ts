import type { UncertaintyArm } from './spec.js';

/** One trained model of the uncertainty study (arm x seed). */
export interface UncertaintyRecord {
  arm: UncertaintyArm;
  seed: number;
  /** Test accuracy on the in-distribution test draw, in [0, 1]. */
  accuracy: number | null;
  /** AUROC of the uncertainty score for OOD (positive) vs in-distribution test points. */
  auroc: number | null;
  /** SNGP only: AUROC of the predictive variance. */
  aurocVariance: number | null;
  /** Mean uncertainty u in [0, 1] on the test points and on the OOD points. */
  meanUncertaintyTest: number | null;
  meanUncertaintyOod: number | null;
  /** CERTIFIED upper bound of the model's Lipschitz constant (inputs to logits / kernels), lipschitzBound. */
  lipschitzUpper: number | null;
  finalLoss: number | null;
  diverged: boolean;
  /** Wall seconds of training and scoring this model (inflated by machine load). */
  seconds: number;
}

/** null for NaN / Infinity (JSON-safe). */
export function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
