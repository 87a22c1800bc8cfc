import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { seededGaussian } from '../../util/random.js';
import type { Mixture } from './mixtures.js';

/** Mode coverage and sample quality of generated 2-D samples against a mixture. */
export interface ModeQuality {
  /** Modes with at least `minShare` of their fair share (n / modes) of high-quality samples. */
  modesCovered: number;
  /** Modes of the mixture. */
  modes: number;
  /** Share of samples within 3 sd of their nearest mode (Srivastava et al. 2017, VEEGAN's "high-quality samples"). */
  highQuality: number;
}

/**
 * Each sample is assigned to its nearest mode; it is high quality when it lies within 3 sd of
 * it. A mode is covered when it received at least `minShare` (default 0.2) of its fair share
 * n / modes of high-quality samples (VEEGAN counts a mode with any sample within 3 sd; a share
 * keeps a few stray samples from counting as coverage). Samples are [x0, y0, x1, y1, ...].
 */
export function modeQuality(samples: ArrayLike<number>, m: Mixture, minShare = 0.2): ModeQuality {
  const n = samples.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new LipkitError('samples', 'must hold at least one 2-D point ([x0, y0, ...])');
  const k = m.modes.length / 2;
  const counts = new Array<number>(k).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i];
    const y = samples[2 * i + 1];
    let best = Infinity;
    let arg = -1;
    for (let j = 0; j < k; j++) {
      const d = (x - m.modes[2 * j]) ** 2 + (y - m.modes[2 * j + 1]) ** 2;
      if (d < best) { best = d; arg = j; }
    }
    if (arg >= 0 && Math.sqrt(best) <= 3 * m.sd) { good++; counts[arg]++; }
  }
  const need = (minShare * n) / k;
  return { modesCovered: counts.filter((c) => c > 0 && c >= need).length, modes: k, highQuality: good / n };
}

/** W2 between two equal-size 1-D samples: sqrt(mean_i (a_(i) - b_(i))^2) over the sorted values (exact: the monotone coupling is optimal in 1-D). */
export function wasserstein1d(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length || a.length === 0) throw new LipkitError('b', `must have the length of a (${a.length}), got ${b.length}`);
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let s = 0;
  for (let i = 0; i < sa.length; i++) s += (sa[i] - sb[i]) ** 2;
  return Math.sqrt(s / sa.length);
}

/**
 * Sliced 2-Wasserstein distance between two equal-size samples of R^d (rows of `a`, `b`, flat):
 *
 *   SW2(a, b) = sqrt( (1/P) sum_p W2(<a, theta_p>, <b, theta_p>)^2 ),   theta_p uniform on the sphere
 *
 * (Rabin et al. 2011; Bonneel et al. 2015), each 1-D W2 exact by sorting (`wasserstein1d`); the
 * P directions are seeded (normalized Gaussians). An estimate of SW2 of the two distributions
 * from samples (biased upward by sampling noise: compare with two samples of the same law).
 */
export function slicedWasserstein(a: ArrayLike<number>, b: ArrayLike<number>, options: { dim?: number; projections?: number; seed?: number } = {}): number {
  const dim = checkNumber('options.dim', options.dim ?? 2, { min: 1, integer: true });
  const projections = checkNumber('options.projections', options.projections ?? 256, { min: 1, max: 1e6, integer: true });
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, integer: true });
  if (a.length % dim !== 0 || a.length === 0) throw new LipkitError('a', `must hold rows of ${dim} values`);
  if (b.length !== a.length) throw new LipkitError('b', `must have as many values as a (${a.length}), got ${b.length}`);
  const n = a.length / dim;
  const g = seededGaussian(projections * dim, seed);
  const pa = new Float64Array(n);
  const pb = new Float64Array(n);
  let total = 0;
  for (let p = 0; p < projections; p++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += g[p * dim + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) {
      let u = 0;
      let v = 0;
      for (let j = 0; j < dim; j++) { const t = g[p * dim + j] / norm; u += a[i * dim + j] * t; v += b[i * dim + j] * t; }
      pa[i] = u; pb[i] = v;
    }
    total += wasserstein1d(pa, pb) ** 2;
  }
  return Math.sqrt(total / projections);
}
