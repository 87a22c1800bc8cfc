import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { seededGaussian, seededUniform } from '../../util/random.js';

/** A 2-D Gaussian mixture with equal weights and one isotropic standard deviation. */
export interface Mixture {
  name: string;
  /** Mode centres, [x0, y0, x1, y1, ...]. */
  modes: Float64Array;
  /** Standard deviation of every component. */
  sd: number;
}

/** The GAN study's targets. */
export const MIXTURES = ['ring', 'grid'] as const;
export type MixtureName = (typeof MIXTURES)[number];

/**
 * The two standard 2-D GAN targets (Metz et al. 2017, unrolled GANs; Srivastava et al. 2017,
 * VEEGAN): 'ring', 8 Gaussians on a circle of radius 2; 'grid', 25 Gaussians at
 * {-4, -2, 0, 2, 4}^2. Both with standard deviation 0.05 (wider than the papers' 0.02 for the
 * ring, so short runs can place samples within 3 sd).
 */
export function mixture(name: MixtureName): Mixture {
  if (name === 'ring') {
    const modes = new Float64Array(16);
    for (let k = 0; k < 8; k++) { modes[2 * k] = 2 * Math.cos((2 * Math.PI * k) / 8); modes[2 * k + 1] = 2 * Math.sin((2 * Math.PI * k) / 8); }
    return { name, modes, sd: 0.05 };
  }
  if (name === 'grid') {
    const modes = new Float64Array(50);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) { modes[2 * (5 * i + j)] = 2 * i - 4; modes[2 * (5 * i + j) + 1] = 2 * j - 4; }
    return { name, modes, sd: 0.05 };
  }
  throw new LipkitError('name', `must be one of ${MIXTURES.join(', ')}, got ${String(name)}`);
}

/** n samples of the mixture, [x0, y0, x1, y1, ...] (float32), seeded: a uniform mode per sample plus sd * N(0, I). */
export function sampleMixture(m: Mixture, n: number, seed: number): Float32Array {
  checkNumber('n', n, { min: 1, integer: true });
  const k = m.modes.length / 2;
  const u = seededUniform(n, seed);
  const g = seededGaussian(2 * n, seed + 7777);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = Math.min(k - 1, Math.floor(u[i] * k));
    out[2 * i] = m.modes[2 * c] + m.sd * g[2 * i];
    out[2 * i + 1] = m.modes[2 * c + 1] + m.sd * g[2 * i + 1];
  }
  return out;
}
