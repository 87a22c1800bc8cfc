import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkChoice, checkOptions } from '../regularize/checks.js';
import { highContrast, type HighContrastOptions } from './highContrast.js';

/** Grey-scale images as bytes: `[count, rows, cols]` row-major, with one label each. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Options of `pixelSequences`. */
export interface PixelSequenceOptions {
  /** Use only the first `limit` images. Default: all. */
  limit?: number;
  /** Downsampling factor f (rows and cols divisible by f): 28x28 with f = 2 gives 14x14 = 196 steps. Default 1. */
  downsample?: number;
  /** `'mean'` (default): average each f x f block; `'stride'`: keep its top-left pixel. */
  pool?: 'mean' | 'stride';
  /** `'continuous'` (default): pixel / 255 as float32 `[n, L, 1]`; `'tokens'`: int32 0-255 `[n, L]` for an embedding. */
  encoding?: 'continuous' | 'tokens';
  /** The "-c" variant: raise contrast by r ~ U(0.5, 1) per image (see `highContrast`), before downsampling. Default false. */
  contrast?: false | HighContrastOptions;
}

interface PixelSequenceCommon {
  labels: Int32Array;
  count: number;
  /** Sequence length (rows * cols after downsampling), pixels in row-major (raster) order. */
  length: number;
}
/** Continuous pixel sequences: values in [0, 1], shape `[count, length, 1]`. */
export interface ContinuousPixelSequences extends PixelSequenceCommon {
  encoding: 'continuous';
  values: Float32Array;
  shape: [number, number, 1];
}
/** Tokenized pixel sequences: ids 0-255 (round(255 * value)), shape `[count, length]`. */
export interface TokenPixelSequences extends PixelSequenceCommon {
  encoding: 'tokens';
  tokens: Int32Array;
  shape: [number, number];
  vocabularySize: 256;
}
/** Pixel sequences in either encoding. */
export type PixelSequences = ContinuousPixelSequences | TokenPixelSequences;

/**
 * Images as pixel sequences (sequential / pixel MNIST, the LRA "Image" task layout): each
 * image, optionally contrast-raised ("-c"), then downsampled by `f` (block mean or stride),
 * is read in raster order into a sequence of `(rows/f) * (cols/f)` steps, either continuous
 * (x / 255, float32 `[n, L, 1]`) or tokenized (`round(255 x)`, int32 0-255 `[n, L]`).
 * Deterministic (the contrast draws use `contrast.seed`).
 * Errors: LipkitError naming `set` (inconsistent sizes), `options.limit`, `options.downsample`
 * (not dividing rows and cols, or leaving fewer than 2 steps), `options.pool`,
 * `options.encoding`, `options.contrast`.
 */
export function pixelSequences(set: ImageSet, options: PixelSequenceOptions = {}): PixelSequences {
  checkOptions('options', options);
  if (set === null || typeof set !== 'object' || !(set.images instanceof Uint8Array) || !(set.labels instanceof Uint8Array)) {
    throw new LipkitError('set', 'must be { images: Uint8Array, labels: Uint8Array, count, rows, cols }');
  }
  const { count, rows, cols } = set;
  checkNumber('set.count', count, { min: 1, integer: true });
  checkNumber('set.rows', rows, { min: 1, integer: true });
  checkNumber('set.cols', cols, { min: 1, integer: true });
  if (set.images.length !== count * rows * cols || set.labels.length !== count) {
    throw new LipkitError('set', `sizes disagree: ${set.images.length} pixels and ${set.labels.length} labels for ${count} images of ${rows}x${cols}`);
  }
  const n = checkNumber('options.limit', options.limit ?? count, { min: 1, max: count, integer: true });
  const f = checkNumber('options.downsample', options.downsample ?? 1, { min: 1, integer: true });
  if (rows % f !== 0 || cols % f !== 0) throw new LipkitError('options.downsample', `${f} does not divide the ${rows}x${cols} images`);
  const r2 = rows / f;
  const c2 = cols / f;
  if (r2 * c2 < 2) throw new LipkitError('options.downsample', `${f} leaves sequences of ${r2 * c2} step; need at least 2`);
  const pool = checkChoice('options.pool', options.pool ?? 'mean', ['mean', 'stride'] as const);
  const encoding = checkChoice('options.encoding', options.encoding ?? 'continuous', ['continuous', 'tokens'] as const);
  const contrast = options.contrast ?? false;
  if (contrast !== false && (contrast === null || typeof contrast !== 'object' || Array.isArray(contrast))) {
    throw new LipkitError('options.contrast', 'must be false or an options object of highContrast ({ seed })');
  }

  const pixels = rows * cols;
  let full: Float32Array = new Float32Array(n * pixels);
  for (let i = 0; i < n * pixels; i++) full[i] = set.images[i] / 255;
  if (contrast !== false) full = highContrast(full, pixels, contrast).images;

  const length = r2 * c2;
  const values = new Float32Array(n * length);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < r2; a++) {
      for (let b = 0; b < c2; b++) {
        let v: number;
        if (pool === 'stride') v = full[i * pixels + a * f * cols + b * f];
        else {
          v = 0;
          for (let da = 0; da < f; da++) for (let db = 0; db < f; db++) v += full[i * pixels + (a * f + da) * cols + b * f + db];
          v /= f * f;
        }
        values[i * length + a * c2 + b] = v;
      }
    }
  }
  const labels = Int32Array.from(set.labels.subarray(0, n));
  if (encoding === 'continuous') return { encoding, values, shape: [n, length, 1], labels, count: n, length };
  const tokens = Int32Array.from(values, (v) => Math.round(v * 255));
  return { encoding, tokens, shape: [n, length], labels, count: n, length, vocabularySize: 256 };
}
