import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { certifiedAccuracy } from '../../estimate/certifiedRadius.js';
import { checkClassificationSet, type ClassificationSet } from './classificationData.js';
import { readValues } from '../../util/readValues.js';

/** Rows per inference batch. */
const CHUNK = 2048;

/** Logits `[count, classes]` of a model on a set, in inference mode, as a row-major float32 array. */
export function predictLogits(model: tfl.LayersModel, set: ClassificationSet): Float32Array {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  const s = checkClassificationSet('set', set);
  const out = new Float32Array(s.count * s.classes);
  for (let from = 0; from < s.count; from += CHUNK) {
    const n = Math.min(CHUNK, s.count - from);
    const values = readValues(() => {
      const x = tf.tensor2d(s.points.subarray(from * s.dim, (from + n) * s.dim), [n, s.dim]);
      const y = model.apply(x, { training: false }) as tf.Tensor;
      if (y.rank !== 2 || y.shape[1] !== s.classes) throw new LipkitError('model', `must output [batch, ${s.classes}] logits, got [${y.shape.join(', ')}]`);
      return y;
    });
    out.set(values, from * s.classes);
  }
  return out;
}

/** Accuracy and margins of a classifier on a set. */
export interface ClassifierMetrics {
  accuracy: number;
  /** Mean over examples of `logit_label - max_{k != label} logit_k` (negative when misclassified). */
  meanMargin: number;
  /** Mean softmax cross-entropy. */
  crossEntropy: number;
  /** Fraction of examples correct with certified l2 radius > epsilon (`certifiedAccuracy`), per epsilon; only with a certified `lipschitz`. */
  certifiedAccuracy: { epsilon: number; accuracy: number }[];
}

/**
 * Accuracy, mean logit margin and cross-entropy on a set; with `lipschitz` (a CERTIFIED bound of
 * the logits, e.g. `lipschitzBound(model).upperBound`) also lipkit's `certifiedAccuracy` at
 * each radius in `epsilons` (in the model's input units).
 */
export function evaluateClassifier(
  model: tfl.LayersModel, set: ClassificationSet, { lipschitz, epsilons = [] }: { lipschitz?: number; epsilons?: number[] } = {},
): ClassifierMetrics {
  const s = checkClassificationSet('set', set);
  const logits = predictLogits(model, s);
  const k = s.classes;
  let correct = 0;
  let margin = 0;
  let ce = 0;
  for (let i = 0; i < s.count; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    const label = s.labels[i];
    let other = -Infinity;
    let top = 0;
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      if (row[j] > row[top]) top = j;
      if (j !== label) other = Math.max(other, row[j]);
      max = Math.max(max, row[j]);
    }
    if (top === label && row[label] > other) correct++;
    margin += row[label] - other;
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(row[j] - max);
    ce += -(row[label] - max - Math.log(z));
  }
  const rows = lipschitz === undefined || epsilons.length === 0 ? []
    : Array.from({ length: s.count }, (_, i) => Array.from(logits.subarray(i * k, (i + 1) * k)));
  const certified = lipschitz === undefined ? [] : epsilons.map((epsilon) => ({ epsilon, accuracy: certifiedAccuracy(rows, s.labels, lipschitz, epsilon) }));
  return { accuracy: correct / s.count, meanMargin: margin / s.count, crossEntropy: ce / s.count, certifiedAccuracy: certified };
}
