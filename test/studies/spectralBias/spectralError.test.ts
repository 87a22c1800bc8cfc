import { describe, expect, it } from 'vitest';
import { dftCoefficient, spectralErrors } from '../../../src/studies/spectralBias/spectralError.js';
import { expectError } from '../../expectLipkitError.js';

const N = 64;
const wave = (k: number, amp: number, phase: number): number[] => Array.from({ length: N }, (_, n) => amp * Math.sin((2 * Math.PI * k * n) / N + phase));
const add = (...xs: number[][]): number[] => xs[0].map((_, i) => xs.reduce((s, x) => s + x[i], 0));

describe('dftCoefficient', () => {
  it('a pure sinusoid A sin(2 pi k n / N + phi) has one peak |X_k| = A N / 2 with phase phi - pi/2', () => {
    const x = wave(7, 0.3, 1.1);
    for (let k = 0; k < N; k++) {
      const c = dftCoefficient(x, k);
      const mod = Math.hypot(c.re, c.im);
      if (k === 7 || k === N - 7) expect(mod).toBeCloseTo((0.3 * N) / 2, 10);
      else expect(mod).toBeLessThan(1e-12);
    }
    const c = dftCoefficient(x, 7);
    expect(Math.atan2(c.im, c.re)).toBeCloseTo(1.1 - Math.PI / 2, 10);
  });

  it('matches the closed form of a constant (X_0 = N c) and satisfies Parseval', () => {
    expect(dftCoefficient(new Array(N).fill(0.5), 0).re).toBeCloseTo(N * 0.5, 12);
    const x = Array.from({ length: N }, (_, n) => Math.sin(n * n * 0.37) + 0.1 * n);
    let energy = 0;
    for (let k = 0; k < N; k++) { const c = dftCoefficient(x, k); energy += c.re ** 2 + c.im ** 2; }
    expect(energy / N).toBeCloseTo(x.reduce((s, v) => s + v * v, 0), 8);
  });

  it('rejects bad input', () => {
    expectError(() => dftCoefficient([1], 0), 'values');
    expectError(() => dftCoefficient([1, Number.NaN], 0), 'values');
    expectError(() => dftCoefficient([1, 2, 3], 3), 'k');
    expectError(() => dftCoefficient([1, 2, 3], 0.5), 'k');
  });
});

describe('spectralErrors', () => {
  const target = add(wave(3, 1, 0.2), wave(10, 0.5, 2), wave(20, 0.25, 4));
  const freqs = [3, 10, 20];

  it('is 0 for a perfect fit and 1 for a zero prediction', () => {
    for (const e of spectralErrors(target, target, freqs)) expect(e).toBeLessThan(1e-12);
    for (const e of spectralErrors(new Array(N).fill(0), target, freqs)) expect(e).toBeCloseTo(1, 12);
  });

  it('per frequency: half an amplitude gives 0.5, a phase error delta gives 2 sin(delta / 2), other bins stay 0', () => {
    const pred = add(wave(3, 0.5, 0.2), wave(10, 0.5, 2 + 0.4), wave(20, 0.25, 4), new Array(N).fill(3)); // + a constant: bin 0 only
    const e = spectralErrors(pred, target, freqs);
    expect(e[0]).toBeCloseTo(0.5, 10);
    expect(e[1]).toBeCloseTo(2 * Math.sin(0.2), 10);
    expect(e[2]).toBeLessThan(1e-12);
  });

  it('rejects bad input, naming the argument', () => {
    expectError(() => spectralErrors(target.slice(1), target, freqs), 'prediction');
    expectError(() => spectralErrors(target, target, []), 'frequencies');
    expectError(() => spectralErrors(target, target, [32]), 'frequencies[0]');
    expectError(() => spectralErrors(target, target, [5]), 'target'); // no component at 5
  });
});
