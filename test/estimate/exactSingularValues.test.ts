import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { LipkitError } from '../../src/util/errors.js';
import { orthogonal, randn, transpose, withSingularValues } from './denseLinalg.js';

interface Fixture { cases: Record<string, { matrix: number[][]; singularValues: number[] }> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/svd.json', import.meta.url), 'utf8')) as Fixture;

function expectClose(actual: Float64Array, expected: number[], absTol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(absTol);
}

describe('exactSingularValues', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('diagonal: |entries| sorted descending', () => {
    const d = [[3, 0, 0], [0, -7, 0], [0, 0, 0.5], [0, 0, 0]];
    expectClose(exactSingularValues(d), [7, 3, 0.5], 1e-15);
  });

  it('orthogonal (Householder product) and a rotation: all ones', () => {
    expectClose(exactSingularValues(orthogonal(9, 4)), new Array(9).fill(1), 1e-14);
    const t = 0.7;
    expectClose(exactSingularValues([[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]]), [1, 1], 1e-15);
  });

  it('rank-1 u v^T: ||u|| ||v|| then exact zeros', () => {
    const u = [1, -2, 3, 0.5, 4];
    const v = [2, 1, -1, 0.25];
    const s = exactSingularValues(u.map((a) => v.map((b) => a * b)));
    const expected = Math.hypot(...u) * Math.hypot(...v);
    expect(Math.abs(s[0] - expected) / expected).toBeLessThan(1e-14);
    for (let i = 1; i < 4; i++) expect(s[i]).toBeLessThan(1e-14 * expected);
  });

  it('Q1 diag(s) Q2^T recovers s, tall and wide, to float64 accuracy', () => {
    const s = [10, 4, 1, 1e-3, 1e-7, 0];
    const a = withSingularValues(11, 7, s.concat([0]).slice(0, 7), 21);
    expectClose(exactSingularValues(a), s.concat([0]).slice(0, 7), 1e-13 * 10);
    expectClose(exactSingularValues(transpose(a)), s.concat([0]).slice(0, 7), 1e-13 * 10);
  });

  it('matches numpy.linalg.svd on the committed fixture (20x13, wide, rank-deficient, graded)', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      const s = exactSingularValues(c.matrix);
      expectClose(s, c.singularValues, 1e-13 * c.singularValues[0]);
      // Relative accuracy on the larger singular values.
      for (let i = 0; i < s.length; i++) {
        if (c.singularValues[i] > 1e-6 * c.singularValues[0]) {
          expect(Math.abs(s[i] - c.singularValues[i]) / c.singularValues[i], `${name}[${i}]`).toBeLessThan(1e-11);
        }
      }
    }
    expect(Object.keys(fixture.cases)).toContain('random_20x13');
  });

  it('zero matrix gives zeros; tensor input equals array input; no tensor leaks', () => {
    expectClose(exactSingularValues([[0, 0, 0], [0, 0, 0]]), [0, 0], 0);
    const a = randn(6, 4, 3);
    const t = tf.tensor2d(a);
    const before = tf.memory().numTensors;
    const fromTensor = exactSingularValues(t);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
    const fromArray = exactSingularValues(a);
    expectClose(fromTensor, Array.from(fromArray), 1e-5 * fromArray[0]); // tensor is float32
  });

  it('extreme scales neither overflow nor underflow', () => {
    for (const c of [1e150, 1e-150]) {
      const s = exactSingularValues([[3 * c, 0], [0, 4 * c], [0, 0]]);
      expect(s[0] / c).toBeCloseTo(4, 12);
      expect(s[1] / c).toBeCloseTo(3, 12);
    }
  });

  it('rejects bad input with a LipkitError naming matrix', () => {
    const bad: unknown[] = [
      [[1, NaN]], [[1, Infinity]], [], [[]], [[1, 2], [3]], tf.tensor1d([1, 2]), tf.zeros([2, 2, 2]), tf.zeros([0, 3]),
    ];
    for (const b of bad) {
      try {
        exactSingularValues(b as number[][]);
        expect.unreachable(`accepted ${JSON.stringify(b)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(LipkitError);
        expect((e as LipkitError).argument).toBe('matrix');
      }
      if (b instanceof tf.Tensor) b.dispose();
    }
  });
});
