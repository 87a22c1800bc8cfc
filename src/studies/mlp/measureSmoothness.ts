import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzBound } from '../../estimate/network/lipschitzBound.js';
import type { BoundMethod, MethodBounds } from '../../estimate/global/boundMethods.js';
import { lipschitzLowerBound } from '../../estimate/network/lipschitzLowerBound.js';
import { checkClassificationSet, type ClassificationSet } from './classificationData.js';

/** One layer's certified constant (a row of `lipschitzBound`'s table). */
export interface LayerConstant {
  /** 1-based position among the model's layers. */
  index: number;
  className: string;
  lipschitz: number;
  method: string;
}

/** The Lipschitz numbers of a trained model, each labelled by kind. */
export interface Smoothness {
  /** CERTIFIED upper bound of the logits' l2 Lipschitz constant (`lipschitzBound`, merged). */
  upperBound: number;
  /** The plain product of the per-layer constants (no merging), also certified. */
  productBound: number;
  /** Per-layer certified constants. */
  layers: LayerConstant[];
  /**
   * With `tightMethod` (issue 11): every global method's CERTIFIED bound (`lipschitzBound`'s `bounds`;
   * `exact` is the exact constant for 2-D inputs) and the method of the smallest. `upperBound` stays the merged product.
   */
  tight?: { bounds: MethodBounds; method: string };
  /** EMPIRICAL lower bound (`lipschitzLowerBound` at the probe points, refined by ascent). */
  lowerBound: number;
  /** Mean over the probe points of the Jacobian spectral norm (an average local slope; a smoothness measure, not a bound). */
  meanJacobianNorm: number;
  /** Largest Jacobian spectral norm at the probe points (before ascent). */
  maxJacobianNorm: number;
}

/**
 * Certified upper bound, per-layer constants and empirical lower bound of a classifier's logits,
 * probed at (up to `maxProbes` of) the points of `probes` (e.g. the test set). Always
 * `lowerBound <= true constant <= upperBound`; the caller can check the inequality. The mean
 * Jacobian norm over the probes measures how steep the function is where the data lives.
 */
export function measureSmoothness(
  model: tfl.LayersModel, probes: ClassificationSet,
  { maxProbes = 512, ascentSteps = 20, tightMethod, tightBudget = 3 }: { maxProbes?: number; ascentSteps?: number; tightMethod?: BoundMethod; tightBudget?: number } = {},
): Smoothness {
  const set = checkClassificationSet('probes', probes);
  const bound = lipschitzBound(model, { method: 'product' });
  const tight = tightMethod === undefined ? undefined : lipschitzBound(model, { method: tightMethod, budget: tightBudget });
  const n = Math.min(set.count, maxProbes);
  const x = tf.tensor2d(set.points.subarray(0, n * set.dim), [n, set.dim]);
  try {
    const lower = lipschitzLowerBound(model, x, { steps: ascentSteps });
    let sum = 0;
    let max = 0;
    for (const v of lower.jacobianNorms) { sum += v; max = Math.max(max, v); }
    return {
      upperBound: bound.upperBound,
      productBound: bound.unmergedBound,
      layers: bound.layers.map((l, i) => ({ index: i + 1, className: l.className, lipschitz: l.lipschitz, method: l.method })),
      ...(tight ? { tight: { bounds: tight.bounds, method: tight.method } } : {}),
      lowerBound: lower.lowerBound,
      meanJacobianNorm: sum / n,
      maxJacobianNorm: max,
    };
  } finally {
    x.dispose();
  }
}
