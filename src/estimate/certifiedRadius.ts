import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkFiniteValues, checkNumber, readMatrix } from '../util/validate.js';

/**
 * Certified l2 robustness radius per example: `r = (f_top(x) - f_second(x)) / (sqrt(2) L)`.
 *
 * If the logit map f is L-Lipschitz in l2, each difference f_i - f_j is sqrt(2) L-Lipschitz,
 * so no perturbation with ||delta||_2 < r can change the predicted class (Tsuzuku, Sato &
 * Sugiyama 2018, "Lipschitz-Margin Training"). CERTIFIED provided `lipschitz` is a certified
 * upper bound (e.g. from `lipschitzBound`); with an estimate it is only an estimate.
 * `logits` is [examples, classes] with at least 2 classes; `lipschitz` finite and > 0.
 * Ties give radius 0. Returns float32 radii.
 */
export function certifiedRadius(logits: tf.Tensor2D | number[][], lipschitz: number): Float32Array {
  checkNumber('lipschitz', lipschitz, { min: 0, exclusiveMin: true });
  const { data, rows, cols } = readLogits(logits);
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = topTwo(data, i * cols, cols).margin / (Math.SQRT2 * lipschitz);
  return out;
}

/**
 * Certified accuracy at radius epsilon: the fraction of examples whose predicted class
 * (argmax logit) equals the label AND whose `certifiedRadius` exceeds `epsilon`
 * (strictly, so ties and epsilon = radius are not counted). CERTIFIED under the same
 * condition as `certifiedRadius`. Labels are integer class indices, one per example.
 */
export function certifiedAccuracy(
  logits: tf.Tensor2D | number[][], labels: tf.Tensor1D | ArrayLike<number>, lipschitz: number, epsilon: number,
): number {
  checkNumber('lipschitz', lipschitz, { min: 0, exclusiveMin: true });
  checkNumber('epsilon', epsilon, { min: 0 });
  const { data, rows, cols } = readLogits(logits);
  let labelValues: ArrayLike<number>;
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) throw new LipkitError('labels', `must be 1-D, got shape [${labels.shape.join(', ')}]`);
    labelValues = labels.dataSync() as ArrayLike<number>;
  } else if (labels !== null && typeof labels === 'object' && typeof labels.length === 'number') {
    labelValues = labels;
  } else {
    throw new LipkitError('labels', 'must be a 1-D tensor or an array of class indices');
  }
  if (labelValues.length !== rows) {
    throw new LipkitError('labels', `has length ${labelValues.length}, expected one label per example (${rows})`);
  }
  checkFiniteValues('labels', labelValues);
  let certified = 0;
  for (let i = 0; i < rows; i++) {
    const label = labelValues[i];
    if (!Number.isInteger(label) || label < 0 || label >= cols) {
      throw new LipkitError('labels', `entry ${i} is ${label}, expected an integer class index in [0, ${cols})`);
    }
    const { top, margin } = topTwo(data, i * cols, cols);
    if (top === label && margin / (Math.SQRT2 * lipschitz) > epsilon) certified++;
  }
  return certified / rows;
}

function readLogits(logits: tf.Tensor2D | number[][]): { data: Float64Array; rows: number; cols: number } {
  const m = readMatrix('logits', logits);
  if (m.cols < 2) throw new LipkitError('logits', `needs at least 2 classes, got ${m.cols}`);
  return m;
}

/** Index of the largest entry (first on ties) and its margin over the runner-up. */
function topTwo(data: Float64Array, offset: number, n: number): { top: number; margin: number } {
  let top = 0;
  for (let j = 1; j < n; j++) if (data[offset + j] > data[offset + top]) top = j;
  let second = -Infinity;
  for (let j = 0; j < n; j++) if (j !== top) second = Math.max(second, data[offset + j]);
  return { top, margin: data[offset + top] - second };
}
