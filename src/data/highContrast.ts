import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';
import { createRng } from './rng.js';

/** Options of `highContrast`. */
export interface HighContrastOptions {
  /** Seed of the per-image contrast draws. Default 0. */
  seed?: number;
  /** Lower end of the contrast increase r (0.5 = +50 %). Default 0.5. */
  minIncrease?: number;
  /** Upper end of the contrast increase r (1 = +100 %). Default 1. */
  maxIncrease?: number;
}

/**
 * The "-c" (high-contrast) image variant of "Data Continuity Matters" (Qu et al., ICLR 2023):
 * contrast raised by a random 50-100 % per image. For image i with pixels x in [0, 1] and mean
 * m_i, draw r_i ~ U(minIncrease, maxIncrease) (seeded, one draw per image in order) and set
 *
 *   x' = clip(m_i + (1 + r_i) (x - m_i), 0, 1),
 *
 * i.e. torchvision's `adjust_contrast` / PIL's `ImageEnhance.Contrast` with factor 1 + r_i
 * (blend with the image's mean grey). Deviations from the mean grow by 50-100 % before clipping,
 * so the standard deviation grows unless the image is already binary {0, 1}.
 *
 * `images` is `[count, pixelsPerImage]` row-major in [0, 1]; returns a new array and the draws.
 * Errors: LipkitError naming `images` (size not a multiple, values outside [0, 1] or non-finite),
 * `pixelsPerImage`, `options.minIncrease`, `options.maxIncrease`, `options.seed`.
 */
export function highContrast(images: Float32Array, pixelsPerImage: number, options: HighContrastOptions = {}): { images: Float32Array; increases: Float32Array } {
  checkOptions('options', options);
  const { seed = 0, minIncrease = 0.5, maxIncrease = 1 } = options;
  if (!(images instanceof Float32Array)) throw new LipkitError('images', 'must be a Float32Array of pixel values in [0, 1]');
  checkNumber('pixelsPerImage', pixelsPerImage, { min: 1, integer: true });
  if (images.length === 0 || images.length % pixelsPerImage !== 0) {
    throw new LipkitError('images', `length ${images.length} is not a positive multiple of pixelsPerImage ${pixelsPerImage}`);
  }
  checkNumber('options.minIncrease', minIncrease, { min: 0 });
  checkNumber('options.maxIncrease', maxIncrease, { min: minIncrease });
  const rng = createRng(seed);
  const count = images.length / pixelsPerImage;
  const out = new Float32Array(images.length);
  const increases = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * pixelsPerImage;
    let mean = 0;
    for (let j = 0; j < pixelsPerImage; j++) {
      const v = images[base + j];
      if (!(v >= 0 && v <= 1)) throw new LipkitError('images', `pixel ${base + j} is ${v}, outside [0, 1]`);
      mean += v;
    }
    mean /= pixelsPerImage;
    const r = minIncrease + (maxIncrease - minIncrease) * rng.uniform();
    increases[i] = r;
    const factor = 1 + r;
    for (let j = 0; j < pixelsPerImage; j++) {
      out[base + j] = Math.min(1, Math.max(0, mean + factor * (images[base + j] - mean)));
    }
  }
  return { images: out, increases };
}
