import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { installBackendFixes } from '../../src/backend/installBackendFixes.js';
import {
  installWasmConv2DBackpropFilter, uninstallWasmConv2DBackpropFilter,
} from '../../src/backend/wasmConv2DBackpropFilter.js';
import { installWasmUnsortedSegmentSum, uninstallWasmUnsortedSegmentSum } from '../../src/backend/wasmUnsortedSegmentSum.js';
import { expectAllClose, expectWasmMatchesCpu, randomTensor, randomValues } from './backendCompare.js';

describe('wasm gather / embedding gradients (UnsortedSegmentSum kernel)', () => {
  it('tf.unsortedSegmentSum on wasm equals cpu (float32 and int32, out-of-range ids dropped)', async () => {
    await expectWasmMatchesCpu(() => [
      tf.unsortedSegmentSum(randomTensor([6, 3, 2], 1), tf.tensor1d([2, 0, 2, 4, 4, 2], 'int32'), 5),
      tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 3),
    ], 1e-6, 'unsortedSegmentSum');
  });

  it('gradients of tf.gather with repeated indices, axis 0 and 1, equal cpu', async () => {
    for (const axis of [0, 1]) {
      await expectWasmMatchesCpu(() => {
        const x = randomTensor([5, 4, 3], 2);
        const idx = tf.tensor1d([3, 1, 3, 3, 0], 'int32');
        const w = randomTensor(axis === 0 ? [5, 4, 3] : [5, 5, 3], 3);
        return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.gather(t, idx, axis)), w)))(x)];
      }, 1e-4, `gather axis ${axis}`);
    }
  });

  it('gradients of a tfjs-layers Embedding equal cpu', async () => {
    const table = randomValues(7 * 4, 4);
    await expectWasmMatchesCpu(() => {
      const layer = tfl.layers.embedding({ inputDim: 7, outputDim: 4, weights: [tf.tensor2d(table, [7, 4])] });
      const ids = tf.tensor2d([[1, 6, 1], [0, 1, 5]], [2, 3], 'int32');
      const target = randomTensor([2, 3, 4], 5);
      layer.apply(ids); // build
      const v = layer.trainableWeights[0].read() as tf.Variable;
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(layer.apply(ids) as tf.Tensor, target))) as tf.Scalar, [v]);
      const g = grads[v.name];
      layer.dispose();
      return [g];
    }, 1e-4, 'embedding');
  });

  it('stock wasm lacks the kernel (the fix is what makes gather differentiable) and installing is idempotent', async () => {
    await setBackend('wasm');
    const ours = tf.getKernel('UnsortedSegmentSum', 'wasm');
    expect(ours).toBeDefined();
    installWasmUnsortedSegmentSum();
    installBackendFixes();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBe(ours);
    uninstallWasmUnsortedSegmentSum();
    try {
      expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      expect(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, [1, 1])))(x)).toThrow(/UnsortedSegmentSum/);
      x.dispose();
    } finally {
      installWasmUnsortedSegmentSum();
    }
  });
});

interface ConvCase { x: number[]; f: number[]; stride: number; pad: 'same' | 'valid' }
const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 8, 6, 2], f: [2, 2, 2, 3], stride: 1, pad: 'valid' },
  { x: [1, 9, 9, 2], f: [3, 2, 2, 5], stride: 2, pad: 'valid' },
  { x: [3, 6, 6, 4], f: [4, 4, 4, 2], stride: 1, pad: 'same' },
  { x: [2, 7, 8, 3], f: [1, 1, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 11, 10, 2], f: [5, 3, 2, 3], stride: 3, pad: 'valid' },
];

