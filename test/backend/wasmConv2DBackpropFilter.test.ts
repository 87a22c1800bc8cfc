import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type BackendName } from '../../src/backend/setBackend.js';
import { expectAllClose, randomTensor } from './backendCompare.js';
import { cases, outShape, type Case } from './convCases.js';

/** dW via the Conv2DBackpropFilter kernel, as the filter gradient of conv2d. */
function compute(all: Case[]): Float32Array[] {
  return tf.tidy(() => all.map((c, i) => {
    const f = randomTensor([c.kh, c.kw, c.cin, c.cout], 100 + i) as tf.Tensor4D;
    const dy = randomTensor(outShape(c), 200 + i) as tf.Tensor4D;
    const x = randomTensor([c.n, c.h, c.w, c.cin], 300 + i) as tf.Tensor4D;
    return tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, c.s, c.pad), dy)))(f).dataSync() as Float32Array;
  }));
}

async function on(backend: BackendName, all: Case[]): Promise<Float32Array[]> {
  await setBackend(backend);
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  const r = compute(all);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  return r;
}

describe('wasm Conv2DBackpropFilter as a dilated swapped-role XNNPACK convolution', () => {
  it('equals cpu to 1e-4 (strides 1-3, same/valid/explicit, odd/even sizes, unread trailing rows)', async () => {
    const all = cases();
    // Unread trailing input rows/columns (negative swapped-conv pad): 10 wide, 3 taps, stride 2/3 valid.
    all.push({ n: 2, h: 10, w: 11, cin: 3, cout: 2, kh: 3, kw: 3, s: [2, 3], pad: 'valid' });
    const cpu = await on('cpu', all);
    const wasm = await on('wasm', all);
    cpu.forEach((v, j) => expectAllClose(wasm[j], v, 1e-4, `dW ${JSON.stringify(all[j])}`));
  });
});
