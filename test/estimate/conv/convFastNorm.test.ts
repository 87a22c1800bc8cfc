import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../../src/backend/setBackend.js';
import * as tf from '@tensorflow/tfjs-core';
import { convGeometryOf } from '../../../src/estimate/conv/convGeometry.js';
import { convFastNorm } from '../../../src/estimate/conv/convFastNorm.js';
import { conv1x1Norm, isPointwise } from '../../../src/estimate/conv/conv1x1Norm.js';
import { depthwiseMultiplier, depthwiseNorm } from '../../../src/estimate/conv/depthwiseNorm.js';
import { convGramScan } from '../../../src/estimate/conv/convGramScan.js';
import { convSpectralNorm } from '../../../src/estimate/conv/convSpectralNorm.js';
import { denseConvNorm, expandDepthwise, rand, type OracleCase } from './denseConvOracle.js';

const TIGHT = 1.001;

beforeAll(async () => { await setBackend('cpu'); });

function geometry(c: OracleCase) {
  return convGeometryOf(Float64Array.from(c.kernel), c.kshape, c.inputShape, { strides: c.strides, padding: c.padding, dilation: c.dilation });
}

/** The route the case must take, checked so that a test cannot silently exercise another path. */
function expectRoute(c: OracleCase, route: 'pointwise' | 'depthwise' | 'gram'): void {
  const g = geometry(c);
  expect(isPointwise(g)).toBe(route === 'pointwise');
  if (route !== 'pointwise') expect(depthwiseMultiplier(g) !== null).toBe(route === 'depthwise');
}

/** Soundness against the dense zero-padded (or circular) operator; tightness where exact is known. */
function check(c: OracleCase, route: 'pointwise' | 'depthwise' | 'gram'): { bound: number; exact: number } {
  expectRoute(c, route);
  const exact = denseConvNorm(c);
  const r = convFastNorm(geometry(c));
  expect(r.upperBound).toBeGreaterThanOrEqual(exact);
  // The exact norm is known to the path for 1x1 kernels (any padding) and circular padding.
  if (route === 'pointwise' || (c.padding === 'circular' && c.inputShape.slice(0, -1).every((n, i) => n % c.strides[i] === 0))) {
    expect(r.upperBound).toBeLessThanOrEqual(exact * TIGHT);
  }
  return { bound: r.upperBound, exact };
}

/** The circular-grid value of the older DFT route (same grid): the fast paths must agree with it to the slack. */
function expectMatchesDftRoute(c: OracleCase, bound: number): void {
  const k = tf.tensor(c.kernel, c.kshape);
  try {
    const old = convSpectralNorm(k, c.inputShape, { strides: c.strides, padding: c.padding, dilation: c.dilation, iterations: 30 });
    // The old route may also use a dense bound for tiny inputs (tighter than the grid); compare to its DFT grid value only when it reports one.
    const m = /DFT ([0-9.e+-]+), dense/.exec(old.method);
    const dft = m ? Number(m[1]) : old.upperBound;
    expect(bound).toBeLessThanOrEqual(dft * TIGHT);
    expect(dft).toBeLessThanOrEqual(bound * TIGHT);
  } finally {
    k.dispose();
  }
}

describe('conv1x1Norm: a 1x1 convolution has the norm of its channel matrix', () => {
  for (const [stride, padding, n] of [[1, 'same', 5], [2, 'valid', 7], [3, 'same', 4], [1, 'circular', 6]] as const) {
    it(`stride ${stride}, ${padding}, ${n}x${n + 1}: exact vs the dense operator`, () => {
      const c: OracleCase = { kernel: rand(3 * 4, 11 + stride), kshape: [1, 1, 3, 4], inputShape: [n, n + 1, 3], strides: [stride, stride], dilation: [2, 2], padding };
      const { bound, exact } = check(c, 'pointwise');
      expect(bound).toBeLessThanOrEqual(exact * TIGHT);
    });
  }
  it('conv1d with a 1-tap kernel and a 40x70 channel matrix (trace-power route of spectralNormUpperBound)', () => {
    const c: OracleCase = { kernel: rand(40 * 70, 5), kshape: [1, 40, 70], inputShape: [3, 40], strides: [2], dilation: [1], padding: 'same' };
    check(c, 'pointwise');
    expect(conv1x1Norm(geometry(c)).method).toMatch(/40x70 channel matrix/);
  });
});

