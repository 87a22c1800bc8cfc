import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { LipkitError } from '../../../src/util/errors.js';

beforeAll(async () => { await setBackend('cpu'); });

const init = (seed: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });

function modelOf(shape: number[], ...layers: tfl.layers.Layer[]): tfl.LayersModel {
  const input = tfl.input({ shape });
  let x: tfl.SymbolicTensor = input;
  for (const l of layers) x = l.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

/** Oracle for an affine model: its matrix read off TF.js forward passes on basis vectors, exact top singular value. */
function affineNorm(model: tfl.LayersModel, shape: number[]): number {
  const d = shape.reduce((a, b) => a * b, 1);
  const rows = tf.tidy(() => {
    const basis = tf.reshape(tf.eye(d), [d, ...shape]);
    const f = model.predict(basis) as tf.Tensor;
    const f0 = model.predict(tf.zeros([1, ...shape])) as tf.Tensor;
    const j = tf.reshape(tf.sub(f, f0), [d, -1]);
    return j.arraySync() as number[][];
  });
  return exactSingularValues(rows)[0];
}

/** Largest difference quotient over seeded random pairs (a lower bound of the true constant). */
function quotients(model: tfl.LayersModel, shape: number[], scale = 3): number {
  return tf.tidy(() => {
    let best = 0;
    for (let i = 0; i < 20; i++) {
      const x = tf.randomNormal([1, ...shape], 0, scale, 'float32', i);
      const d = tf.randomNormal([1, ...shape], 0, [1e-3, 1e-1, 1][i % 3], 'float32', 50 + i);
      const q = tf.norm(tf.sub(model.predict(tf.add(x, d)) as tf.Tensor, model.predict(x) as tf.Tensor)).dataSync()[0] / tf.norm(d).dataSync()[0];
      best = Math.max(best, q);
    }
    return best;
  });
}

const F32 = 1 + 1e-5; // the oracle reads a float32 forward pass

describe('rules for the layers of real models: linear layers against their exact operator norm', () => {
  const linear: [string, number[], () => tfl.layers.Layer[], boolean][] = [
    ['Conv2DTranspose same stride 2', [3, 4, 2], () => [tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(1) })], false],
    ['Conv2DTranspose valid stride 2, odd size', [3, 3, 2], () => [tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: init(2) })], false],
    ['Conv2DTranspose 1x1 (exact)', [3, 3, 4], () => [tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 1, kernelInitializer: init(3) })], true],
    ['SeparableConv2D same stride 1', [5, 5, 2], () => [tfl.layers.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same', depthwiseInitializer: init(4), pointwiseInitializer: init(5) })], false],
    ['DepthwiseConv2D valid stride 2', [7, 6, 3], () => [tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthwiseInitializer: init(6) })], false],
    ['Rescaling (exact)', [3, 3, 2], () => [tfl.layers.rescaling({ scale: -1 / 127.5, offset: -1 })], true],
    ['ZeroPadding2D (exact)', [3, 3, 2], () => [tfl.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]] })], true],
    ['UpSampling2D nearest (exact)', [3, 4, 2], () => [tfl.layers.upSampling2d({ size: [2, 3] })], true],
    ['UpSampling2D bilinear (exact)', [3, 4, 2], () => [tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })], true],
    ['GlobalAveragePooling2D (exact)', [3, 5, 2], () => [tfl.layers.globalAveragePooling2d({})], true],
    ['AveragePooling2D 3x3 stride 2 same (exact)', [5, 6, 2], () => [tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })], true],
    ['AveragePooling2D 2x2 stride 1 valid (exact)', [4, 5, 1], () => [tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' })], true],
    ['Flatten + Dropout + Dense (exact)', [2, 3, 2], () => [tfl.layers.flatten(), tfl.layers.dropout({ rate: 0.5 }), tfl.layers.dense({ units: 4, kernelInitializer: init(7) })], true],
  ];
  for (const [name, shape, layers, exact] of linear) {
    it(`${name}: certified bound >= the exact norm${exact ? ' and within 0.1 %' : ''}`, () => {
      const m = modelOf(shape, ...layers());
      const r = lipschitzBound(m);
      const norm = affineNorm(m, shape);
      expect(r.certified).toBe(true);
      expect(r.upperBound * F32).toBeGreaterThanOrEqual(norm);
      if (exact) expect(r.upperBound).toBeLessThanOrEqual(norm * 1.001 * F32);
      m.dispose();
    });
  }
});

describe('rules for the layers of real models: nonlinear layers against difference quotients', () => {
  const relu6 = (): tfl.layers.Layer => tfl.layers.reLU({ maxValue: 6 });
  const nonlinear: [string, number[], () => tfl.layers.Layer[], number][] = [
    ['ReLU(maxValue 6) after a Dense', [6], () => [tfl.layers.dense({ units: 5, kernelInitializer: init(8) }), relu6()], 1],
    ["Activation('relu6')", [6], () => [tfl.layers.dense({ units: 5, kernelInitializer: init(9) }), tfl.layers.activation({ activation: 'relu6' })], 1],
    ['MaxPooling2D 3x3 stride 2 same (overlapping windows)', [5, 5, 1], () => [tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })], Math.sqrt(4)],
    ['MaxPooling2D 2x2 valid (disjoint windows)', [4, 4, 2], () => [tfl.layers.maxPooling2d({ poolSize: 2 })], 1],
  ];
  for (const [name, shape, layers, own] of nonlinear) {
    it(`${name}: bound >= observed quotients; the layer's own constant is ${own}`, () => {
      const m = modelOf(shape, ...layers());
      const r = lipschitzBound(m);
      expect(r.upperBound * F32).toBeGreaterThanOrEqual(quotients(m, shape));
      expect(r.layers[r.layers.length - 1].lipschitz).toBeCloseTo(own, 10);
      m.dispose();
    });
  }
  it('Add and Concatenate of branches (residual and inception joins): bound >= observed quotients', () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const a = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: init(10) }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: init(11) }).apply(input) as tfl.SymbolicTensor;
    const s = tfl.layers.add().apply([input, tfl.layers.reLU({ maxValue: 6 }).apply(a) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const c = tfl.layers.concatenate().apply([s, b]) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: c });
    const r = lipschitzBound(m);
    expect(r.certified).toBe(true);
    expect(r.upperBound * F32).toBeGreaterThanOrEqual(quotients(m, [4, 4, 2]));
    m.dispose();
  });
});

describe('unsupported layers name themselves and their class', () => {
  it('LayerNormalization', () => {
    const m = modelOf([4], tfl.layers.dense({ units: 3 }), tfl.layers.layerNormalization({ name: 'ln_7' }));
    expect(() => lipschitzBound(m)).toThrow(LipkitError);
    expect(() => lipschitzBound(m)).toThrow(/layer 'ln_7' \(LayerNormalization\)/);
    m.dispose();
  });
  it('Conv2DTranspose with a fused activation', () => {
    const m = modelOf([3, 3, 1], tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 2, activation: 'relu', name: 'up_1' }));
    expect(() => lipschitzBound(m)).toThrow(/layer 'up_1' \(Conv2DTranspose\).*fused activation/);
    m.dispose();
  });
});
