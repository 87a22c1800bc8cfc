import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { twoMoons } from '../../data/twoMoons.js';
import { lipschitzBound } from '../../estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../estimate/network/lipschitzLowerBound.js';
import { backendName } from '../../backend/setBackend.js';
import { accuracy, buildFlow, moonTensors, trainFlow } from './trainFlow.js';
import { measureInverse, type InverseMeasurement } from './measureInverse.js';
import type { InvertibleSizes } from './spec.js';
import { readValues } from '../../util/readValues.js';

/** Lipschitz numbers of F (forward) and F^{-1} (inverse): certified, theory, empirical. */
export interface FlowLipschitz {
  /** CERTIFIED: `lipschitzBound` of the blocks-only model. */
  forwardCertified: number;
  /** prod_k (1 + q_k) with the certified q_k (what the block rule composes to). */
  forwardProduct: number;
  /** (1 + c)^K, the coefficient's a-priori bound. */
  forwardTheory: number;
  /** EMPIRICAL lower bound: `lipschitzLowerBound` of F at the test points. */
  forwardLower: number;
  /** CERTIFIED: prod_k 1 / (1 - q_k). */
  inverseCertified: number;
  /** (1 / (1 - c))^K. */
  inverseTheory: number;
  /** EMPIRICAL lower bound: max over test points of 1 / sigma_min(J_F(x)) = ||J_{F^-1}(F(x))||. */
  inverseLower: number;
}

/** One trained i-ResNet (a coefficient at a seed), as written to results.json. */
export interface InvertibleRecord {
  coeff: number;
  seed: number;
  sizes: InvertibleSizes;
  trainAccuracy: number;
  testAccuracy: number;
  loss: (number | null)[];
  /** Certified Lip(g_k) per block (contraction rate of its inverse). */
  q: number[];
  lipschitz: FlowLipschitz;
  inverse: InverseMeasurement[];
  /** Seed-0 showcase only: grid lines and test points mapped by F. */
  warp: { grid: { line: number; t: number; x: number; y: number }[]; points: { x: number; y: number; label: number }[] } | null;
  backend: string;
  seconds: number;
}

/** max over points of 1 / sigma_min of the 2 x 2 Jacobian of F (exact: two backward passes, float64 SVD of 2 x 2). */
export function inverseLipschitzLower(flow: tfl.LayersModel, x: tf.Tensor2D): number {
  const rows = [0, 1].map((j) => readValues(() => tf.grad((z: tf.Tensor) => tf.sum(tf.slice(flow.apply(z) as tf.Tensor, [0, j], [-1, 1])))(x)));
  let best = 0;
  for (let i = 0; i < x.shape[0]; i++) {
    const a = rows[0][2 * i];
    const b = rows[0][2 * i + 1];
    const c = rows[1][2 * i];
    const d = rows[1][2 * i + 1];
    // Singular values of [[a, b], [c, d]]: sigma_min = |det| / sigma_max, sigma_max^2 = (s + sqrt(s^2 - 4 det^2)) / 2.
    const s = a * a + b * b + c * c + d * d;
    const det = a * d - b * c;
    const smax = Math.sqrt((s + Math.sqrt(Math.max(0, s * s - 4 * det * det))) / 2);
    const smin = Math.abs(det) / smax;
    best = Math.max(best, smin > 0 ? 1 / smin : Number.POSITIVE_INFINITY);
  }
  return best;
}

function warpOf(flow: tfl.LayersModel, test: tf.Tensor2D, labels: Int32Array): NonNullable<InvertibleRecord['warp']> {
  const lines = 11;
  const per = 41;
  const coords: number[] = [];
  const meta: { line: number; t: number }[] = [];
  for (let l = 0; l < lines; l++) {
    for (let p = 0; p < per; p++) {
      const t = p / (per - 1);
      const u = l / (lines - 1);
      coords.push(-1.5 + 4 * t, -1 + 2.5 * u); // horizontal line l
      meta.push({ line: l, t });
      coords.push(-1.5 + 4 * u, -1 + 2.5 * t); // vertical line l
      meta.push({ line: lines + l, t });
    }
  }
  const mapped = readValues(() => flow.apply(tf.tensor2d(coords, [coords.length / 2, 2])) as tf.Tensor);
  const grid = meta.map((m, i) => ({ ...m, x: mapped[2 * i], y: mapped[2 * i + 1] })).sort((a, b) => a.line - b.line || a.t - b.t);
  const z = readValues(() => flow.apply(test) as tf.Tensor);
  const points = Array.from(labels, (label, i) => ({ x: z[2 * i], y: z[2 * i + 1], label }));
  return { grid, points };
}

/**
 * Trains one i-ResNet classifier on two moons (`sizes.blocks` blocks of coefficient `coeff`,
 * Dense head), then measures on held-out points: accuracy, the certified and empirical Lipschitz
 * constants of F and F^{-1}, and the reconstruction error of the fixed-point inverse for each
 * iteration count against the Banach bound. Disposes everything it creates.
 */
export function runInvertible(coeff: number, seed: number, sizes: InvertibleSizes, iterationCounts: readonly number[], withWarp = false): InvertibleRecord {
  const start = performance.now();
  const train = moonTensors(twoMoons({ count: sizes.train, noise: sizes.noise, seed: 2 * seed }));
  const test = moonTensors(twoMoons({ count: sizes.test, noise: sizes.noise, seed: 2 * seed + 1 }));
  const models = buildFlow(coeff, sizes, seed);
  try {
    const loss = trainFlow(models, train.x, train.y, sizes);
    const { q, results } = measureInverse(models.blocks, test.x, iterationCounts);
    const K = sizes.blocks;
    const lipschitz: FlowLipschitz = {
      forwardCertified: lipschitzBound(models.flow, { method: 'product' }).upperBound,
      forwardProduct: q.reduce((p, v) => p * (1 + v), 1),
      forwardTheory: (1 + coeff) ** K,
      forwardLower: lipschitzLowerBound(models.flow, test.x, { seed }).lowerBound,
      inverseCertified: q.reduce((p, v) => p / (1 - v), 1),
      inverseTheory: (1 / (1 - coeff)) ** K,
      inverseLower: inverseLipschitzLower(models.flow, test.x),
    };
    return {
      coeff, seed, sizes: { ...sizes },
      trainAccuracy: accuracy(models.classifier, train.x, train.labels),
      testAccuracy: accuracy(models.classifier, test.x, test.labels),
      loss, q, lipschitz, inverse: results,
      warp: withWarp ? warpOf(models.flow, test.x, test.labels) : null,
      backend: backendName(),
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    models.classifier.dispose();
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
}