describe('depthwiseNorm: max over channels of scalar DFT maxima', () => {
  const cases: [string, number[], number[], number[], 'same' | 'valid' | 'circular', number][] = [
    ['3x3 same stride 1', [3, 3], [7, 6], [1, 1], 'same', 1],
    ['3x3 same stride 2, odd size', [3, 3], [7, 9], [2, 2], 'same', 1],
    ['3x3 valid stride 2', [3, 3], [8, 7], [2, 2], 'valid', 1],
    ['5x5 circular stride 1 (exact)', [5, 5], [6, 6], [1, 1], 'circular', 1],
    ['3x3 circular stride 2 (exact)', [3, 3], [6, 8], [2, 2], 'circular', 1],
    ['2x3 same, multiplier 2', [2, 3], [5, 6], [1, 2], 'same', 2],
    ['3x3 circular, multiplier 2 (exact)', [3, 3], [6, 6], [1, 1], 'circular', 2],
  ];
  for (const [name, [kh, kw], [h, w], strides, padding, mult] of cases) {
    it(`${name}: sound vs the dense operator, agrees with the DFT route`, () => {
      const cin = 4;
      const depth = rand(kh * kw * cin * mult, 31 + kh * 7 + h);
      const c: OracleCase = { kernel: expandDepthwise(depth, kh, kw, cin, mult), kshape: [kh, kw, cin, cin * mult], inputShape: [h, w, cin], strides, dilation: [1, 1], padding };
      expect(depthwiseMultiplier(geometry(c))).toBe(mult);
      const { bound } = check(c, 'depthwise');
      expectMatchesDftRoute(c, bound);
    });
  }
  it('dilation 2 (what the layer would compute if tfjs applied it): sound', () => {
    const depth = rand(9 * 3, 77);
    const c: OracleCase = { kernel: expandDepthwise(depth, 3, 3, 3, 1), kshape: [3, 3, 3, 3], inputShape: [9, 8, 3], strides: [1, 1], dilation: [2, 2], padding: 'same' };
    check(c, 'depthwise');
  });
  it('one channel with a much larger kernel dominates: the max over channels, not a mix', () => {
    const depth = rand(9 * 3, 5).map((v, i) => (i % 3 === 1 ? 10 * v : v));
    const c: OracleCase = { kernel: expandDepthwise(depth, 3, 3, 3, 1), kshape: [3, 3, 3, 3], inputShape: [6, 6, 3], strides: [1, 1], dilation: [1, 1], padding: 'circular' };
    const r = depthwiseNorm(geometry(c), 1);
    const alone = expandDepthwise(depth.map((v, i) => (i % 3 === 1 ? v : 0)), 3, 3, 3, 1);
    const exactOne = denseConvNorm({ ...c, kernel: alone });
    expect(r.exact).not.toBeNull();
    expect(Math.abs((r.exact as number) - exactOne) / exactOne).toBeLessThan(1e-9);
  });
});

