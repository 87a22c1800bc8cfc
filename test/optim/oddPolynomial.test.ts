import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import {
  HARD_CAP_MAX, HARD_CAP_RANGE, HARD_CAP_STEPS, newtonSchulz, oddPolynomialIteration, oddPolynomialScalar, softCapSteps,
} from '../../src/optim/oddPolynomial.js';

interface Fixture {
  newtonSchulz: { input: number[][]; output: number[][]; singularValues: number[] }[];
  hardCap: { maxOn0to3_6: number; firstExit: number; slopeAt0: number; valueAt1: number };
  softCap: { kappa: number; alpha: number; maxOnRange: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/muon.json', import.meta.url), 'utf8')) as Fixture;

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => { m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? NaN))); }));
  return m;
}

describe('odd polynomial constants (float64, numpy fixture)', () => {
  it('hard cap: the documented range and max agree with the numpy scan', () => {
    expect(fixture.hardCap.maxOn0to3_6).toBeLessThanOrEqual(HARD_CAP_MAX);
    expect(fixture.hardCap.firstExit).toBeGreaterThan(HARD_CAP_RANGE);
    expect(oddPolynomialScalar(HARD_CAP_STEPS, 0.01) / 0.01).toBeCloseTo(fixture.hardCap.slopeAt0, 4);
    expect(oddPolynomialScalar(HARD_CAP_STEPS, 1)).toBeCloseTo(fixture.hardCap.valueAt1, 10);
  });
  it('soft cap steps map kappa to 1 with the reference alpha', () => {
    for (const c of fixture.softCap) expect(oddPolynomialScalar(softCapSteps(c.alpha), c.kappa)).toBeCloseTo(1, 9);
  });
});

describe.each(['cpu', 'wasm'] as const)('odd polynomial iterations on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('newtonSchulz matches the float64 PyTorch reference (tall, wide, square) and lands in [0.68, 1.2]', () => {
    const before = tf.memory().numTensors;
    for (const c of fixture.newtonSchulz) {
      const g = tf.tensor2d(c.input);
      const o = newtonSchulz(g);
      const got = o.arraySync() as number[][];
      expect(maxAbsDiff(got, c.output)).toBeLessThan(2e-4);
      const s = exactSingularValues(got);
      // The quintic iteration does not converge to 1: it oscillates in about [0.68, 1.13] (numpy scan of the
      // scalar map: min 0.6818 for normalized singular values >= 3e-3), not [0.7, 1.2].
      for (const v of s) { expect(v).toBeGreaterThan(0.68); expect(v).toBeLessThan(1.2); }
      tf.dispose([g, o]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('oddPolynomialIteration applies the scalar map to every singular value (exact SVD oracle)', () => {
    const x = tf.randomNormal([9, 5], 0, 0.4, 'float32', 5) as tf.Tensor2D;
    const sIn = exactSingularValues(x.arraySync() as number[][]);
    for (const steps of [HARD_CAP_STEPS, softCapSteps(0.2)]) {
      for (const input of [x, tf.transpose(x) as tf.Tensor2D]) {
        const y = oddPolynomialIteration(input, steps);
        expect(y.shape).toEqual(input.shape);
        const sOut = exactSingularValues(y.arraySync() as number[][]);
        const expected = Array.from(sIn, (s) => Math.abs(oddPolynomialScalar(steps, s))).sort((a, b) => b - a);
        expected.forEach((e, i) => expect(Math.abs((sOut[i] ?? NaN) - e)).toBeLessThan(1e-4));
        y.dispose();
        if (input !== x) input.dispose();
      }
    }
    x.dispose();
  });
});
