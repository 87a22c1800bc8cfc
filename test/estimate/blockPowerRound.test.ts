import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { BLOCK_SIZE, TRUSTED_GAP, blockPowerRound, blockRounds } from '../../src/estimate/blockPowerRound.js';
import { smallSymmetricEigen } from '../../src/estimate/smallSymmetricEigen.js';

describe('smallSymmetricEigen (oracle: reconstruction Q^T diag(values) Q and orthonormality)', () => {
  it('random symmetric 7 x 7 and a diagonal with repeated values', () => {
    let seed = 3;
    const rnd = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
    const k = 7;
    const a = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) { const v = rnd(); a[i * k + j] = v; a[j * k + i] = v; }
    for (const m of [a, Float64Array.from([2, 0, 0, 0, 2, 0, 0, 0, 1])]) {
      const n = Math.round(Math.sqrt(m.length));
      const { values, vectors } = smallSymmetricEigen(m, n);
      for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let rec = 0;
          let dot = 0;
          for (let t = 0; t < n; t++) { rec += vectors[t * n + i]! * values[t]! * vectors[t * n + j]!; dot += vectors[i * n + t]! * vectors[j * n + t]!; }
          expect(Math.abs(rec - m[i * n + j]!)).toBeLessThan(1e-12);
          expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
        }
      }
    }
  });
});

describe('blockPowerRound (oracle: exact SVD)', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('close-gap Gaussian 300 x 200: sigma from below, converges, error estimate covers the error; no leaks', () => {
    const before = tf.memory().numTensors;
    const w = tf.randomNormal([300, 200], 0, 1, 'float32', 7) as tf.Tensor2D;
    const exact = exactSingularValues(w.arraySync())[0]!;
    let block: Float32Array | null = null;
    let last = 0;
    for (let round = 0; round < 40; round++) {
      const r = blockPowerRound(w, block, 1, 0, 1);
      expect(r.block.length).toBe(BLOCK_SIZE * 200);
      expect(r.v.length).toBe(200);
      expect(r.u.length).toBe(300);
      expect(r.sigma).toBeLessThanOrEqual(exact * (1 + 1e-6)); // Rayleigh-Ritz: from below
      expect(r.sigma).toBeGreaterThanOrEqual(last * (1 - 1e-6)); // the restarted Krylov space only improves
      expect((exact - r.sigma) / exact).toBeLessThanOrEqual(Math.max(2 * r.errorEstimate, 1e-6));
      last = r.sigma;
      block = r.block;
    }
    expect(Math.abs(last / exact - 1)).toBeLessThan(1e-4);
    // the pair is consistent: A v = sigma u
    const av = tf.tidy(() => tf.matMul(w, tf.tensor2d(blockPowerRound(w, block, 1, 0, 1).v, [200, 1])).dataSync());
    expect(av.length).toBe(300);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops at the tolerance when the top is spread, reports a flat top as not converged, takes a single start vector', () => {
    // spread top: W = G diag(d) with orthonormalized Gaussian G (singular values d)
    const d = Array.from({ length: 40 }, (_, i) => (i === 0 ? 3 : i === 1 ? 2 : 1.5 / (1 + i / 10)));
    const w = tf.tidy(() => {
      const g = tf.randomNormal([90, 40], 0, 1, 'float32', 8) as tf.Tensor2D;
      const q = tf.linalg.gramSchmidt(tf.transpose(g) as tf.Tensor2D) as tf.Tensor2D; // [40, 90] orthonormal rows
      return tf.mul(tf.transpose(q), tf.tensor1d(d)) as tf.Tensor2D;
    });
    const exact = exactSingularValues(w.arraySync())[0]!;
    const r = blockPowerRound(w, new Float32Array(40).fill(1), 1, 1e-6, 200);
    expect(r.gap).toBeGreaterThanOrEqual(TRUSTED_GAP);
    expect(r.converged).toBe(true);
    expect(r.errorEstimate).toBeLessThanOrEqual(1e-6);
    expect(r.rounds).toBeLessThan(200);
    expect(Math.abs(r.sigma / exact - 1)).toBeLessThan(1e-5);
    // a Gaussian's top singular values are within a few % (flat): stops after minRounds, not trusted
    const flat = tf.randomNormal([120, 80], 0, 1, 'float32', 8) as tf.Tensor2D;
    const f = blockPowerRound(flat, null, 30, 1e-6, 200);
    expect(f.gap).toBeLessThan(TRUSTED_GAP);
    expect(f.converged).toBe(false);
    expect(f.rounds).toBe(30);
    expect(Math.abs(f.sigma / exactSingularValues(flat.arraySync())[0]! - 1)).toBeLessThan(1e-4);
    flat.dispose();
    const thin = tf.randomNormal([2, 50], 0, 1, 'float32', 9) as tf.Tensor2D; // rank 2 < BLOCK_SIZE
    const top = exactSingularValues(thin.arraySync())[0]!;
    const t = blockPowerRound(thin, null, 3, 1e-6, 10);
    expect(t.block.every(Number.isFinite)).toBe(true);
    expect(Math.abs(t.sigma / top - 1)).toBeLessThan(1e-5);
    expect(blockRounds(16)).toBe(Math.ceil(16 / BLOCK_SIZE));
    tf.dispose([w, thin]);
  });
});
