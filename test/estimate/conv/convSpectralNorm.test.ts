import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { setBackend } from '../../../src/backend/setBackend.js';
import { convSpectralNorm, type ConvPadding } from '../../../src/estimate/conv/convSpectralNorm.js';
import { convGeometry } from '../../../src/estimate/conv/convGeometry.js';
import { convDenseMatrix, convDenseUpperBound, denseRouteApplies } from '../../../src/estimate/conv/convDenseOperator.js';
import { LipkitError } from '../../../src/util/errors.js';
import { denseConvNorm, rand } from './denseConvOracle.js';

interface FixtureCase {
  name: string; kernelShape: number[]; kernel: number[]; inputShape: number[];
  strides: number[]; dilation: number[]; padding: ConvPadding;
  operatorNorm: number; secondSingularValue: number; reshapedNorm: number;
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/conv_fixture.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

/** The dense float64 oracle of denseConvOracle.ts, with this file's positional arguments. */
function denseOperatorNorm(kernel: number[], kshape: number[], inputShape: number[], strides: number[], dilation: number[], padding: ConvPadding): number {
  return denseConvNorm({ kernel, kshape, inputShape, strides, dilation, padding });
}

function ratioSummary(ratios: number[]): string {
  const s = ratios.slice().sort((a, b) => a - b);
  return `n=${s.length} min=${s[0].toFixed(4)} median=${s[Math.floor(s.length / 2)].toFixed(4)} max=${s[s.length - 1].toFixed(4)}`;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`convSpectralNorm on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });

    it('matches the PyTorch dense-operator fixture: bound >= norm, exact = norm, sigma converges from below, reshaped norm', () => {
      const ratios: number[] = [];
      for (const c of fixture.cases) {
        const kernel = tf.tensor(c.kernel, c.kernelShape);
        const before = tf.memory().numTensors;
        const r = convSpectralNorm(kernel, c.inputShape, {
          strides: c.strides, padding: c.padding, dilation: c.dilation, iterations: 1500, tolerance: 1e-8,
        });
        expect(tf.memory().numTensors, c.name).toBe(before);
        kernel.dispose();
        const norm = c.operatorNorm;
        expect(r.upperBound, c.name).toBeGreaterThanOrEqual(norm * (1 - 1e-12));
        expect(r.upperBound, c.name).toBeLessThan(norm * 2);
        ratios.push(r.upperBound / norm);
        expect(r.sigma, c.name).toBeLessThanOrEqual(norm * (1 + 1e-5));
        expect(Math.abs(r.sigma - norm), c.name).toBeLessThan(1e-3 * norm);
        const divisible = c.inputShape.slice(0, -1).every((n, i) => n % c.strides[i] === 0);
        if (c.padding === 'circular' && divisible) {
          expect(r.exact, c.name).not.toBeNull();
          expect(Math.abs((r.exact as number) - norm), c.name).toBeLessThan(1e-9 * norm);
          expect(r.upperBound, c.name).toBeLessThanOrEqual(norm * (1 + 1.01e-3));
        } else {
          expect(r.exact, c.name).toBeNull();
        }
        expect(Math.abs(r.reshapedNorm - c.reshapedNorm), c.name).toBeLessThan(1e-9 * c.reshapedNorm);
        const outDim = r.u.length;
        expect(r.v.length, c.name).toBe(c.inputShape.reduce((a, b) => a * b, 1));
        expect(outDim, c.name).toBeGreaterThan(0);
      }
      console.log(`[convSpectralNorm ${backend}] fixture upperBound / operator norm: ${ratioSummary(ratios)}`);
    });
  });
}

describe('convSpectralNorm against the dense float64 oracle (cpu)', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('exhaustive small conv1d and conv2d cases: every padding, stride and dilation; bound >= oracle >= sigma', () => {
    const ratios: Record<ConvPadding, number[]> = { same: [], valid: [], circular: [] };
    let seed = 11;
    const shapes: { kshape: number[]; input: number[] }[] = [];
    for (const k of [1, 2, 3]) for (const n of [3, 4, 5]) shapes.push({ kshape: [k, 2, 3], input: [n, 2] });
    for (const [kh, kw] of [[1, 2], [3, 3], [2, 3]]) for (const [h, w] of [[3, 4], [5, 5]]) shapes.push({ kshape: [kh, kw, 2, 2], input: [h, w, 2] });
    for (const { kshape, input } of shapes) {
      const rank = kshape.length - 2;
      const strideSet = rank === 1 ? [[1], [2], [3]] : [[1, 1], [2, 1], [2, 3]];
      const dilationSet = rank === 1 ? [[1], [2]] : [[1, 1], [2, 1]];
      for (const padding of ['same', 'valid', 'circular'] as const) for (const strides of strideSet) for (const dilation of dilationSet) {
        const values = rand(kshape.reduce((a, b) => a * b, 1), seed++);
        const keff = kshape.slice(0, rank).map((k, i) => (k - 1) * dilation[i] + 1);
        if (padding === 'valid' && keff.some((k, i) => k > input[i])) continue;
        const oracle = denseOperatorNorm(values, kshape, input, strides, dilation, padding);
        const kernel = tf.tensor(values, kshape);
        const r = convSpectralNorm(kernel, input, { strides, padding, dilation, iterations: 300, tolerance: 1e-7 });
        kernel.dispose();
        const label = `${padding} k${kshape} in${input} s${strides} d${dilation}`;
        expect(r.upperBound, label).toBeGreaterThanOrEqual(oracle * (1 - 1e-12));
        expect(r.sigma, label).toBeLessThanOrEqual(oracle * (1 + 1e-5));
        if (r.exact !== null) expect(Math.abs(r.exact - oracle), label).toBeLessThan(1e-9 * oracle);
        if (oracle > 0) ratios[padding].push(r.upperBound / oracle);
      }
    }
    for (const p of ['same', 'valid', 'circular'] as const) {
      console.log(`[convSpectralNorm exhaustive] ${p}: upperBound / exact norm ${ratioSummary(ratios[p])}`);
    }
    expect(ratios.same.length + ratios.valid.length + ratios.circular.length).toBeGreaterThan(200);
  });

  it('random kernels and geometries (fast-check): bound >= oracle, exact = oracle for circular, sigma <= oracle', () => {
    const ratios: number[] = [];
    fc.assert(fc.property(
      fc.record({
        rank: fc.constantFrom(1, 2),
        k: fc.integer({ min: 1, max: 3 }), k2: fc.integer({ min: 1, max: 3 }),
        n: fc.integer({ min: 3, max: 7 }), n2: fc.integer({ min: 3, max: 7 }),
        cin: fc.integer({ min: 1, max: 3 }), cout: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }), s2: fc.integer({ min: 1, max: 2 }),
        d: fc.integer({ min: 1, max: 2 }),
        padding: fc.constantFrom<ConvPadding>('same', 'valid', 'circular'),
        scale: fc.constantFrom(1e-3, 1, 50),
        seed: fc.integer({ min: 1, max: 1e9 }),
      }),
      (g) => {
        const kshape = g.rank === 1 ? [g.k, g.cin, g.cout] : [g.k, g.k2, g.cin, g.cout];
        const input = g.rank === 1 ? [g.n, g.cin] : [g.n, g.n2, g.cin];
        const strides = g.rank === 1 ? [g.s] : [g.s, g.s2];
        const dilation = g.rank === 1 ? [g.d] : [g.d, 1];
        const keff = kshape.slice(0, g.rank).map((k, i) => (k - 1) * dilation[i] + 1);
        fc.pre(!(g.padding === 'valid' && keff.some((k, i) => k > input[i])));
        const values = rand(kshape.reduce((a, b) => a * b, 1), g.seed).map((v) => Math.fround(v * g.scale));
        const oracle = denseOperatorNorm(values, kshape, input, strides, dilation, g.padding);
        const kernel = tf.tensor(values, kshape);
        const before = tf.memory().numTensors;
        const r = convSpectralNorm(kernel, input, { strides, padding: g.padding, dilation, iterations: 300, tolerance: 1e-7 });
        expect(tf.memory().numTensors).toBe(before);
        kernel.dispose();
        expect(r.upperBound).toBeGreaterThanOrEqual(oracle * (1 - 1e-12));
        expect(r.sigma).toBeLessThanOrEqual(oracle * (1 + 1e-5));
        if (r.exact !== null) expect(Math.abs(r.exact - oracle)).toBeLessThan(1e-9 * oracle);
        if (oracle > 0) ratios.push(r.upperBound / oracle);
      },
    ), { numRuns: 60, seed: 424242 });
    console.log(`[convSpectralNorm fast-check] upperBound / exact norm ${ratioSummary(ratios)}`);
  });

  it('the reshaped-kernel norm (PyTorch spectral_norm) is not the operator norm (pytorch issue 99149)', () => {
    // All-ones 3x3 kernel, one channel, 8x8 'same': the operator passes constants almost with
    // gain 9, the reshaped [9, 1] kernel has norm 3, so the reshaped norm underestimates 2.7x.
    const c = fixture.cases.find((x) => x.name.includes('all-ones')) as FixtureCase;
    const kernel = tf.ones([3, 3, 1, 1]);
    const r = convSpectralNorm(kernel, [8, 8, 1], { padding: 'same', iterations: 500 });
    kernel.dispose();
    expect(r.reshapedNorm).toBeCloseTo(3, 12);
    expect(c.operatorNorm).toBeGreaterThan(2 * r.reshapedNorm);
    expect(r.upperBound).toBeGreaterThanOrEqual(c.operatorNorm * (1 - 1e-12));
    expect(Math.abs(r.sigma - c.operatorNorm)).toBeLessThan(1e-3 * c.operatorNorm);
    // And the other way round: a 1x1 conv with stride 2 drops pixels but its operator norm equals
    // the reshaped norm, while a 2-tap kernel [1, -1] has reshaped norm sqrt(2) and operator norm 2 (circular, even n).
    const diff = tf.tensor([1, -1], [2, 1, 1]);
    const rd = convSpectralNorm(diff, [8, 1], { padding: 'circular' });
    diff.dispose();
    expect(rd.reshapedNorm).toBeCloseTo(Math.SQRT2, 12);
    expect(rd.exact as number).toBeCloseTo(2, 12);
  });

  it('conv1d equals the conv2d with a height-1 kernel on a height-1 input', () => {
    const values = rand(3 * 2 * 2, 5);
    const k1 = tf.tensor(values, [3, 2, 2]);
    const k2 = tf.tensor(values, [1, 3, 2, 2]);
    for (const padding of ['same', 'valid', 'circular'] as const) {
      const a = convSpectralNorm(k1, [8, 2], { padding, strides: 2 });
      const b = convSpectralNorm(k2, [1, 8, 2], { padding, strides: [1, 2] });
      expect(a.upperBound).toBe(b.upperBound);
      expect(a.sigma).toBeCloseTo(b.sigma, 6);
      expect(a.exact).toBe(b.exact);
    }
    k1.dispose();
    k2.dispose();
  });

  it('certify: false skips the bound; exact is still given for circular', () => {
    const kernel = tf.tensor(rand(18, 3), [3, 3, 2, 1]);
    const r = convSpectralNorm(kernel, [4, 4, 2], { padding: 'circular', certify: false });
    expect(r.upperBound).toBeNaN();
    expect(r.exact).not.toBeNull();
    const zeros = tf.zeros([3, 3, 2, 1]);
    const z = convSpectralNorm(zeros, [4, 4, 2], { padding: 'same' });
    expect(z.upperBound).toBe(0);
    expect(z.sigma).toBe(0);
    tf.dispose([kernel, zeros]);
  });

  it('rejects bad input with a LipkitError naming the argument, without leaking tensors', () => {
    const k = tf.zeros([3, 3, 2, 4]);
    const bad = tf.tensor([1, NaN, 0, 0], [1, 1, 2, 2]);
    const empty = tf.zeros([0, 3, 2, 2]);
    const rank2 = tf.zeros([3, 3]);
    const cases: [() => unknown, string][] = [
      [() => convSpectralNorm(rank2, [3, 3]), 'kernel'],
      [() => convSpectralNorm([1, 2] as unknown as tf.Tensor, [3, 3]), 'kernel'],
      [() => convSpectralNorm(bad, [4, 4, 2]), 'kernel'],
      [() => convSpectralNorm(empty, [4, 4, 2]), 'kernel'],
      [() => convSpectralNorm(k, [8, 2]), 'inputShape'],
      [() => convSpectralNorm(k, [8, 8, 3]), 'inputShape'],
      [() => convSpectralNorm(k, [2, 8, 2]), 'inputShape'],
      [() => convSpectralNorm(k, [8, 2.5, 2]), 'inputShape[1]'],
      [() => convSpectralNorm(k, [8, NaN, 2]), 'inputShape[1]'],
      [() => convSpectralNorm(k, [20000, 20000, 2]), 'inputShape'],
      [() => convSpectralNorm(k, [8, 8, 2], { strides: 0 }), 'options.strides'],
      [() => convSpectralNorm(k, [8, 8, 2], { strides: [1] }), 'options.strides'],
      [() => convSpectralNorm(k, [8, 8, 2], { strides: [1, 1.5] }), 'options.strides[1]'],
      [() => convSpectralNorm(k, [8, 8, 2], { dilation: -1 }), 'options.dilation'],
      [() => convSpectralNorm(k, [8, 8, 2], { dilation: 4 }), 'inputShape'],
      [() => convSpectralNorm(k, [8, 8, 2], { padding: 'reflect' as ConvPadding }), 'options.padding'],
      [() => convSpectralNorm(k, [8, 8, 2], { certify: 1 as unknown as boolean }), 'options.certify'],
      [() => convSpectralNorm(k, [8, 8, 2], { relativeSlack: 0 }), 'options.relativeSlack'],
      [() => convSpectralNorm(k, [8, 8, 2], { iterations: 0 }), 'options.iterations'],
      [() => convSpectralNorm(k, [8, 8, 2], { init: [1, 2, 3] }), 'options.init'],
      [() => convSpectralNorm(k, [8, 8, 2], null as unknown as undefined), 'options'],
    ];
    const before = tf.memory().numTensors;
    for (const [f, argument] of cases) {
      let error: unknown = null;
      try { f(); } catch (e) { error = e; }
      expect(error, argument).toBeInstanceOf(LipkitError);
      expect((error as LipkitError).argument, String(error)).toBe(argument);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([k, bad, empty, rank2]);
  });
});

describe('convSpectralNorm dense float64 route for small operators (cpu)', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('3x3 same on 5x5 (the reported loose cases): the bound is within 2e-3 of the exact norm and the dense route wins', () => {
    for (const [cin, cout, seed] of [[1, 1, 1], [2, 3, 2], [4, 4, 3]]) {
      const values = rand(9 * cin * cout, seed);
      const oracle = denseOperatorNorm(values, [3, 3, cin, cout], [5, 5, cin], [1, 1], [1, 1], 'same');
      const kernel = tf.tensor(values, [3, 3, cin, cout]);
      const r = convSpectralNorm(kernel, [5, 5, cin], { padding: 'same', iterations: 300 });
      kernel.dispose();
      expect(r.upperBound).toBeGreaterThanOrEqual(oracle * (1 - 1e-12));
      expect(r.upperBound).toBeLessThanOrEqual(oracle * (1 + 2e-3));
      expect(r.method).toContain('= dense bound');
    }
  });

  it('random small geometries (fast-check, every padding, strides 1-3, conv1d/conv2d, dilation): oracle <= bound <= oracle (1 + 2e-3) when the dense route applies', () => {
    const ratios: number[] = [];
    let dense = 0;
    fc.assert(fc.property(
      fc.record({
        rank: fc.constantFrom(1, 2),
        k: fc.integer({ min: 1, max: 4 }), k2: fc.integer({ min: 1, max: 3 }),
        n: fc.integer({ min: 2, max: 9 }), n2: fc.integer({ min: 2, max: 8 }),
        cin: fc.integer({ min: 1, max: 3 }), cout: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }), s2: fc.integer({ min: 1, max: 3 }),
        d: fc.integer({ min: 1, max: 3 }), d2: fc.integer({ min: 1, max: 2 }),
        padding: fc.constantFrom<ConvPadding>('same', 'valid', 'circular'),
        scale: fc.constantFrom(1e-3, 1, 50),
        seed: fc.integer({ min: 1, max: 1e9 }),
      }),
      (g) => {
        const kshape = g.rank === 1 ? [g.k, g.cin, g.cout] : [g.k, g.k2, g.cin, g.cout];
        const input = g.rank === 1 ? [g.n, g.cin] : [g.n, g.n2, g.cin];
        const strides = g.rank === 1 ? [g.s] : [g.s, g.s2];
        const dilation = g.rank === 1 ? [g.d] : [g.d, g.d2];
        const keff = kshape.slice(0, g.rank).map((k, i) => (k - 1) * dilation[i] + 1);
        fc.pre(!(g.padding === 'valid' && keff.some((k, i) => k > input[i])));
        const values = rand(kshape.reduce((a, b) => a * b, 1), g.seed).map((v) => Math.fround(v * g.scale));
        const oracle = denseOperatorNorm(values, kshape, input, strides, dilation, g.padding);
        const kernel = tf.tensor(values, kshape);
        const applies = denseRouteApplies(convGeometry(kernel, input, { strides, padding: g.padding, dilation }));
        const before = tf.memory().numTensors;
        const r = convSpectralNorm(kernel, input, { strides, padding: g.padding, dilation, iterations: 300, tolerance: 1e-7 });
        expect(tf.memory().numTensors).toBe(before);
        kernel.dispose();
        expect(r.upperBound).toBeGreaterThanOrEqual(oracle * (1 - 1e-12));
        if (applies) {
          dense++;
          expect(r.upperBound).toBeLessThanOrEqual(oracle * (1 + 2e-3));
          if (oracle > 0) ratios.push(r.upperBound / oracle);
        }
      },
    ), { numRuns: 120, seed: 20240917 });
    expect(dense).toBeGreaterThan(100);
    console.log(`[convSpectralNorm dense route] upperBound / exact norm ${ratioSummary(ratios)}`);
  });

  it('the dense matrix bound alone (cross-check, circular included): exact <= bound <= exact (1 + 1e-3)', () => {
    let seed = 77;
    for (const padding of ['same', 'valid', 'circular'] as const) {
      for (const [kshape, input, strides, dilation] of [
        [[3, 3, 2, 2], [5, 4, 2], [1, 1], [1, 1]],
        [[3, 2, 2, 3], [6, 5, 2], [2, 3], [2, 1]],
        [[5, 2, 3], [4, 2], [2], [1]], // kernel longer than the input: circular wraps several taps onto one entry
        [[3, 1, 2], [7, 1], [3], [3]],
      ] as [number[], number[], number[], number[]][]) {
        const rank = kshape.length - 2;
        const keff = kshape.slice(0, rank).map((k, i) => (k - 1) * dilation[i] + 1);
        if (padding === 'valid' && keff.some((k, i) => k > input[i])) continue;
        const values = rand(kshape.reduce((a, b) => a * b, 1), seed++);
        const oracle = denseOperatorNorm(values, kshape, input, strides, dilation, padding);
        const kernel = tf.tensor(values, kshape);
        const geometry = convGeometry(kernel, input, { strides, padding, dilation });
        kernel.dispose();
        const m = convDenseMatrix(geometry);
        expect(m.rows * m.cols).toBe(m.data.length);
        const b = convDenseUpperBound(geometry, 1e-3).upperBound;
        const label = `${padding} k${kshape} in${input} s${strides} d${dilation}`;
        expect(b, label).toBeGreaterThanOrEqual(oracle * (1 - 1e-12));
        expect(b, label).toBeLessThanOrEqual(oracle * (1 + 1e-3));
      }
    }
  });
});
