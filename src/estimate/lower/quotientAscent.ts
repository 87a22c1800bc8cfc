import * as tf from '@tensorflow/tfjs-core';
import { readValues } from '../../util/readValues.js';
import type { ModelFunction } from './modelFunction.js';
import { normalizeRows } from './jacobianDirections.js';
import { realizedQuotients, type Quotients } from './realizedQuotients.js';

/**
 * Gradient ascent on pairs (x, x + delta), ||delta|| fixed to a radius r per pair, maximizing
 * ||f(x + delta) - f(x)||^2 / ||delta||^2 over both x and delta (first order only, so it also moves
 * ReLU networks, whose Jacobian is piecewise constant). The gradients only choose the moves: every
 * value reported to `onQuotients` is a realized quotient of the float32 forward pass (see
 * `realizedQuotients`). Returns the steps done (fewer when `stop()` says so).
 */
export function quotientAscent(
  f: ModelFunction, x0: Float32Array, directions: Float32Array, radius: Float64Array,
  { steps, stepSize, seed, stop, onQuotients, onStep }: {
    steps: number; stepSize: number; seed: number; stop: () => boolean;
    onQuotients: (q: Quotients, xs: Float32Array, ys: Float32Array) => void; onStep: (done: number) => void;
  },
): number {
  const d = f.d;
  const k = x0.length / d;
  const x = Float32Array.from(x0);
  const delta = Float32Array.from(directions);
  normalizeRows(delta, d, seed);
  scaleRows(delta, d, radius);
  const batch = Math.max(1, Math.floor(f.chunk / 2));
  let done = 0;
  for (let s = 0; s < steps; s++) {
    const gx = new Float32Array(k * d);
    const gd = new Float32Array(k * d);
    for (let start = 0; start < k; start += batch) {
      const b = Math.min(batch, k - start);
      const sub = (a: Float32Array): Float32Array => a.subarray(start * d, (start + b) * d);
      const both = readValues(() => {
        const xt = tf.tensor2d(sub(x), [b, d]);
        const dt = tf.tensor2d(sub(delta), [b, d]);
        const g = tf.grads((xx: tf.Tensor, dd: tf.Tensor) => {
          const out = f.apply(tf.concat([xx, tf.add(xx, dd)], 0) as tf.Tensor2D);
          const diff = tf.sub(tf.slice(out, [b, 0], [b, -1]), tf.slice(out, [0, 0], [b, -1]));
          return tf.sum(tf.div(tf.sum(tf.square(diff), 1), tf.sum(tf.square(dd), 1)));
        })([xt, dt]);
        return tf.concat([g[0], g[1]], 0);
      });
      gx.set(both.subarray(0, b * d), start * d);
      gd.set(both.subarray(b * d), start * d);
    }
    normalizeRows(gx, d, seed + 101 + s);
    normalizeRows(gd, d, seed + 202 + s);
    for (let e = 0; e < k; e++) {
      const r = radius[e];
      for (let j = e * d; j < (e + 1) * d; j++) {
        x[j] += stepSize * r * gx[j];
        delta[j] += stepSize * r * gd[j];
      }
    }
    normalizeRows(delta, d, seed + 303 + s);
    scaleRows(delta, d, radius);
    const ys = new Float32Array(k * d);
    for (let j = 0; j < ys.length; j++) ys[j] = x[j] + delta[j];
    onQuotients(realizedQuotients(f, x, ys), x, ys);
    done++;
    onStep(done);
    if (stop()) break;
  }
  return done;
}

function scaleRows(v: Float32Array, d: number, r: Float64Array): void {
  for (let e = 0; e < r.length; e++) for (let j = e * d; j < (e + 1) * d; j++) v[j] *= r[e];
}
