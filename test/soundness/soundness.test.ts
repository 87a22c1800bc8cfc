import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { setBackend } from '../../src/backend/setBackend.js';
import { FAMILIES, randomModel } from './randomModels.js';
import { checkSoundness, type SoundnessRecord } from './soundnessCheck.js';

/**
 * Soundness property: on random small models from every layer family lipkit supports, the
 * certified upper bound is >= every realized difference quotient found (lipschitzLowerBound's
 * ascent and random pairs), up to the documented float32 allowance. `npm run fuzz` runs the same
 * generator for longer.
 */
describe('soundness property (random models, every layer family)', () => {
  beforeAll(async () => { await setBackend('wasm'); });

  it('upper bound >= every realized quotient on 300 seeded random models', () => {
    const records: SoundnessRecord[] = [];
    const before = tf.memory().numTensors;
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (seed) => {
      const r = checkSoundness(randomModel(seed, FAMILIES[records.length % FAMILIES.length]), seed, { points: 3, steps: 5, iterations: 4 });
      records.push(r);
      expect(r.sound, `${r.description}: lower ${r.lower} > upper ${r.upper} (1 + ${r.allowance})`).toBe(true);
    }), { numRuns: 300, seed: 20261205 });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of FAMILIES) expect(records.filter((r) => r.family === f).length, f).toBeGreaterThanOrEqual(20);
    // The search finds slope on most models (some are locally constant: saturated relu6, dead relu).
    expect(records.filter((r) => r.lower > 0).length).toBeGreaterThan(0.8 * records.length);
  });
});
