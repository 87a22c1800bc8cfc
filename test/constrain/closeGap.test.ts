import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { spectralNormalize } from '../../src/constrain/SpectralNormalize.js';
import { lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { spectralHardCap } from '../../src/constrain/SpectralHardCap.js';
import { spectralSoftCap } from '../../src/constrain/SpectralSoftCap.js';
import { spectralHammer } from '../../src/constrain/SpectralHammer.js';
import { LipkitError } from '../../src/util/errors.js';
import type { Constraint } from '../../src/constrain/spectralConstraintBase.js';

const top = (w: tf.Tensor): number => exactSingularValues(w.arraySync() as number[][])[0] as number;

type Case = [string, (cap: number) => Constraint & { dispose?: () => void }, (s: number, cap: number) => boolean];
const CASES: Case[] = [
  ['normalize', (cap) => spectralNormalize({ target: cap }), (s, cap) => Math.abs(s / cap - 1) <= 1e-3],
  ['projection', (cap) => lipschitzProjection({ maxNorm: cap }), (s, cap) => s <= cap * (1 + 1e-3)],
  ['hard cap', (cap) => spectralHardCap({ cap }), (s, cap) => s <= cap * (1 + 1e-3)],
  ['normalize certified', (cap) => spectralNormalize({ target: cap, guarantee: 'certified' }), (s, cap) => s <= cap * (1 + 1e-6) && s >= cap * (1 - 1e-3)],
  ['projection certified', (cap) => lipschitzProjection({ maxNorm: cap, guarantee: 'certified' }), (s, cap) => s <= cap * (1 + 1e-6)],
  ['hard cap certified', (cap) => spectralHardCap({ cap, guarantee: 'certified' }), (s, cap) => s <= cap * (1 + 1e-6)],
];

// Gaussian 300x200 and 784x128: the top singular values are within ~1-2 % of each other, where
// one warm-started power step per call used to leave the result 0.7 % and 2.9 % above the cap.
describe.each(['cpu', 'wasm'] as const)('the promise holds from the first call on close-gap Gaussian matrices (%s; oracle: exact SVD)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });
  it.each([[[300, 200], 1], [[784, 128], 2]] as const)('%j', (shape, seed) => {
    const before = tf.memory().numTensors;
    const w = tf.randomNormal(shape as unknown as number[], 0, 1, 'float32', seed);
    const cap = top(w) / 3;
    const bad: string[] = [];
    for (const [name, make, holds] of backend === 'cpu' ? CASES : CASES.slice(0, 2)) {
      const c = make(cap);
      let cur = tf.clone(w);
      for (let i = 0; i < 3; i++) {
        // a random drift between calls, as an optimizer step
        const next = tf.tidy(() => c.apply(tf.add(cur, tf.randomNormal(shape as unknown as number[], 0, 0.02, 'float32', 100 + i))));
        cur.dispose(); cur = next;
        const s = top(cur);
        if (!holds(s, cap)) bad.push(`${name} call ${i + 1}: sigma / cap = ${s / cap}`);
      }
      cur.dispose();
      c.dispose?.();
    }
    w.dispose();
    expect(bad).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});

describe('spectralSoftCap far above its cap (issue 9): finite, never raises the norm, ends within the promise', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  it('N(0, 1) 64x48 with cap 1 and Glorot 300x100 with cap 0.25, 6 calls each', () => {
    const glorot = tf.randomNormal([300, 100], 0, Math.sqrt(2 / (300 + 100)), 'float32', 4);
    for (const [w0, cap] of [[tf.randomNormal([64, 48], 0, 1, 'float32', 3), 1], [glorot, 0.25]] as const) {
      const c = spectralSoftCap({ cap });
      let cur = tf.clone(w0);
      let prev = top(cur);
      for (let i = 0; i < 6; i++) {
        const next = c.apply(cur);
        cur.dispose(); cur = next;
        const values = cur.dataSync();
        expect(values.every(Number.isFinite)).toBe(true);
        const s = top(cur);
        expect(s).toBeLessThanOrEqual(prev * (1 + 1e-5));
        expect(s).toBeLessThanOrEqual(c.promise() * (1 + 1e-3));
        prev = s;
      }
      expect(prev).toBeGreaterThan(0.5 * cap); // capped, not crushed
      tf.dispose([w0, cur]);
    }
  }, 60_000);
});

describe('guarantee options', () => {
  const field = (fn: () => unknown): string => { try { fn(); } catch (e) { return e instanceof LipkitError ? e.argument : `other: ${String(e)}`; } return 'none'; };
  it('bad options name the field', () => {
    for (const make of [
      (o: object) => spectralNormalize({ target: 1, ...o }), (o: object) => lipschitzProjection({ maxNorm: 1, ...o }),
      (o: object) => spectralHardCap({ cap: 1, ...o }), (o: object) => spectralSoftCap({ cap: 1, ...o }), (o: object) => spectralHammer({ cap: 1, ...o }),
    ]) {
      expect(field(() => make({ guarantee: 'exact' }))).toBe('options.guarantee');
      expect(field(() => make({ tolerance: 0 }))).toBe('options.tolerance');
      expect(field(() => make({ tolerance: NaN }))).toBe('options.tolerance');
      expect(field(() => make({ maxIterations: 0.5 }))).toBe('options.maxIterations');
      expect(field(() => make({ checkEvery: 0 }))).toBe('options.checkEvery');
    }
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(field(() => spectralHardCap({ cap: bad }))).toBe('options.cap');
      expect(field(() => spectralSoftCap({ cap: bad }))).toBe('options.cap');
      expect(field(() => spectralHammer({ cap: bad }))).toBe('options.cap');
      expect(field(() => spectralNormalize({ target: bad }))).toBe('options.target');
      expect(field(() => lipschitzProjection({ maxNorm: bad }))).toBe('options.maxNorm');
    }
    expect(field(() => spectralHammer({ cap: 1, faithful: 'yes' as unknown as boolean }))).toBe('options.faithful');
    expect(field(() => spectralHardCap({ cap: 1, faithful: 1 as unknown as boolean }))).toBe('options.faithful');
  });
});
