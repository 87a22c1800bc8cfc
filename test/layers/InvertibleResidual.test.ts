import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { InvertibleResidual, invertibleResidual } from '../../src/layers/InvertibleResidual.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { LipkitError } from '../../src/util/errors.js';
import { maxAbsDiff, roundTrip } from './helpers.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

/** A model [d] -> block -> Dense(1), trained for `epochs` full-batch Adam steps. */
async function trainedBlock(config: ConstructorParameters<typeof InvertibleResidual>[0], d: number, epochs: number) {
  const block = invertibleResidual(config);
  const model = tfl.sequential({ layers: [
    tfl.layers.inputLayer({ inputShape: [d] }),
    block,
    tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
  ] });
  const x = tf.randomNormal([32, d], 0, 1, 'float32', 4);
  const y = tf.tidy(() => tf.sin(tf.sum(tf.mul(x, 2), 1, true)));
  model.compile({ optimizer: tf.train.adam(0.03), loss: 'meanSquaredError' });
  await model.fit(x, y, { epochs, batchSize: 32, verbose: 0 });
  tf.dispose([x, y]);
  return { block, model };
}

describe.each(['cpu', 'wasm'] as const)('InvertibleResidual on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('Lip(g) < coeff: every normalized kernel has exact sigma <= coeff (1e-3), product < coeff', async () => {
    const coeff = 0.9;
    const { block, model } = await trainedBlock({ hiddenUnits: [8, 8], coeff, seed: 1 }, 4, 20);
    const ws = block.effectiveKernels();
    let product = 1;
    for (const w of ws) {
      const s = exactSingularValues(w.arraySync() as number[][])[0];
      expect(s).toBeLessThanOrEqual(coeff * (1 + 1e-3));
      product *= s;
      w.dispose();
    }
    expect(product * block.activationLipschitz ** (ws.length - 1)).toBeLessThan(coeff);
    // Empirical check of g on random pairs (g's Lipschitz constant <= the product above).
    const q = tf.tidy(() => {
      const a = tf.randomNormal([64, 4], 0, 1, 'float32', 5);
      const b = tf.add(a, tf.randomNormal([64, 4], 0, 0.1, 'float32', 6));
      return tf.max(tf.div(tf.norm(tf.sub(block.g(a), block.g(b)), 'euclidean', 1), tf.norm(tf.sub(a, b), 'euclidean', 1))).dataSync()[0];
    });
    expect(q).toBeLessThanOrEqual(product * (1 + 1e-4));
    // After refresh() the estimates are converged: each sigma <= coeff to float32 rounding.
    const before = tf.memory().numTensors;
    block.refresh();
    expect(tf.memory().numTensors).toBe(before);
    for (const w of block.effectiveKernels()) {
      expect(exactSingularValues(w.arraySync() as number[][])[0]).toBeLessThanOrEqual(coeff * (1 + 1e-5));
      w.dispose();
    }
    model.dispose();
  });

  it('inverse: recovers x from y = x + g(x) with residual < 1e-4; reported error is the true residual', async () => {
    const { block, model } = await trainedBlock({ hiddenUnits: [16], coeff: 0.97, activation: 'elu' }, 3, 15);
    const x = tf.randomNormal([10, 3], 0, 2, 'float32', 7);
    const y = block.apply(x) as tf.Tensor;
    const before = tf.memory().numTensors;
    const r = block.inverse(y, { iterations: 200, tolerance: 1e-6 });
    expect(tf.memory().numTensors).toBe(before + 1); // only r.x
    expect(r.error).toBeLessThan(1e-4);
    expect(r.iterations).toBeGreaterThan(0);
    const residual = tf.tidy(() => tf.max(tf.norm(tf.sub(block.apply(r.x) as tf.Tensor, y), 'euclidean', 1)).dataSync()[0]);
    expect(Math.abs(residual - r.error)).toBeLessThan(1e-5);
    // Inverse Lipschitz <= 1 / (1 - Lip(g)): ||x - x_rec|| <= error / (1 - 0.97).
    expect(maxAbsDiff(r.x, x)).toBeLessThan(1e-4 / (1 - 0.97));
    // A budget of 0 iterations returns y itself, with its residual ||g(y)||.
    const r0 = block.inverse(y, { iterations: 0 });
    expect(r0.iterations).toBe(0);
    expect(maxAbsDiff(r0.x, y)).toBe(0);
    tf.dispose([x, y, r.x, r0.x]);
    model.dispose();
  });

  it('save/load identical outputs and inverses; lipschitzBound = 1 + Lip(g) bound <= 1 + coeff', async () => {
    const { block, model } = await trainedBlock({ hiddenUnits: [6], coeff: 0.8, activation: 'tanh' }, 3, 5);
    const loaded = await roundTrip(model);
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 8);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    const lb = loaded.layers.find((l) => l instanceof InvertibleResidual) as InvertibleResidual;
    expect([lb.coeff, lb.activation, lb.hiddenUnits]).toEqual([0.8, 'tanh', [6]]);
    const ya = block.apply(x) as tf.Tensor;
    const ia = block.inverse(ya);
    const ib = lb.inverse(ya);
    expect(maxAbsDiff(ia.x, ib.x)).toBe(0);
    const r = lipschitzBound(tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [3] }), block] }));
    const ws = block.effectiveKernels();
    const exactG = ws.reduce((p, w) => p * exactSingularValues(w.arraySync() as number[][])[0], 1);
    expect(r.upperBound).toBeGreaterThanOrEqual(1 + exactG * (1 - 1e-6));
    expect(r.upperBound).toBeLessThanOrEqual((1 + exactG) * 1.002);
    expect(r.upperBound).toBeLessThanOrEqual(1 + 0.8);
    tf.dispose([x, a, b, ya, ia.x, ib.x, ...ws]);
    model.dispose();
    loaded.dispose();
  });

  it('no leaks: fit epochs and a 100-step custom loop', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [4] }), invertibleResidual({ hiddenUnits: [8] }), tfl.layers.dense({ units: 1 })] });
    const x = tf.randomNormal([8, 4], 0, 1, 'float32', 9);
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 10);
    await expectNoTrainingLeaks(model, x, y, 3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('bad input: LipkitError naming the option', () => {
    const err = (f: () => unknown, arg: string) => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); expect((e as LipkitError).argument).toBe(arg); return; }
      throw new Error('no error');
    };
    err(() => invertibleResidual({ coeff: 1 }), 'config.coeff');
    err(() => invertibleResidual({ coeff: 1.5 }), 'config.coeff');
    err(() => invertibleResidual({ coeff: 0 }), 'config.coeff');
    err(() => invertibleResidual({ hiddenUnits: [] }), 'config.hiddenUnits');
    err(() => invertibleResidual({ hiddenUnits: [4, 0] }), 'config.hiddenUnits[1]');
    err(() => invertibleResidual({ activation: 'selu' }), 'config.activation');
    const block = invertibleResidual({ hiddenUnits: [4] });
    err(() => block.inverse(tf.zeros([2, 3])), 'layer');
    block.apply(tfl.input({ shape: [3] }));
    err(() => block.inverse(tf.zeros([2, 4])), 'y');
    err(() => block.inverse(tf.tensor2d([[NaN, 0, 0]])), 'y');
    err(() => block.inverse(tf.zeros([2, 3]), { iterations: -1 }), 'options.iterations');
    err(() => block.inverse(tf.zeros([2, 3]), { tolerance: NaN }), 'options.tolerance');
  });
});
