import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { groupSortLayer } from '../../src/layers/GroupSort.js';
import { spectralNormalization } from '../../src/layers/SpectralNormalization.js';

/**
 * The README's list of layers a gradient penalty passes through: each entry is run here on cpu and
 * wasm. The penalty P(θ) = mean(|d sum f(x) / dx|²) through [layers..., Flatten, Dense(1)] is
 * differentiated in the weights, and the directional derivative <∇P, V> is checked against the central
 * difference (P(θ + tV) - P(θ - tV)) / 2t (float32, t = 1e-2, random V), which catches missing and
 * dropped second-order terms (a stock TF.js trap) as well as throws.
 */
const L = tfl.layers;
const seeded = (s: number): ReturnType<typeof tfl.initializers.glorotNormal> => tfl.initializers.glorotNormal({ seed: s });
const dense = (units: number, activation: string, s: number): tfl.layers.Layer =>
  L.dense({ units, activation: activation as 'tanh', kernelInitializer: seeded(s), biasInitializer: tfl.initializers.randomNormal({ seed: s + 100, stddev: 0.3 }) });
const conv = (s: number): tfl.layers.Layer => L.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: seeded(s) });

/** `step`: the finite-difference step (smaller through max pooling, whose argmax must not switch). */
interface Case { name: string; shape: number[]; make: () => tfl.layers.Layer[]; training?: boolean; random?: boolean; step?: number }
export const PENALTY_LAYERS: Case[] = [
  ...['tanh', 'sigmoid', 'relu', 'elu', 'softplus', 'softmax', 'selu', 'swish'].map((a, i) => ({ name: `Dense (${a})`, shape: [6], make: () => [dense(5, a, i + 1)] })),
  { name: 'Conv1D', shape: [8, 2], make: () => [L.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: seeded(11) })] },
  { name: 'Conv2D (strided)', shape: [6, 6, 2], make: () => [L.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: seeded(12) })] },
  { name: 'Conv2D (dilated)', shape: [7, 7, 2], make: () => [L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, activation: 'tanh', kernelInitializer: seeded(13) })] },
  { name: 'DepthwiseConv2D', shape: [6, 6, 2], make: () => [L.depthwiseConv2d({ kernelSize: 3, activation: 'tanh', depthwiseInitializer: seeded(14) })] },
  { name: 'SeparableConv2D', shape: [6, 6, 2], make: () => [L.separableConv2d({ filters: 3, kernelSize: 3, activation: 'tanh', depthwiseInitializer: seeded(15), pointwiseInitializer: seeded(16) })] },
  { name: 'Conv2DTranspose', shape: [4, 4, 2], make: () => [L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, activation: 'tanh', kernelInitializer: seeded(17) })] },
  { name: 'MaxPooling1D', shape: [8, 2], make: () => [L.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: seeded(18) }), L.maxPooling1d({ poolSize: 2 })], step: 1e-4 },
  { name: 'MaxPooling2D', shape: [6, 6, 2], make: () => [conv(19), L.maxPooling2d({ poolSize: 2 })], step: 1e-4 },
  { name: 'AveragePooling1D', shape: [8, 2], make: () => [L.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: seeded(20) }), L.averagePooling1d({ poolSize: 2 })] },
  { name: 'AveragePooling2D (valid)', shape: [6, 6, 2], make: () => [conv(21), L.averagePooling2d({ poolSize: 2 })] },
  { name: 'AveragePooling2D (same)', shape: [5, 5, 2], make: () => [conv(22), L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })] },
  { name: 'GlobalMaxPooling2D', shape: [6, 6, 2], make: () => [conv(23), L.globalMaxPooling2d({})], step: 1e-4 },
  { name: 'GlobalAveragePooling1D', shape: [8, 2], make: () => [L.conv1d({ filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: seeded(24) }), L.globalAveragePooling1d({})] },
  { name: 'GlobalAveragePooling2D', shape: [6, 6, 2], make: () => [conv(25), L.globalAveragePooling2d({})] },
  { name: 'UpSampling2D (nearest)', shape: [3, 3, 2], make: () => [conv(26), L.upSampling2d({ size: [2, 2] })] },
  { name: 'UpSampling2D (bilinear)', shape: [3, 3, 2], make: () => [conv(27), L.upSampling2d({ size: [2, 3], interpolation: 'bilinear' })] },
  { name: 'ZeroPadding2D, Cropping2D', shape: [4, 4, 2], make: () => [conv(28), L.zeroPadding2d({ padding: 1 }), L.cropping2D({ cropping: [[1, 0], [0, 2]] })] },
  { name: 'BatchNormalization (inference)', shape: [6], make: () => [dense(4, 'linear', 29), L.batchNormalization({}), L.activation({ activation: 'tanh' })] },
  { name: 'BatchNormalization (training)', shape: [6], make: () => [dense(4, 'linear', 30), L.batchNormalization({}), L.activation({ activation: 'tanh' })], training: true },
  { name: 'BatchNormalization center/scale false (inference)', shape: [6], make: () => [dense(4, 'linear', 31), L.batchNormalization({ center: false, scale: false }), L.activation({ activation: 'tanh' })] },
  { name: 'LayerNormalization', shape: [6], make: () => [dense(4, 'linear', 32), L.layerNormalization({}), L.activation({ activation: 'tanh' })] },
  { name: 'Dropout (training), Reshape, Flatten', shape: [6], make: () => [dense(4, 'tanh', 33), L.dropout({ rate: 0.25, seed: 1 }), L.reshape({ targetShape: [2, 2] }), L.flatten()], training: true, random: true },
  { name: 'Permute, RepeatVector', shape: [6], make: () => [dense(4, 'tanh', 34), L.repeatVector({ n: 2 }), L.permute({ dims: [2, 1] })] },
  { name: 'ReLU, LeakyReLU, ELU layers', shape: [6], make: () => [dense(4, 'linear', 35), L.leakyReLU({ alpha: 0.2 }), dense(4, 'linear', 36), L.elu({}), dense(4, 'linear', 37), L.reLU({})] },
  { name: 'GroupSort (lipkit)', shape: [6], make: () => [dense(4, 'linear', 38), groupSortLayer({ groupSize: 2 }) as unknown as tfl.layers.Layer, dense(3, 'tanh', 39)] },
  { name: 'SpectralNormalization (lipkit)', shape: [6], make: () => [spectralNormalization({ layer: dense(4, 'tanh', 40) }) as unknown as tfl.layers.Layer] },
];

