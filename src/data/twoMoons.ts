import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';
import { mulberry32, UNIFORM_SALT } from '../util/random.js';

/** Options of `twoMoons`. */
export interface TwoMoonsOptions {
  /** Number of points, split evenly between the two moons (the first gets the odd one). Default 200. */
  count?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.1. */
  noise?: number;
  /** Multiply every coordinate by this factor (after the noise). Default 1. */
  scale?: number;
  /** Seed of the draw. Default 0. */
  seed?: number;
}

/** Points `[count, 2]` row-major and labels 0 / 1. */
export interface TwoMoonsData {
  points: Float32Array;
  labels: Int32Array;
  count: number;
}

/**
 * The two-moons data set as scikit-learn's `make_moons`, shuffled and seeded: moon 0 is
 * (cos t, sin t), moon 1 is (1 - cos t, 1 / 2 - sin t) for t ~ U(0, pi), each coordinate plus
 * N(0, noise^2), then times `scale`. Deterministic in `seed`.
 * Errors: LipkitError naming `options`, `options.count` (integer >= 2), `options.noise` (>= 0),
 * `options.scale` (> 0), `options.seed`.
 */
export function twoMoons(options: TwoMoonsOptions = {}): TwoMoonsData {
  checkOptions('options', options);
  const count = checkNumber('options.count', options.count ?? 200, { min: 2, max: 1e7, integer: true });
  const noise = checkNumber('options.noise', options.noise ?? 0.1, { min: 0 });
  const scale = checkNumber('options.scale', options.scale ?? 1, { min: 0, exclusiveMin: true });
  const seed = checkNumber('options.seed', options.seed ?? 0, { min: 0, max: 2 ** 32 - 1, integer: true });
  if (!Number.isFinite(noise * scale)) throw new LipkitError('options.scale', 'overflows');
  const bits = mulberry32(seed, UNIFORM_SALT ^ 0x2d00);
  const uniform = (): number => (bits() + 0.5) / 4294967296;
  const gauss = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) { const j = Math.floor(uniform() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const points = new Float32Array(2 * count);
  const labels = new Int32Array(count);
  const first = Math.ceil(count / 2);
  for (let k = 0; k < count; k++) {
    const label = k < first ? 0 : 1;
    const t = Math.PI * uniform();
    const x = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    const row = order[k];
    points[2 * row] = (x + noise * gauss()) * scale;
    points[2 * row + 1] = (y + noise * gauss()) * scale;
    labels[row] = label;
  }
  return { points, labels, count };
}
