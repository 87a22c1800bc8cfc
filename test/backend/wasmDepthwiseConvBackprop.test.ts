import { describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectWasmMatchesCpu, randomTensor } from './backendCompare.js';

/** wasm's depthwise gradient kernels (lipkit's) against tfjs-backend-cpu's own kernels. */
describe('wasm DepthwiseConv2dNativeBackpropInput / Filter', () => {
  it.each([
    { x: [2, 7, 7, 3], f: [3, 3, 3, 1], s: 1, pad: 'same' as const },
    { x: [1, 8, 9, 2], f: [3, 3, 2, 2], s: 2, pad: 'same' as const },
    { x: [2, 9, 8, 2], f: [2, 3, 2, 3], s: 2, pad: 'valid' as const },
    { x: [1, 5, 5, 4], f: [5, 5, 4, 1], s: 1, pad: 'valid' as const },
  ])('x $x filter $f stride $s $pad: matches cpu', async ({ x: xs, f: fs, s, pad }) => {
    await expectWasmMatchesCpu(() => {
      const x = randomTensor(xs, 1);
      const f = randomTensor(fs, 2);
      const op = (a: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, s, pad);
      const dy = randomTensor(op(x, f).shape, 3);
      return tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(op(a, w), dy)))([x, f]);
    }, 1e-5, `depthwise ${JSON.stringify(xs)} ${JSON.stringify(fs)} s${s} ${pad}`);
  });
});
