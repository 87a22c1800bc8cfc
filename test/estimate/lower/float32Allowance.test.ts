import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { float32Allowance, FLOAT32_UNIT_ROUNDOFF } from '../../../src/estimate/lower/float32Allowance.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { compareWithLower } from '../../../src/estimate/lower/compareWithLower.js';

describe('float32Allowance', () => {
  it('is depth sqrt(4096) u (2 (P / upper) / rho + outputRatio), with rho >= 1e-2, P / upper >= 1, outputRatio <= 1000', () => {
    const u = FLOAT32_UNIT_ROUNDOFF;
    expect(float32Allowance({ depth: 3, outputRatio: 10 })).toBeCloseTo(3 * 64 * u * (2 / 1e-2 + 10), 15);
    expect(float32Allowance({ depth: 3, productRatio: 10, relativeStep: 0.1, outputRatio: 2 })).toBeCloseTo(3 * 64 * u * (2 * 10 / 0.1 + 2), 15);
    expect(float32Allowance({ depth: 3, productRatio: 0.5, relativeStep: 1e-5, outputRatio: 5 })).toBe(float32Allowance({ depth: 3, outputRatio: 5 }));
    expect(float32Allowance({ depth: 3 })).toBe(float32Allowance({ depth: 3, outputRatio: 1e9 }));
    expect(float32Allowance({ depth: 0, outputRatio: 1 })).toBe(float32Allowance({ depth: 1, outputRatio: 1 }));
  });

  it('compareWithLower: consistent, within rounding (certificate stands), SOUNDNESS FAILURE beyond the allowance', () => {
    const bound = { upperBound: 2, unmergedBound: 2, layers: new Array(3).fill(null) };
    const a = float32Allowance({ depth: 3, relativeStep: 0.1, outputRatio: 4 });
    const best = { input: 0, quotient: 0, distance: 1, relativeStep: 0.1, outputRatio: 4 };
    expect(compareWithLower(bound as never, { lowerBound: 1.9, best }).verdict).toBe('consistent');
    const inside = compareWithLower(bound as never, { lowerBound: 2 * (1 + a / 2), best });
    expect(inside).toMatchObject({ verdict: 'within float32 rounding', failed: false });
    expect(inside.note).toMatch(/certificate \(exact arithmetic\) stands/);
    const beyond = compareWithLower(bound as never, { lowerBound: 2 * (1 + 2 * a), best });
    expect(beyond).toMatchObject({ verdict: 'SOUNDNESS FAILURE', failed: true });
    expect(beyond.note).toMatch(/^SOUNDNESS FAILURE/);
  });
});

describe.each(['cpu', 'wasm'] as const)('float32 rounding on near-linear chains (%s)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });
  it('realized quotients of cancelling linear chains stay within upper (1 + allowance)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      // W2 ~ -W1^+ style cancellation: large intermediate values, small output.
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ units: 32, inputShape: [16], useBias: true, kernelInitializer: tfl.initializers.randomNormal({ stddev: 3, seed }) }),
        tfl.layers.dense({ units: 32, kernelInitializer: tfl.initializers.randomNormal({ stddev: 3, seed: seed + 10 }) }),
        tfl.layers.dense({ units: 8, kernelInitializer: tfl.initializers.randomNormal({ stddev: 1e-3, seed: seed + 20 }) }),
      ] });
      const bound = lipschitzBound(model);
      const x = tf.randomNormal([4, 16], 0, 100, 'float32', seed);
      const low = lipschitzLowerBound(model, x, { steps: 5 });
      x.dispose();
      const check = compareWithLower(bound, low);
      expect(check.failed).toBe(false);
      expect(low.lowerBound).toBeLessThanOrEqual(bound.upperBound * (1 + float32Allowance({
        depth: bound.layers.length, productRatio: bound.unmergedBound / bound.upperBound, relativeStep: low.best?.relativeStep, outputRatio: low.best?.outputRatio,
      })));
      expect(low.lowerBound).toBeGreaterThan(bound.upperBound * 0.9);
      model.dispose();
    }
  });
});
