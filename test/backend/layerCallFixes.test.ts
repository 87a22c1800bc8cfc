import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { installLayerCallFixes, uninstallLayerCallFixes } from '../../src/backend/layerCallFixes.js';
import { expectAllClose, randomTensor, randomValues } from './backendCompare.js';

/** Runs `model.predict(x)` with tfjs-layers' own call (fix removed), then puts the fix back. */
function stockPredict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  uninstallLayerCallFixes();
  try {
    return tf.tidy(() => model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  } finally {
    installLayerCallFixes();
  }
}

describe.each(['cpu', 'wasm'] as const)('layer call fixes (%s)', (backend) => {
  it.each([
    { center: false, scale: true, shape: [5] },
    { center: true, scale: false, shape: [4, 4, 3] },
    { center: false, scale: false, shape: [3, 3, 2] },
  ])('BatchNormalization center $center scale $scale: stock forward values, input gradient gamma / sqrt(var + eps)', async ({ center, scale, shape }) => {
    await setBackend(backend);
    const c = shape[shape.length - 1];
    const bn = tfl.layers.batchNormalization({ center, scale, inputShape: shape, epsilon: 1e-3 });
    const model = tfl.sequential({ layers: [bn] });
    const w = bn.getWeights();
    const values = randomValues(4 * c, 9);
    // Weights in order: [gamma], [beta], moving_mean, moving_variance.
    const next = w.map((t, i) => {
      const name = bn.weights[i].originalName;
      const v = values.slice(i * c, (i + 1) * c).map((a) => (name.endsWith('moving_variance') ? 0.5 + Math.abs(a) : a + (name.endsWith('gamma') ? 1.5 : 0)));
      return tf.tensor(v, t.shape);
    });
    bn.setWeights(next);
    const x = randomTensor([2, ...shape], 11);
    expectAllClose(tf.tidy(() => model.predict(x) as tf.Tensor).dataSync(), stockPredict(model, x), 1e-6, 'forward');
    const g = tf.grad((a: tf.Tensor) => tf.sum(model.apply(a) as tf.Tensor))(x);
    const named = Object.fromEntries(bn.weights.map((v, i) => [v.originalName.split('/').pop(), next[i].dataSync()]));
    const expected = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const ch = i % c;
      expected[i] = (scale ? named.gamma[ch] : 1) / Math.sqrt(named.moving_variance[ch] + 1e-3);
    }
    expectAllClose(g.dataSync(), expected, 1e-5, 'd/dx');
    tf.dispose([x, g, ...next]);
    model.dispose();
  });

  it('dilated Conv2D: the unfused call gives the stock forward values', async () => {
    await setBackend(backend);
    const model = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 3, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', activation: 'relu', inputShape: [9, 8, 2], biasInitializer: 'randomNormal' })] });
    const x = randomTensor([2, 9, 8, 2], 12);
    expectAllClose(tf.tidy(() => model.predict(x) as tf.Tensor).dataSync(), stockPredict(model, x), 1e-6, 'forward');
    x.dispose();
    model.dispose();
  });
});
