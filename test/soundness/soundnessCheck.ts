import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../src/estimate/network/lipschitzLowerBound.js';
import { float32Allowance } from '../../src/estimate/lower/float32Allowance.js';
import { seededGaussian, seededNormal } from '../../src/util/random.js';
import type { RandomModel } from './randomModels.js';

/** One model's soundness check. */
export interface SoundnessRecord {
  seed: number;
  family: string;
  description: string;
  upper: number;
  /** Largest realized quotient: lipschitzLowerBound's search and random pairs. */
  lower: number;
  /** lower / upper. */
  ratio: number;
  allowance: number;
  /** lower <= upper (1 + allowance). */
  sound: boolean;
}

/**
 * Checks `upper >= every realized difference quotient` on a random model: the certified
 * `lipschitzBound` against `lipschitzLowerBound`'s ascent (from `points` random inputs) and against
 * random pairs at several distances, with the documented float32 allowance. Disposes the model.
 */
export function checkSoundness(rm: RandomModel, seed: number, { points = 4, steps = 8, iterations = 6 } = {}): SoundnessRecord {
  const { model, inputShape } = rm;
  try {
    const bound = lipschitzBound(model);
    const x = seededNormal([points, ...inputShape], seed);
    let lower = 0;
    let relativeStep = 1;
    let outputRatio = 1;
    try {
      const low = lipschitzLowerBound(model, x, { steps, iterations, budgetSeconds: 30 });
      lower = low.lowerBound;
      relativeStep = low.best?.relativeStep ?? 1;
      outputRatio = low.best?.outputRatio ?? 1;
      const pairs = randomPairQuotient(model, inputShape, seed);
      if (pairs.quotient > lower) ({ quotient: lower, relativeStep, outputRatio } = pairs);
    } finally {
      x.dispose();
    }
    const allowance = float32Allowance({ depth: bound.layers.length, productRatio: bound.unmergedBound / bound.upperBound, relativeStep, outputRatio });
    return {
      seed, family: rm.family, description: rm.description.join(', '), upper: bound.upperBound, lower,
      ratio: lower / bound.upperBound, allowance, sound: lower <= bound.upperBound * (1 + allowance),
    };
  } finally {
    disposeAll(model);
  }
}

/** Disposes a model and the models nested in it (tfjs-layers leaves a nested model's weights alive). */
function disposeAll(model: RandomModel['model']): void {
  const nested = model.layers.filter((l): l is RandomModel['model'] => l instanceof tfl.LayersModel);
  model.dispose();
  for (const m of nested) {
    try { m.dispose(); } catch { /* already disposed */ }
  }
}

/**
 * Max realized quotient over random pairs (x, x + t v), t relative to ||x|| in {0.5, 0.1, 0.02}, norms
 * in float64; pairs whose output difference is below 1e-3 of the outputs are skipped, as lipschitzLowerBound does.
 */
function randomPairQuotient(model: RandomModel['model'], shape: number[], seed: number): { quotient: number; relativeStep: number; outputRatio: number } {
  const n = 16;
  const d = shape.reduce((a, b) => a * b, 1);
  let best = { quotient: 0, relativeStep: 1, outputRatio: 1 };
  for (const [i, t] of [0.5, 0.1, 0.02].entries()) {
    const x = seededGaussian(n * d, seed + 17 * (i + 1));
    const v = seededGaussian(n * d, seed + 31 * (i + 1));
    const y = new Float32Array(n * d);
    for (let e = 0; e < n; e++) {
      let nx = 0; let nv = 0;
      for (let j = e * d; j < (e + 1) * d; j++) { nx += x[j] * x[j]; nv += v[j] * v[j]; }
      const s = (t * Math.sqrt(nx)) / Math.sqrt(nv);
      for (let j = e * d; j < (e + 1) * d; j++) y[j] = x[j] + s * v[j];
    }
    const [fx, fy] = tf.tidy(() => [x, y].map((a) => (tf.reshape(model.predict(tf.tensor(a, [n, ...shape])) as tf.Tensor, [n, -1]).dataSync() as Float32Array)));
    const m = fx.length / n;
    for (let e = 0; e < n; e++) {
      let df = 0; let dx = 0; let nx = 0; let nfx = 0; let nfy = 0;
      for (let j = 0; j < m; j++) { df += (fy[e * m + j] - fx[e * m + j]) ** 2; nfx += fx[e * m + j] ** 2; nfy += fy[e * m + j] ** 2; }
      for (let j = e * d; j < (e + 1) * d; j++) { dx += (y[j] - x[j]) ** 2; nx += x[j] * x[j]; }
      const outputRatio = (Math.sqrt(nfx) + Math.sqrt(nfy)) / Math.sqrt(df);
      if (!(outputRatio <= 1e3)) continue;
      const q = Math.sqrt(df) / Math.sqrt(dx);
      if (q > best.quotient) best = { quotient: q, relativeStep: Math.sqrt(dx / nx), outputRatio };
    }
  }
  return best;
}
