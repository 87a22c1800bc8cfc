import { checkNumber } from '../util/validate.js';
import { GAUSSIAN_SALT, mulberry32 } from '../util/random.js';

/** A seeded pseudo-random source (mulberry32), identical on every platform for the same seed. */
export interface Rng {
  /** Uniform in (0, 1). */
  uniform(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/**
 * A deterministic random source for the data generators: mulberry32 on a 32-bit state
 * (the same mixer as `seededGaussian` in `src/util/random.ts`), so every seed, 0 included,
 * gives its own reproducible stream. `name` is the option that carried the seed (for errors).
 */
export function createRng(seed: number, name = 'options.seed'): Rng {
  checkNumber(name, seed, { integer: true });
  const bits = mulberry32(seed, GAUSSIAN_SALT);
  const uniform = (): number => (bits() + 0.5) / 4294967296;
  return {
    uniform,
    int: (lo, hi) => lo + Math.floor(uniform() * (hi - lo + 1)),
    normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}
