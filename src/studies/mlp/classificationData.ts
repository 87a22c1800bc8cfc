import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { twoMoons } from '../../data/twoMoons.js';

/** A classification set: `count` rows of `dim` features (row-major) with integer labels in [0, classes). */
export interface ClassificationSet {
  points: Float32Array;
  labels: Int32Array;
  count: number;
  dim: number;
  classes: number;
}

/** Throws a LipkitError naming `name` unless `set` is a consistent `ClassificationSet`. */
export function checkClassificationSet(name: string, set: unknown): ClassificationSet {
  const s = set as Partial<ClassificationSet> | null;
  if (s === null || typeof s !== 'object' || !(s.points instanceof Float32Array) || !(s.labels instanceof Int32Array)) {
    throw new LipkitError(name, 'must be { points: Float32Array, labels: Int32Array, count, dim, classes }');
  }
  const count = checkNumber(`${name}.count`, s.count, { min: 1, integer: true });
  const dim = checkNumber(`${name}.dim`, s.dim, { min: 1, integer: true });
  const classes = checkNumber(`${name}.classes`, s.classes, { min: 2, integer: true });
  if (s.points.length !== count * dim) throw new LipkitError(`${name}.points`, `has ${s.points.length} values, expected count * dim = ${count * dim}`);
  if (s.labels.length !== count) throw new LipkitError(`${name}.labels`, `has ${s.labels.length} labels, expected ${count}`);
  for (let i = 0; i < count; i++) {
    if (s.labels[i] < 0 || s.labels[i] >= classes) throw new LipkitError(`${name}.labels`, `entry ${i} is ${s.labels[i]}, expected 0..${classes - 1}`);
  }
  for (let i = 0; i < s.points.length; i++) {
    if (!Number.isFinite(s.points[i])) throw new LipkitError(`${name}.points`, `contains a non-finite value at flat index ${i}`);
  }
  return { points: s.points, labels: s.labels, count, dim, classes };
}

/** Inputs `[count, dim]` and one-hot targets `[count, classes]` of a set (or of the rows `rows`). Caller disposes. */
export function setTensors(set: ClassificationSet, rows?: ArrayLike<number>): { x: tf.Tensor2D; y: tf.Tensor2D } {
  if (rows === undefined) {
    return tf.tidy(() => ({
      x: tf.tensor2d(set.points, [set.count, set.dim]),
      y: tf.cast(tf.oneHot(tf.tensor1d(set.labels, 'int32'), set.classes), 'float32') as tf.Tensor2D,
    }));
  }
  const n = rows.length;
  const points = new Float32Array(n * set.dim);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows[r];
    points.set(set.points.subarray(i * set.dim, (i + 1) * set.dim), r * set.dim);
    labels[r] = set.labels[i];
  }
  return setTensors({ points, labels, count: n, dim: set.dim, classes: set.classes });
}

/** Options of `moonsSplit`. */
export interface MoonsSplitOptions {
  /** Training points. Default 256. */
  train?: number;
  /** Test points (a separate draw). Default 512. */
  test?: number;
  /** Noise of both draws. Default 0.12. */
  noise?: number;
  /** Multiply every coordinate by this. Default 1. */
  scale?: number;
  /** Seed: the training draw uses 2 * seed + 1, the test draw 2 * seed + 2. Default 0. */
  seed?: number;
}

/** A training and a separate test draw of `twoMoons` (different seeds, same noise and scale). */
export function moonsSplit(options: MoonsSplitOptions = {}): { train: ClassificationSet; test: ClassificationSet } {
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, max: 2 ** 30, integer: true });
  const common = { noise: options.noise ?? 0.12, scale: options.scale ?? 1 };
  const tr = twoMoons({ count: options.train ?? 256, seed: 2 * seed + 1, ...common });
  const te = twoMoons({ count: options.test ?? 512, seed: 2 * seed + 2, ...common });
  return {
    train: { points: tr.points, labels: tr.labels, count: tr.count, dim: 2, classes: 2 },
    test: { points: te.points, labels: te.labels, count: te.count, dim: 2, classes: 2 },
  };
}
