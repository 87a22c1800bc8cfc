import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { spectralNormalization } from '../../src/layers/SpectralNormalization.js';
import { groupSortLayer, maxMin } from '../../src/layers/GroupSort.js';
import { orthogonalDense } from '../../src/layers/OrthogonalDense.js';
import { invertibleResidual } from '../../src/layers/InvertibleResidual.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../src/estimate/network/lipschitzLowerBound.js';
import { maxAbsDiff, roundTrip } from './helpers.js';

const glorot = (seed: number) => tfl.initializers.glorotNormal({ seed });

/**
 * A trained model made only of lipkit layers, with the Lipschitz constant its layers promise:
 * SN(conv, target 1) -> MaxMin -> Flatten -> SN(Dense, 1.5) -> GroupSort(4)
 * -> OrthogonalDense (1) -> InvertibleResidual (1 + coeff) -> SN(Dense, 1).
 */
describe.each(['cpu', 'wasm'] as const)('a trained model of lipkit layers on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('lipschitzLowerBound <= lipschitzBound <= promise * 1.02, and save/load reproduces it', async () => {
    const coeff = 0.7;
    const promise = 1 * 1.5 * 1 * (1 + coeff) * 1;
    const model = tfl.sequential({ layers: [
      spectralNormalization({ layer: tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: glorot(1) }), inputShape: [5, 5, 1] }),
      maxMin(),
      tfl.layers.flatten(),
      spectralNormalization({ layer: tfl.layers.dense({ units: 8, kernelInitializer: glorot(2) }), target: 1.5 }),
      groupSortLayer({ groupSize: 4 }),
      orthogonalDense({ units: 8, seed: 3 }),
      invertibleResidual({ hiddenUnits: [8], coeff, seed: 4 }),
      spectralNormalization({ layer: tfl.layers.dense({ units: 1, kernelInitializer: glorot(5) }) }),
    ] });
    // Target: a steep function of the input, so training pushes every layer to its limit.
    const x = tf.randomNormal([64, 5, 5, 1], 0, 1, 'float32', 6);
    const y = tf.tidy(() => tf.mul(tf.sum(tf.reshape(x, [64, 25]), 1, true), 3));
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const counts: number[] = [];
    const h = await model.fit(x, y, { epochs: 12, batchSize: 32, verbose: 0, callbacks: { onEpochEnd: async () => { counts.push(tf.memory().numTensors); } } });
    expect(h.history.loss[11] as number).toBeLessThan(h.history.loss[0] as number);
    expect(new Set(counts.slice(1)).size).toBe(1);

    const upper = lipschitzBound(model);
    expect(upper.certified).toBe(true);
    const lower = lipschitzLowerBound(model, tf.slice(x, [0, 0, 0, 0], [8, 5, 5, 1]), { steps: 10 });
    expect(lower.lowerBound).toBeGreaterThan(0.2 * promise); // trained to be steep
    expect(lower.lowerBound).toBeLessThanOrEqual(upper.upperBound * (1 + 1e-5));
    expect(upper.upperBound).toBeLessThanOrEqual(promise * 1.02);

    const loaded = await roundTrip(model);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(lipschitzBound(loaded).upperBound).toBeCloseTo(upper.upperBound, 10);
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
