import * as tf from '@tensorflow/tfjs-core';

/**
 * The values of the tensor `f` computes (as float32), with every intermediate freed: `f` runs in a tidy that
 * returns the tensor, which is read and disposed outside it. Never return a typed array from
 * `tf.tidy` instead: tidy walks its result looking for tensors, element by element (measured
 * 50 ms for 100k floats, against 0.4 ms for this).
 */
export function readValues(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  try {
    const values = t.dataSync();
    return values instanceof Float32Array ? values : Float32Array.from(values);
  } finally {
    t.dispose();
  }
}
