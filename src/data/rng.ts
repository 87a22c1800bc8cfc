import { checkNumber } from '../util/validate.js';

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
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return {
    uniform,
    int: (lo, hi) => lo + Math.floor(uniform() * (hi - lo + 1)),
    normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}
