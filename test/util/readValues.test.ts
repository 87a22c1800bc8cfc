import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { readValues } from '../../src/util/readValues.js';

describe('readValues', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`reads the computed tensor as float32 and frees everything (${backend})`, async () => {
      await setBackend(backend);
      const x = tf.tensor1d([1, -2, 3]);
      const before = tf.memory().numTensors;
      const v = readValues(() => tf.mul(tf.add(x, 1), 2));
      expect(tf.memory().numTensors).toBe(before);
      expect(v).toBeInstanceOf(Float32Array);
      expect(Array.from(v)).toEqual([4, -2, 8]);
      const ids = readValues(() => tf.argMax(tf.tensor2d([[1, 5], [7, 2]]), 1));
      expect(ids).toBeInstanceOf(Float32Array);
      expect(Array.from(ids)).toEqual([1, 0]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }
});
