import * as tf from '@tensorflow/tfjs-core';
import { seededGaussian } from '../util/random.js';

/**
 * A seeded random matrix [rows, cols] with orthonormal columns (rows >= cols) or rows
 * (rows < cols): a Gaussian matrix orthonormalized by modified Gram-Schmidt, run twice
 * ("twice is enough", Giraud et al. 2005) in float64. The orthogonal initializer of
 * Saxe et al. 2014; tfjs-layers' own one uses chained tensor methods, absent under Node.
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number): tf.Tensor2D {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const g = seededGaussian(m * n, seed);
  const q = Array.from({ length: n }, (_, j) => Float64Array.from({ length: m }, (_, i) => g[i * n + j]));
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[k][i] * q[j][i];
        for (let i = 0; i < m; i++) q[j][i] -= dot * q[k][i];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[j][i] * q[j][i];
      norm = Math.sqrt(norm);
      for (let i = 0; i < m; i++) q[j][i] /= norm;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (rows >= cols) out[i * cols + j] = q[j][i];
      else out[j * cols + i] = q[j][i];
    }
  }
  return tf.tensor2d(out, [rows, cols]);
}
