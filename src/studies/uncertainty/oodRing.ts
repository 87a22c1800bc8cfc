import { checkNumber } from '../../util/validate.js';
import { mulberry32 } from '../../util/random.js';
import { OOD_RING } from './spec.js';

/**
 * `count` out-of-distribution points [count, 2] (row-major), uniform in angle and in radius
 * U[inner, outer] around `centre` (default `OOD_RING`: radius 2.5 to 3.5 around the two moons'
 * centre (0.5, 0.25), so at least about 0.9 from the moons). Seeded (mulberry32).
 */
export function oodRing(count: number, seed: number, ring = OOD_RING): Float32Array {
  checkNumber('count', count, { min: 1, max: 1e7, integer: true });
  checkNumber('seed', seed, { min: 0, integer: true });
  const next = mulberry32(seed, 0x00d0_0d00);
  const u = (): number => next() / 4294967296;
  const out = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    const t = 2 * Math.PI * u();
    const r = ring.inner + (ring.outer - ring.inner) * u();
    out[2 * i] = ring.centre[0] + r * Math.cos(t);
    out[2 * i + 1] = ring.centre[1] + r * Math.sin(t);
  }
  return out;
}

/** The smallest Euclidean distance from any of `a` to any of `b` (both [n, 2] row-major). */
export function minDistance(a: Float32Array, b: Float32Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) m = Math.min(m, Math.hypot(a[i] - b[j], a[i + 1] - b[j + 1]));
  }
  return m;
}
