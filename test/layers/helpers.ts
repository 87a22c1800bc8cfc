import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';

/** Saves a model to memory (standard artifacts) and loads it back. */
export async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (saved === undefined) throw new Error('nothing saved');
  // Through JSON, as a file would be.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  return tfl.loadLayersModel(tf.io.fromMemory({ ...saved, modelTopology: topology }));
}

/** Max |a - b| over two tensors' values. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error('length mismatch');
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/**
 * The matrix [inDim, outDim] of a linear (bias-free) map f on inputs of shape `inputShape`,
 * read off by applying f to the basis vectors: the dense-operator oracle.
 */
export function operatorMatrix(f: (x: tf.Tensor) => tf.Tensor, inputShape: number[]): number[][] {
  const d = inputShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const basis = tf.reshape(tf.eye(d), [d, ...inputShape]);
    return tf.reshape(f(basis), [d, -1]).arraySync() as number[][];
  });
}

/** Exact (float64 Jacobi) top singular value of a tensor viewed as [rows, cols]. */
export function exactSigma(w: tf.Tensor, rows?: number): number {
  const r = rows ?? w.shape[0];
  const m = tf.tidy(() => tf.reshape(w, [r, -1]).arraySync() as number[][]);
  return exactSingularValues(m)[0];
}

/** float64 copy of a tensor's values. */
export function f64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}
