import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { sequenceLipschitz } from '../../src/estimate/sequenceLipschitz.js';
import { LipkitError } from '../../src/util/errors.js';
import { randn } from './denseLinalg.js';

/** float64 oracle: max_k ||x[b,k+1] - x[b,k]|| by plain loops. */
function oracle(x: number[][][]): number[] {
  return x.map((seq) => {
    let best = 0;
    for (let k = 0; k + 1 < seq.length; k++) {
      let s = 0;
      for (let f = 0; f < seq[k].length; f++) s += (seq[k + 1][f] - seq[k][f]) ** 2;
      best = Math.max(best, Math.sqrt(s));
    }
    return best;
  });
}

describe.each(['cpu', 'wasm'] as const)('sequenceLipschitz on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('matches a float64 hand computation per sequence and overall', () => {
    const hand = [[[0, 0], [3, 4], [3, 5]], [[1, 1], [1, 1], [-1, 1]]]; // steps 5,1 and 0,2
    const r0 = sequenceLipschitz(tf.tensor3d(hand));
    expect(Array.from(r0.perSequence)).toEqual([5, 2]);
    expect(r0.max).toBe(5);
    const x = Array.from({ length: 4 }, (_, b) => randn(9, 3, 10 + b));
    const t = tf.tensor3d(x);
    const before = tf.memory().numTensors;
    const r = sequenceLipschitz(t);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    const expected = oracle(x);
    for (let b = 0; b < 4; b++) expect(Math.abs(r.perSequence[b] - expected[b]) / expected[b]).toBeLessThan(1e-5);
    expect(r.max).toBe(Math.max(...r.perSequence));
  });

  it('rejects bad input naming x', () => {
    const bad = [tf.zeros([2, 1, 3]), tf.zeros([2, 3]), tf.zeros([1, 2, 2, 1]), tf.zeros([0, 3, 2]), tf.zeros([2, 3, 0]),
      tf.tensor3d([[[1], [NaN]]]), tf.tensor3d([[[1], [Infinity]]])];
    for (const t of bad) {
      try {
        sequenceLipschitz(t as tf.Tensor3D);
        expect.unreachable(`accepted shape ${t.shape}`);
      } catch (e) {
        expect(e).toBeInstanceOf(LipkitError);
        expect((e as LipkitError).argument).toBe('x');
      }
    }
    tf.dispose(bad);
    expect(() => sequenceLipschitz([[[1]]] as unknown as tf.Tensor3D)).toThrow(LipkitError);
  });
});