describe('convGramScan: Gram iteration on the DFT blocks', () => {
  const cases: [string, number[], number[], number[], number[], 'same' | 'valid' | 'circular'][] = [
    ['3x3 3->5 same stride 1', [3, 3, 3, 5], [7, 6, 3], [1, 1], [1, 1], 'same'],
    ['3x3 3->5 same stride 2, odd sizes', [3, 3, 3, 5], [7, 9, 3], [2, 2], [1, 1], 'same'],
    ['3x3 4->3 valid stride 2', [3, 3, 4, 3], [9, 8, 4], [2, 2], [1, 1], 'valid'],
    ['3x3 2->4 same dilation 2', [3, 3, 2, 4], [8, 7, 2], [1, 1], [2, 2], 'same'],
    ['1x3 4->4 same (identical blocks along the height)', [1, 3, 4, 4], [6, 7, 4], [1, 1], [1, 1], 'same'],
    ['3x3 3->6 circular (exact)', [3, 3, 3, 6], [6, 6, 3], [1, 1], [1, 1], 'circular'],
    ['3x3 4->2 circular stride 2 (exact)', [3, 3, 4, 2], [6, 8, 4], [2, 2], [1, 1], 'circular'],
    ['4x4 3->3 same, even kernel, stride 3', [4, 4, 3, 3], [7, 8, 3], [3, 3], [1, 1], 'same'],
  ];
  for (const [name, kshape, inputShape, strides, dilation, padding] of cases) {
    it(`${name}: sound vs the dense operator, agrees with the DFT route`, () => {
      const c: OracleCase = { kernel: rand(kshape.reduce((a, b) => a * b, 1), kshape.join('').length * 13 + inputShape[0]), kshape, inputShape, strides, dilation, padding };
      const { bound } = check(c, 'gram');
      expectMatchesDftRoute(c, bound);
    });
  }
  it('conv1d: k = 5, 3->4, same stride 2', () => {
    const c: OracleCase = { kernel: rand(5 * 3 * 4, 3), kshape: [5, 3, 4], inputShape: [11, 3], strides: [2], dilation: [1], padding: 'same' };
    check(c, 'gram');
  });
  it('dedupes identical blocks: a 1x3 kernel on 6x7 visits one height frequency', () => {
    const c: OracleCase = { kernel: rand(12 * 4, 9), kshape: [1, 3, 4, 4], inputShape: [6, 7, 4], strides: [1, 1], dilation: [1, 1], padding: 'same' };
    const r = convGramScan(geometry(c));
    const m = /: (\d+) distinct of (\d+) frequencies/.exec(r.method);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThanOrEqual(Math.ceil((Number(m?.[2]) / 6 + 1) / 2) + 1);
  });
  it('a merged conv-batchnorm kernel (scaled output channels) goes through the same path', () => {
    const base = rand(3 * 3 * 3 * 4, 21);
    const scale = [0.5, 2, -1.5, 3];
    const c: OracleCase = { kernel: base.map((v, i) => v * scale[i % 4]), kshape: [3, 3, 3, 4], inputShape: [6, 6, 3], strides: [1, 1], dilation: [1, 1], padding: 'circular' };
    check(c, 'gram');
  });
});

describe('hermitianBelow: Cholesky certificate of lambda_max(G) <= t', () => {
  it('accepts t just above lambda_max and refuses t just below (random complex Gram matrices)', async () => {
    const { hermitianBelow } = await import('../../../src/estimate/conv/hermitianBelow.js');
    const { blockGram } = await import('../../../src/estimate/conv/gramIteration.js');
    const { exactSingularValues } = await import('../../../src/estimate/exactSingularValues.js');
    for (const [p, q, seed] of [[5, 9, 1], [12, 7, 2], [30, 30, 3]]) {
      const re = Float64Array.from(rand(p * q, seed));
      const im = Float64Array.from(rand(p * q, seed + 100));
      const g = blockGram(re, im, p, q);
      if (!g) throw new Error('zero');
      // Oracle: sigma_1 of the real 2p x 2q embedding [[Re, -Im], [Im, Re]] of X.
      const emb: number[][] = [];
      for (let i = 0; i < 2 * p; i++) {
        const row: number[] = [];
        for (let j = 0; j < 2 * q; j++) {
          const a = i % p, b = j % q;
          const r = re[a * q + b], c = im[a * q + b];
          row.push(i < p ? (j < q ? r : -c) : (j < q ? c : r));
        }
        emb.push(row);
      }
      const lambda = exactSingularValues(emb)[0] ** 2;
      expect(hermitianBelow(g.re, g.im, g.n, lambda * (1 + 1e-6))).toBe(true);
      expect(hermitianBelow(g.re, g.im, g.n, lambda * (1 - 1e-6))).toBe(false);
    }
  });
  it('the scan dismisses most blocks of a wide convolution by Cholesky, and stays sound and tight', () => {
    const c: OracleCase = { kernel: rand(3 * 3 * 6 * 6, 42), kshape: [3, 3, 6, 6], inputShape: [8, 8, 6], strides: [1, 1], dilation: [1, 1], padding: 'circular' };
    const r = convGramScan(geometry(c));
    const m = /(\d+) certified below the running maximum by a Cholesky/.exec(r.method);
    expect(Number(m?.[1])).toBeGreaterThan(0);
    check(c, 'gram');
  });
});
