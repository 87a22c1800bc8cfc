import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LOCAL_ACTIVATIONS, localActivation, valueRange } from '../../../src/estimate/local/localActivations.js';
import { relaxActivation } from '../../../src/estimate/local/activationRelaxation.js';

/** erf to ~1e-15 by its Taylor series (|x| <= 2) or the continued fraction of erfc: an oracle independent of the A&S formula. */
function erfOracle(x: number): number {
  const a = Math.abs(x);
  if (a > 2) {
    // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))), evaluated from the tail
    let t = a;
    for (let k = 300; k >= 1; k--) t = a + (k / 2) / t;
    return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / t);
  }
  let sum = 0;
  let term = a;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= -a * a / (n + 1);
    if (Math.abs(term) < 1e-18) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
}

/** Independent float64 oracles for the activations (gelu with an exact erf). */
const ORACLE: Record<string, (x: number) => number> = {
  linear: (x) => x, relu: (x) => Math.max(0, x), relu6: (x) => Math.min(6, Math.max(0, x)),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)),
  tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)), hardSigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  softplus: (x) => Math.log(1 + Math.exp(x)), softsign: (x) => x / (1 + Math.abs(x)), swish: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => 0.5 * x * (1 + erfOracle(x / Math.SQRT2)),
};

describe('local activations', () => {
  it('value ranges, slope ranges and linear relaxations hold on a dense grid of each interval (property)', () => {
    for (const act0 of [...LOCAL_ACTIVATIONS, 'leakyRelu']) fc.assert(fc.property(
      fc.constant(act0), fc.integer({ min: -8000, max: 8000 }).map((v) => v / 1000), fc.oneof(fc.integer({ min: 0, max: 10000 }).map((v) => v / 1000), fc.constant(0)),
      (name, l, w) => {
        const act = localActivation(name, name === 'leakyRelu' ? 0.1 : undefined);
        if (!act) throw new Error(name);
        const f = name === 'leakyRelu' ? (x: number) => (x > 0 ? x : 0.1 * x) : ORACLE[name];
        const u = l + w;
        const [vlo, vhi] = valueRange(act, l, u);
        const [dl, du] = act.slopeRange(l, u);
        const rel = relaxActivation(act, l, u, [dl, du]);
        const n = 200;
        const bad: string[] = [];
        for (let k = 0; k <= n; k++) {
          const z = l + (w * k) / n;
          const v = f(z);
          const tol = 1e-13 * (1 + Math.abs(v));
          if (v < vlo - tol || v > vhi + tol) bad.push(`value ${v} at ${z} outside [${vlo}, ${vhi}]`);
          if (v < rel.sl * z + rel.tl - tol || v > rel.su * z + rel.tu + tol) bad.push(`value ${v} at ${z} outside the relaxation ${JSON.stringify(rel)}`);
          if (k < n && w > 1e-6) {
            // difference quotient between grid points lies within the slope range (mean value theorem)
            const z2 = l + (w * (k + 1)) / n;
            const q = (f(z2) - v) / (z2 - z);
            const stol = 1e-7 * (1 + Math.abs(q)) + (4e-16 * (Math.abs(v) + 1)) / (z2 - z);
            if (q < dl - stol || q > du + stol) bad.push(`slope ${q} at ${z} outside [${dl}, ${du}]`);
          }
        }
        expect(bad.slice(0, 3)).toEqual([]);
      },
    ), { seed: 5, numRuns: 40 });
  });

  it('relaxations are tight where they should be: stable relu is exact, an unstable relu gets the chord', () => {
    const relu = localActivation('relu');
    if (!relu) throw new Error('relu');
    const s = relaxActivation(relu, 0.5, 2, relu.slopeRange(0.5, 2));
    expect([s.sl, s.su]).toEqual([1, 1]);
    expect(Math.abs(s.tl) + Math.abs(s.tu)).toBeLessThan(1e-12);
    const c = relaxActivation(relu, -1, 3, relu.slopeRange(-1, 3));
    expect(c.su).toBeCloseTo(0.75, 14);
    expect(c.tu).toBeCloseTo(0.75, 12);
    expect(c.sl).toBe(1);
  });
});
