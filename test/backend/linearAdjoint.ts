import * as tf from '@tensorflow/tfjs-core';

/**
 * Float64 oracle for the gradient of <L(a), dy> w.r.t. a, for a map L linear in a: the dense
 * matrix of L is read off its own forward pass on basis vectors (columns L(e_i), read in float64),
 * and the gradient is A^T dy. Independent of any gradient code.
 */
export function adjointOracle(linear: (a: tf.Tensor) => tf.Tensor, aShape: number[], dy: Float32Array): Float64Array {
  const n = aShape.reduce((p, v) => p * v, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const col = tf.tidy(() => {
      const basis = new Float32Array(n);
      basis[i] = 1;
      return linear(tf.tensor(basis, aShape)).dataSync();
    });
    let s = 0;
    for (let j = 0; j < col.length; j++) s += col[j] * dy[j];
    out[i] = s;
  }
  return out;
}