describe('wasm conv gradients (Conv2DBackpropFilter kernel)', () => {
  it('conv2d gradients w.r.t. input and filter equal cpu (strides 1-3, same/valid, odd/even sizes)', async () => {
    for (const c of CONV_CASES) {
      await expectWasmMatchesCpu(() => {
        const x = randomTensor(c.x, 6) as tf.Tensor4D;
        const f = randomTensor(c.f, 7) as tf.Tensor4D;
        const loss = (xx: tf.Tensor, ff: tf.Tensor): tf.Scalar =>
          tf.sum(tf.sin(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad)));
        return tf.grads(loss)([x, f]);
      }, 1e-4, `conv2d ${JSON.stringify(c)}`);
    }
  });

  it('conv1d and fused conv2d (bias + relu) gradients equal cpu', async () => {
    for (const [stride, pad] of [[1, 'same'], [2, 'valid'], [2, 'same']] as const) {
      await expectWasmMatchesCpu(() => {
        const x = randomTensor([2, 11, 3], 8) as tf.Tensor3D;
        const f = randomTensor([3, 3, 4], 9) as tf.Tensor3D;
        return tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
          tf.sum(tf.square(tf.conv1d(xx as tf.Tensor3D, ff as tf.Tensor3D, stride, pad))))([x, f]);
      }, 1e-4, `conv1d ${stride} ${pad}`);
    }
    await expectWasmMatchesCpu(() => {
      const x = randomTensor([2, 6, 6, 3], 10) as tf.Tensor4D;
      const f = randomTensor([3, 3, 3, 4], 11) as tf.Tensor4D;
      const b = randomTensor([4], 12) as tf.Tensor1D;
      return tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.fused.conv2d({
        x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: 1, pad: 'same', bias: bb, activation: 'relu',
      }))))([x, f, b]);
    }, 1e-4, 'fused conv2d');
  });

  it('a filter gradient equals the float64 definition dW = sum over positions of x_patch dy', async () => {
    await setBackend('wasm');
    const [n, h, w, cin, kh, kw, cout, s] = [2, 6, 5, 2, 3, 2, 3, 2];
    const xv = randomValues(n * h * w * cin, 13);
    const oh = Math.floor((h - kh) / s) + 1;
    const ow = Math.floor((w - kw) / s) + 1;
    const dyv = randomValues(n * oh * ow * cout, 14);
    const ref = new Float64Array(kh * kw * cin * cout);
    for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) {
        ref[((p * kw + q) * cin + c) * cout + o] +=
          xv[((b * h + i * s + p) * w + j * s + q) * cin + c] * dyv[((b * oh + i) * ow + j) * cout + o];
      }
    }
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => tf.grad((f: tf.Tensor) => tf.sum(tf.mul(
      tf.conv2d(tf.tensor4d(xv, [n, h, w, cin]), f as tf.Tensor4D, s, 'valid'), tf.tensor4d(dyv, [n, oh, ow, cout]))))(
      tf.zeros([kh, kw, cin, cout])).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    expectAllClose(got, ref, 1e-5, 'dW vs definition');
  });

  it('stock wasm lacks Conv2DBackpropFilter; the fix is idempotent', async () => {
    await setBackend('wasm');
    const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(ours).toBeDefined();
    installWasmConv2DBackpropFilter();
    installBackendFixes();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(ours);
    uninstallWasmConv2DBackpropFilter();
    try {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
      const f = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
      expect(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid')))([x, f]))
        .toThrow(/Conv2DBackpropFilter/);
      tf.dispose([x, f]);
    } finally {
      installWasmConv2DBackpropFilter();
    }
  });

  it('a tfjs-layers Conv2D model trained with model.fit for 2 epochs on wasm tracks the cpu run', async () => {
    const xs = randomValues(16 * 8 * 8 * 2, 20);
    const ys = randomValues(16 * 3, 21);
    const train = async (): Promise<Float32Array[]> => {
      const model = tfl.sequential({ layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ] });
      const init = model.getWeights().map((w, i) => tf.tidy(() => tf.mul(randomTensor(w.shape, 30 + i), 0.5)));
      model.setWeights(init);
      tf.dispose(init);
      const optimizer = tf.train.sgd(0.05);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const x = tf.tensor4d(xs, [16, 8, 8, 2]);
      const y = tf.tensor2d(ys, [16, 3]);
      await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const out = model.getWeights().map((w) => w.dataSync() as Float32Array);
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return out;
    };
    await setBackend('cpu');
    const cpu = await train();
    await setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = await train();
    expect(tf.memory().numTensors).toBe(before);
    const init = tf.tidy(() => tf.mul(randomTensor([3, 3, 2, 4], 30), 0.5).dataSync());
    let moved = 0;
    for (let i = 0; i < cpu[0].length; i++) moved = Math.max(moved, Math.abs(cpu[0][i] - init[i]));
    expect(moved, 'training changed the weights').toBeGreaterThan(1e-3);
    cpu.forEach((w, i) => expectAllClose(wasm[i], w, 1e-4, `weight ${i}`));
  });
});
