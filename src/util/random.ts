import * as tf from '@tensorflow/tfjs-core';

/** Salt of the streams behind `seededGaussian` and the data generators. */
export const GAUSSIAN_SALT = 0x9e3779b9;
/** Salt of the `seededUniform` stream. */
export const UNIFORM_SALT = 0x85ebca6b;

/**
 * mulberry32: a 32-bit seeded generator, the same on every platform and for every seed
 * (0 included). Returns the next unsigned 32-bit integer each call; `salt` separates streams.
 * lipkit's one source of seeded randomness (tfjs's own seeds treat 0 as "no seed").
 */
export function mulberry32(seed: number, salt = GAUSSIAN_SALT): () => number {
  let state = (seed ^ salt) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Deterministic uniform values in [0, 1) (mulberry32 / 2^32). */
export function seededUniform(length: number, seed: number): Float64Array {
  const next = mulberry32(seed, UNIFORM_SALT);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = next() / 4294967296;
  return out;
}

/** Deterministic standard normal vector (mulberry32 + Box-Muller); tfjs treats seed 0 as "no seed". */
export function seededGaussian(length: number, seed: number): Float32Array {
  const bits = mulberry32(seed, GAUSSIAN_SALT);
  const next = (): number => (bits() + 0.5) / 4294967296;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const a = 2 * Math.PI * next();
    out[i] = r * Math.cos(a);
    if (i + 1 < length) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/**
 * A seeded standard-normal tensor scaled by `std`, the same on every backend and for every
 * seed including 0 (tfjs's own `randomNormal` treats seed 0 as "no seed").
 */
export function seededNormal(shape: number[], seed: number, std = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = seededGaussian(n, seed);
  if (std !== 1) for (let i = 0; i < n; i++) values[i] *= std;
  return tf.tensor(values, shape);
}
