import * as tf from '@tensorflow/tfjs-core';

/** Deterministic standard normal vector (mulberry32 + Box-Muller); tfjs treats seed 0 as "no seed". */
export function seededGaussian(length: number, seed: number): Float32Array {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
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
