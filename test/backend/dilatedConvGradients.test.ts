import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { dilateFilter } from '../../src/backend/dilatedConvGradients.js';
import { randomTensor, expectAllClose } from './backendCompare.js';
import { adjointOracle } from './linearAdjoint.js';

const BACKENDS = ['cpu', 'wasm'] as const;

describe.each(BACKENDS)('gradients of dilated convolutions (%s)', (backend) => {
  it.each([
    { name: 'conv2d 3x3 dilation 2 valid', kind: 'conv', x: [2, 7, 8, 2], f: [3, 3, 2, 3], d: [2, 2] as [number, number], pad: 'valid' as const },
    { name: 'conv2d 2x3 dilation (1, 3) same', kind: 'conv', x: [1, 6, 9, 2], f: [2, 3, 2, 2], d: [1, 3] as [number, number], pad: 'same' as const },
    { name: 'depthwise 3x3 dilation 2 same, multiplier 2', kind: 'depthwise', x: [1, 7, 7, 2], f: [3, 3, 2, 2], d: [2, 2] as [number, number], pad: 'same' as const },
  ])('$name: d/dx and d/dW equal the float64 adjoint of the forward map', async ({ kind, x: xs, f: fs, d, pad }) => {
    await setBackend(backend);
    const x = randomTensor(xs, 3);
    const f = randomTensor(fs, 4);
    const op = (a: tf.Tensor, w: tf.Tensor): tf.Tensor => (kind === 'conv'
      ? tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', d)
      : tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', d));
    const y = op(x, f);
    const dy = randomTensor(y.shape, 5);
    const before = tf.memory().numTensors;
    const [gx, gf] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(op(a, w), dy)))([x, f]);
    expect(tf.memory().numTensors).toBe(before + 2);
    const dyv = dy.dataSync() as Float32Array;
    expectAllClose(gx.dataSync(), adjointOracle((a) => op(a, f), xs, dyv), 1e-5, 'd/dx');
    expectAllClose(gf.dataSync(), adjointOracle((w) => op(x, w), fs, dyv), 1e-5, 'd/dW');
    tf.dispose([x, f, y, dy, gx, gf]);
  });

  it('a dilated Conv2D layer (fused in tfjs-layers) and a dilated SeparableConv2D layer have input gradients', async () => {
    await setBackend(backend);
    for (const layer of [
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh', inputShape: [8, 8, 2] }),
      tfl.layers.separableConv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid', inputShape: [8, 8, 2] }),
    ]) {
      const model = tfl.sequential({ layers: [layer] });
      const x = randomTensor([2, 8, 8, 2], 6);
      const y = model.predict(x) as tf.Tensor;
      const dy = randomTensor(y.shape, 7);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(model.apply(a) as tf.Tensor, dy)))(x);
      // Central differences along a random direction (tanh: smooth).
      const v = randomTensor(x.shape, 8);
      const h = 1e-3;
      const fd = tf.tidy(() => {
        const up = tf.sum(tf.mul(model.apply(tf.add(x, tf.mul(v, h))) as tf.Tensor, dy));
        const down = tf.sum(tf.mul(model.apply(tf.sub(x, tf.mul(v, h))) as tf.Tensor, dy));
        return (up.dataSync()[0] - down.dataSync()[0]) / (2 * h);
      });
      const dir = tf.tidy(() => tf.sum(tf.mul(g, v)).dataSync()[0]);
      expect(Math.abs(dir - fd)).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
      tf.dispose([x, y, dy, g, v]);
      model.dispose();
    }
  });
});

describe('dilateFilter', () => {
  it('places the taps at multiples of the dilation with zeros between', async () => {
    await setBackend('cpu');
    const f = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
    const d = dilateFilter(f, 2, 3);
    expect(d.shape).toEqual([3, 4, 1, 1]);
    expect(Array.from(d.dataSync())).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
    tf.dispose([f, d]);
  });
});
