import { twoMoons } from '../../src/data/twoMoons.js';
import { createRng } from '../../src/data/rng.js';

/** The playground's data sets (all 2-D, two classes, seeded). */
export type DatasetName = 'moons' | 'circles' | 'spirals';

/** Points `[count, 2]` row-major in about [-1.6, 1.6]^2, and labels 0 / 1. */
export interface PlaneData {
  points: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Options: number of points, Gaussian noise (standard deviation per coordinate), seed. */
export interface DataOptions {
  count: number;
  noise: number;
  seed: number;
}

/** Two moons (scikit-learn's make_moons via lipkit's `twoMoons`), centred and scaled by 1.2. */
function moons({ count, noise, seed }: DataOptions): PlaneData {
  const d = twoMoons({ count, noise, seed });
  for (let i = 0; i < d.count; i++) {
    d.points[2 * i] = (d.points[2 * i] - 0.5) * 1.2;
    d.points[2 * i + 1] = (d.points[2 * i + 1] - 0.25) * 1.2;
  }
  return d;
}

/** Two concentric circles (make_circles): radius 1.2 (class 0) and 0.6 (class 1), plus noise. */
function circles({ count, noise, seed }: DataOptions): PlaneData {
  const rng = createRng(seed);
  const points = new Float32Array(2 * count);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const r = label === 0 ? 1.2 : 0.6;
    const t = 2 * Math.PI * rng.uniform();
    points[2 * i] = r * Math.cos(t) + noise * rng.normal();
    points[2 * i + 1] = r * Math.sin(t) + noise * rng.normal();
    labels[i] = label;
  }
  return { points, labels, count };
}

/** Two interleaved spirals (1.5 turns each, radius up to 1.5), plus noise. */
function spirals({ count, noise, seed }: DataOptions): PlaneData {
  const rng = createRng(seed);
  const points = new Float32Array(2 * count);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    const t = 0.1 + 0.9 * rng.uniform();
    const angle = 3 * Math.PI * t + label * Math.PI;
    points[2 * i] = 1.5 * t * Math.cos(angle) + noise * rng.normal();
    points[2 * i + 1] = 1.5 * t * Math.sin(angle) + noise * rng.normal();
    labels[i] = label;
  }
  return { points, labels, count };
}

/** The named data set, deterministic in `seed`. */
export function makeData(name: DatasetName, options: DataOptions): PlaneData {
  if (name === 'circles') return circles(options);
  if (name === 'spirals') return spirals(options);
  return moons(options);
}
