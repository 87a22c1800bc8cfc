import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { mobileNetV2 } from '../../../src/models/zoo/mobileNetV2.js';
import { resNet50 } from '../../../src/models/zoo/resNet50.js';
import { inceptionV3 } from '../../../src/models/zoo/inceptionV3.js';
import { vgg16 } from '../../../src/models/zoo/vgg16.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectError as expectLipkitError } from '../../expectLipkitError.js';

beforeAll(async () => { await setBackend('cpu'); });

function count(model: tfl.LayersModel, cls: string): number {
  return model.layers.filter((l) => l.getClassName() === cls).length;
}

/** Largest ||f(x) - f(y)|| / ||x - y|| over seeded random pairs at a few distances. */
function observedQuotient(model: tfl.LayersModel, shape: number[], pairs: number): number {
  return tf.tidy(() => {
    let best = 0;
    for (let i = 0; i < pairs; i++) {
      const x = tf.randomNormal([1, ...shape], 0, 1, 'float32', 100 + i);
      const d = tf.randomNormal([1, ...shape], 0, [1e-2, 1e-1, 1][i % 3], 'float32', 200 + i);
      const fx = model.predict(x) as tf.Tensor;
      const fy = model.predict(tf.add(x, d)) as tf.Tensor;
      const q = tf.norm(tf.sub(fx, fy)).dataSync()[0] / tf.norm(d).dataSync()[0];
      best = Math.max(best, q);
    }
    return best;
  });
}

describe('model zoo: Keras application shapes with seeded random weights', () => {
  it('MobileNetV2 has its 52 batch norms, 17 depthwise convolutions, 10 residual Adds and ReLU6', () => {
    const m = mobileNetV2({ inputSize: 32, classes: 10 });
    expect(count(m, 'BatchNormalization')).toBe(52);
    expect(count(m, 'DepthwiseConv2D')).toBe(17);
    expect(count(m, 'Add')).toBe(10);
    expect(m.outputs[0].shape).toEqual([null, 10]);
    expect(m.layers.find((l) => l.getClassName() === 'ReLU')?.getConfig().maxValue).toBe(6);
    m.dispose();
  });
  it('ResNet50 has 53 convolutions, 53 batch norms and 16 Adds; InceptionV3 94 convolutions and 15 Concatenates; VGG16 13 convolutions', () => {
    const r = resNet50({ inputSize: 32, classes: 10 });
    expect([count(r, 'Conv2D'), count(r, 'BatchNormalization'), count(r, 'Add')]).toEqual([53, 53, 16]);
    r.dispose();
    const i = inceptionV3({ inputSize: 75, classes: 10 });
    expect([count(i, 'Conv2D'), count(i, 'Concatenate')]).toEqual([94, 15]);
    expect(i.outputs[0].shape).toEqual([null, 10]);
    i.dispose();
    const v = vgg16({ inputSize: 32, classes: 10 });
    expect(count(v, 'Conv2D')).toBe(13);
    v.dispose();
  });
  it('the same seed gives the same weights, another seed others', () => {
    const w = (seed: number): number => {
      const m = mobileNetV2({ inputSize: 32, classes: 4, seed });
      const v = m.getLayer('block_3_depthwise').getWeights()[0].dataSync()[5];
      m.dispose();
      return v;
    };
    expect(w(1)).toBe(w(1));
    expect(w(1)).not.toBe(w(2));
  });
  it('rejects bad options naming the field', () => {
    expectLipkitError(() => mobileNetV2({ inputSize: 8 }), 'options.inputSize');
    expectLipkitError(() => inceptionV3({ inputSize: 64 }), 'options.inputSize');
    expectLipkitError(() => resNet50({ classes: 0 }), 'options.classes');
  });
});

describe('lipschitzBound on a MobileNetV2-shaped model (32x32 input), end to end', () => {
  it('is certified, above every observed difference quotient, lists every layer, reports progress and each merge once', () => {
    const m = mobileNetV2({ inputSize: 32, classes: 10, seed: 3 });
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const r = lipschitzBound(m, { onProgress: (p) => { expect(p.total).toBe(m.layers.length - 1); progress.push(p.done); } });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.certified).toBe(true);
    expect(r.layers.map((l) => l.name)).toEqual(m.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
    expect(r.layers.every((l) => Number.isFinite(l.lipschitz) && l.lipschitz > 0)).toBe(true);
    expect(progress).toEqual(Array.from({ length: m.layers.length - 1 }, (_, i) => i + 1));
    expect(new Set(r.notes).size).toBe(r.notes.length);
    // 52 batch norms, each merged into the convolution before it.
    expect(r.notes.filter((n) => n.startsWith('merged ')).length).toBe(52);
    // The structure-aware paths were taken.
    const method = (name: string): string => r.layers.find((l) => l.name === name)?.method ?? '';
    expect(method('block_2_depthwise')).toMatch(/^depthwise: max over 144 channels/);
    expect(method('block_2_project')).toMatch(/^1x1 convolution = its 144x24 channel matrix/);
    expect(method('Conv1')).toMatch(/^Gram iteration on DFT blocks/);
    const q = observedQuotient(m, [32, 32, 3], 6);
    expect(q).toBeGreaterThan(0);
    expect(r.upperBound).toBeGreaterThanOrEqual(q);
    expect(r.unmergedBound).toBeGreaterThanOrEqual(r.upperBound);
    m.dispose();
  });
  it("convNorm 'dft-power' (the older route) agrees with the fast paths on a small conv / depthwise / 1x1 stack", () => {
    const input = tfl.input({ shape: [6, 7, 3] });
    let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tfl.initializers.heNormal({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 5, kernelSize: 1, kernelInitializer: tfl.initializers.heNormal({ seed: 3 }) }).apply(x) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: x });
    const fast = lipschitzBound(m, { merge: false });
    const old = lipschitzBound(m, { merge: false, convNorm: 'dft-power' });
    fast.layers.forEach((l, i) => {
      // The older route may be tighter on tiny inputs (dense operator matrix), never below the true norm either.
      expect(l.lipschitz).toBeGreaterThanOrEqual(old.layers[i].lipschitz / (1 + 2e-3));
    });
    expect(fast.layers[2].lipschitz).toBeLessThanOrEqual(old.layers[2].lipschitz * (1 + 2e-3)); // 1x1: both exact
    expectLipkitError(() => lipschitzBound(m, { convNorm: 'svd' as never }), 'options.convNorm');
    m.dispose();
  });
});