function build(c: Case): tfl.Sequential {
  const m = tfl.sequential();
  m.add(L.inputLayer({ inputShape: c.shape }));
  for (const l of c.make()) m.add(l);
  if (m.outputs[0].shape.length > 2) m.add(L.flatten());
  m.add(L.dense({ units: 1, useBias: false, kernelInitializer: seeded(99) }));
  return m;
}

function penaltyOf(m: tfl.Sequential, x: tf.Tensor, training: boolean): () => tf.Scalar {
  return () => {
    const g = tf.grad((z: tf.Tensor) => tf.sum(m.apply(z, { training }) as tf.Tensor))(x);
    return tf.mean(tf.square(g));
  };
}

describe.each(['cpu', 'wasm'] as const)('a gradient penalty passes through each listed layer on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(PENALTY_LAYERS)('$name', (c) => {
    const m = build(c);
    const x = tf.randomNormal([4, ...c.shape], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const penalty = penaltyOf(m, x, c.training ?? false);
    const { value, grads } = tf.variableGrads(penalty);
    const vars = m.trainableWeights;
    const V = vars.map((w, i) => tf.randomNormal(w.shape as number[], 0, 1, 'float32', 50 + i));
    let dot = 0;
    for (let i = 0; i < vars.length; i++) {
      const g = grads[vars[i].name];
      if (g === undefined) continue; // a weight the input gradient does not depend on (its FD term is 0 too)
      expect(g.dataSync().every(Number.isFinite), vars[i].name).toBe(true);
      dot += tf.tidy(() => tf.sum(tf.mul(g, V[i])).dataSync()[0]);
    }
    expect(Math.abs(dot)).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    if (!c.random) {
      const t = c.step ?? 1e-2;
      const orig = vars.map((w) => tf.clone(w.read()));
      const at = (s: number): number => {
        vars.forEach((w, i) => {
          const moved = tf.tidy(() => tf.add(orig[i], tf.mul(V[i], s * t)));
          w.write(moved);
          moved.dispose();
        });
        return tf.tidy(() => penalty().dataSync()[0]);
      };
      const fd = (at(1) - at(-1)) / (2 * t);
      vars.forEach((w, i) => w.write(orig[i]));
      expect(Math.abs(fd - dot), `fd ${fd} vs ${dot}`).toBeLessThan(2e-2 * Math.abs(fd) + 1e-5);
      tf.dispose(orig);
    }
    tf.dispose(V);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('and does not pass (TF.js 4.22 limits) through recurrent layers nor BatchNormalization with center/scale false in training', () => {
    const failing: Case[] = [
      { name: 'SimpleRNN', shape: [5, 2], make: () => [L.simpleRNN({ units: 3 })] },
      { name: 'LSTM', shape: [5, 2], make: () => [L.lstm({ units: 3 })] },
      { name: 'GRU', shape: [5, 2], make: () => [L.gru({ units: 3 })] },
      { name: 'BN', shape: [6], make: () => [dense(4, 'linear', 1), L.batchNormalization({ center: false, scale: false })], training: true },
    ];
    const x = (c: Case): tf.Tensor => tf.randomNormal([4, ...c.shape], 0, 1, 'float32', 3);
    for (const c of failing) expect(() => tf.variableGrads(penaltyOf(build(c), x(c), c.training ?? false)), c.name).toThrow();
  });
});
