import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { SpectralNormalization, spectralNormalization } from '../../src/layers/SpectralNormalization.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { LipkitError } from '../../src/util/errors.js';
import { exactSigma, f64, maxAbsDiff, operatorMatrix, roundTrip } from './helpers.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { expectNoTrainingLeaks } from './leakCheck.js';

const glorot = (seed: number) => tfl.initializers.glorotNormal({ seed });

/** Trains `model` for `steps` Adam steps on seeded data (fit, batch = all). */
async function train(model: tfl.LayersModel, inputShape: number[], steps: number, seed: number): Promise<void> {
  const x = tf.randomNormal([16, ...inputShape], 0, 1, 'float32', seed);
  const outShape = (model.outputs[0].shape.slice(1) as number[]);
  const y = tf.randomNormal([16, ...outShape], 0, 1, 'float32', seed + 1);
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  await model.fit(x, y, { epochs: steps, batchSize: 16, verbose: 0 });
  x.dispose();
  y.dispose();
}

/** Exact top singular value of the wrapped layer's map (bias-free, linear activation) on `inputShape`. */
function exactLayerNorm(layer: tfl.layers.Layer, inputShape: number[]): number {
  return exactSingularValues(operatorMatrix((x) => layer.apply(x) as tf.Tensor, inputShape))[0];
}

describe.each(['cpu', 'wasm'] as const)('SpectralNormalization on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('Dense: the effective kernel has exact sigma = target after warm-up and after training (1e-2)', async () => {
    for (const target of [1, 2.5]) {
      const sn = spectralNormalization({
        layer: tfl.layers.dense({ units: 12, inputShape: [7], kernelInitializer: glorot(3), activation: 'tanh' }), target,
      });
      const model = tfl.sequential({ layers: [sn, tfl.layers.dense({ units: 2, kernelInitializer: glorot(4) })] });
      expect(sn.operatorMethod).toBe('dense');
      const k0 = sn.effectiveKernel();
      expect(Math.abs(exactSigma(k0) - target)).toBeLessThan(1e-2 * target);
      k0.dispose();
      await train(model, [7], 5, 11);
      const k1 = sn.effectiveKernel();
      expect(Math.abs(exactSigma(k1) - target)).toBeLessThan(1e-2 * target);
      k1.dispose();
      model.dispose();
    }
  });

  it("PyTorch's step per training call (two products from the stored u), none at inference; against float64", () => {
    // 160 x 160: above the cheap-certificate size, so the second training call is the plain step.
    const n = 160;
    const sn = new SpectralNormalization({ layer: tfl.layers.dense({ units: n, useBias: false, kernelInitializer: glorot(8) }) });
    const x = tf.randomNormal([3, n], 0, 1, 'float32', 9);
    tf.dispose(sn.apply(x) as tf.Tensor); // builds
    const before = sn.getWeights().map(f64);
    tf.dispose(sn.apply(x, { training: false }) as tf.Tensor);
    sn.getWeights().forEach((t, i) => expect(maxAbsDiff(t, tf.tensor(Float32Array.from(before[i]), t.shape))).toBe(0));
    tf.dispose(sn.apply(x, { training: true }) as tf.Tensor); // first training call: certified check
    const [w, u0] = sn.getWeights().map(f64); // kernel [n, n], sn_u [n], sn_v [n]
    const exact = exactSigma(sn.getWeights()[0] as tf.Tensor);
    expect(sn.lastTrainingSigma).toBeGreaterThanOrEqual(exact / (1 + 5e-4));
    expect(sn.lastTrainingSigma).toBeLessThanOrEqual(exact * (1 + 1e-3));
    // float64 step from u0 (map v -> v W): v = n(W u0), u = n(v W).
    const apply = (v: Float64Array) => Float64Array.from({ length: n }, (_, j) => v.reduce((s, vi, i) => s + vi * w[i * n + j], 0));
    const adjoint = (u: Float64Array) => Float64Array.from({ length: n }, (_, i) => u.reduce((s, uj, j) => s + uj * w[i * n + j], 0));
    const unit = (a: Float64Array) => { const m = Math.hypot(...a); return a.map((e) => e / m); };
    const v1 = unit(adjoint(u0));
    const u1 = unit(apply(v1));
    const y = sn.apply(x, { training: true }) as tf.Tensor;
    const [, u, v] = sn.getWeights().map(f64);
    u.forEach((e, i) => expect(e).toBeCloseTo(u1[i], 4));
    v.forEach((e, i) => expect(e).toBeCloseTo(v1[i], 4));
    const sigma = u1.reduce((s, ui, j) => s + ui * apply(v1)[j], 0);
    expect(sn.sigma()).toBeCloseTo(sigma, 4);
    expect(sn.lastTrainingSigma).toBeCloseTo(sigma, 4);
    // The output used the updated vectors: y = x W / sigma.
    const expected = tf.tidy(() => tf.div(tf.matMul(x, tf.tensor2d(Float32Array.from(w), [n, n])), sigma));
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-4);
    tf.dispose([x, y, expected]);
    sn.dispose();
  });

  it('the kernel gradient is that of W / (u^T W v) (central finite differences in float64)', () => {
    const sn = new SpectralNormalization({ layer: tfl.layers.dense({ units: 3, useBias: false, kernelInitializer: glorot(21) }), target: 1.5 });
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 22);
    tf.dispose(sn.apply(x) as tf.Tensor);
    const r = tf.randomNormal([4, 3], 0, 1, 'float32', 23);
    const kernel = sn.trainableWeights[0].read() as tf.Variable;
    const g = tf.variableGrads(() => tf.sum(tf.mul(sn.apply(x, { training: false }) as tf.Tensor, r)) as tf.Scalar, [kernel]);
    const grad = f64(g.grads[kernel.name]);
    const [w, u, v] = sn.getWeights().map(f64);
    const X = f64(x), R = f64(r);
    const f = (W: Float64Array): number => {
      let sigma = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sigma += v[i] * W[i * 3 + j] * u[j];
      let s = 0;
      for (let b = 0; b < 4; b++) for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) s += R[b * 3 + j] * X[b * 3 + i] * W[i * 3 + j];
      return (1.5 * s) / sigma;
    };
    for (let k = 0; k < 9; k++) {
      const h = 1e-6;
      const wp = w.slice(); wp[k] += h;
      const wm = w.slice(); wm[k] -= h;
      expect(grad[k]).toBeCloseTo((f(wp) - f(wm)) / (2 * h), 3);
    }
    tf.dispose([x, r, g.value, ...Object.values(g.grads)]);
    sn.dispose();
  });

  const convCases = [
    { name: 'Conv2D same', make: () => tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: glorot(5) }), shape: [6, 6, 2] },
    { name: 'Conv2D valid stride 2', make: () => tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'valid', useBias: false, kernelInitializer: glorot(6) }), shape: [6, 5, 2] },
    { name: 'Conv1D valid', make: () => tfl.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'valid', useBias: false, kernelInitializer: glorot(7) }), shape: [10, 2] },
    { name: 'Conv1D same stride 2', make: () => tfl.layers.conv1d({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: glorot(8) }), shape: [9, 3] },
  ];
  it.each(convCases)('$name: exact operator norm of the normalized layer = target after build and after training (dense-operator oracle)', async ({ make, shape }) => {
    const sn = spectralNormalization({ layer: make(), target: 1.3, inputShape: shape });
    const model = tfl.sequential({ layers: [sn, tfl.layers.flatten(), tfl.layers.dense({ units: 1, kernelInitializer: glorot(30) })] });
    expect(sn.operatorMethod).toBe('conv operator');
    expect(Math.abs(exactLayerNorm(sn, shape) - 1.3)).toBeLessThan(1.3e-2);
    await train(model, shape, 5, 31);
    expect(Math.abs(exactLayerNorm(sn, shape) - 1.3)).toBeLessThan(1.3e-2);
    model.dispose();
  });

  it('refresh() re-converges sigma after training that outran the 1-step tracking (certified bound stays honest)', async () => {
    // Training toward maximal gain flattens the conv operator's spectrum (top singular values
    // cross), which one power step per update tracks poorly; the certificate must show it.
    const sn = spectralNormalization({ layer: tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: glorot(1) }), inputShape: [5, 5, 1] });
    const model = tfl.sequential({ layers: [sn, tfl.layers.flatten(), tfl.layers.dense({ units: 1, kernelInitializer: glorot(5) })] });
    const x = tf.randomNormal([64, 5, 5, 1], 0, 1, 'float32', 6);
    const y = tf.tidy(() => tf.mul(tf.sum(tf.reshape(x, [64, 25]), 1, true), 3));
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
    const lagged = exactLayerNorm(sn, [5, 5, 1]);
    const certified = lipschitzBound(model).layers[0].lipschitz;
    expect(certified).toBeGreaterThanOrEqual(lagged * (1 - 1e-5));
    // (the zero-padding conv certificate, a circular embedding, is loose on small inputs)
    expect(certified).toBeLessThanOrEqual(lagged * 1.15);
    const before = tf.memory().numTensors;
    sn.refresh();
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(exactLayerNorm(sn, [5, 5, 1]) - 1)).toBeLessThan(2e-3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('conv with an unknown input size falls back to the reshaped kernel (PyTorch), which does not bound the operator', () => {
    const sn = spectralNormalization({ layer: tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: glorot(5) }), inputShape: [null, null, 2] as unknown as number[] });
    const model = tfl.sequential({ layers: [sn] });
    expect(sn.operatorMethod).toBe('reshaped kernel');
    const k = sn.effectiveKernel();
    expect(Math.abs(exactSigma(k, 18) - 1)).toBeLessThan(1e-2);
    k.dispose();
    // The true operator on a 6x6 input is larger than 1: the reshaped norm is not a bound.
    expect(exactLayerNorm(sn, [6, 6, 2])).toBeGreaterThan(1.05);
    model.dispose();
  });

  it('save/load reproduces outputs exactly (weights incl. u, v; config incl. the inner layer)', async () => {
    const input = tfl.input({ shape: [5, 5, 2] });
    const c = spectralNormalization({ layer: tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(1) }), target: 0.8 }).apply(input) as tfl.SymbolicTensor;
    const d = spectralNormalization({ layer: tfl.layers.dense({ units: 2, kernelInitializer: glorot(2) }) }).apply(tfl.layers.flatten().apply(c)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: d });
    await train(model, [5, 5, 2], 3, 41);
    const loaded = await roundTrip(model);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    const x = tf.randomNormal([4, 5, 5, 2], 0, 1, 'float32', 42);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    const sn = loaded.layers[1] as SpectralNormalization;
    expect(sn.target).toBe(0.8);
    expect(sn.layer.getConfig().activation).toBe('relu');
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('lipschitzBound certifies the effective kernel (exact <= bound <= exact * 1.002; merges with Dense)', () => {
    const sn = spectralNormalization({ layer: tfl.layers.dense({ units: 6, inputShape: [4], kernelInitializer: glorot(12) }), target: 2 });
    const model = tfl.sequential({ layers: [sn, tfl.layers.dense({ units: 3, kernelInitializer: glorot(13) })] });
    const before = tf.memory().numTensors;
    const r = lipschitzBound(model);
    expect(tf.memory().numTensors).toBe(before);
    const exact = exactSingularValues(operatorMatrix((x) => tf.sub(model.predict(x) as tf.Tensor, model.predict(tf.zerosLike(x)) as tf.Tensor), [4]))[0];
    expect(r.certified).toBe(true);
    expect(r.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.upperBound).toBeLessThanOrEqual(exact * 1.002);
    expect(r.layers[0].lipschitz).toBeGreaterThan(2 * 0.99);
    expect(r.layers[0].lipschitz).toBeLessThan(2 * 1.01);
    model.dispose();
  });

  it('no leaks: fit epochs and a 100-step custom loop keep numTensors stable', async () => {
    const model = tfl.sequential({ layers: [
      spectralNormalization({ layer: tfl.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same' }), inputShape: [6, 2] }),
      tfl.layers.flatten(),
      spectralNormalization({ layer: tfl.layers.dense({ units: 1 }) }),
    ] });
    const x = tf.randomNormal([8, 6, 2], 0, 1, 'float32', 51);
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 52);
    await expectNoTrainingLeaks(model, x, y, 4);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("forwards the inner layer's regularizer losses (on the raw kernel, as Keras)", () => {
    const sn = spectralNormalization({ layer: tfl.layers.dense({ units: 3, kernelRegularizer: tfl.regularizers.l2({ l2: 0.1 }), kernelInitializer: glorot(61) }) });
    const input = tfl.input({ shape: [2] });
    const model = tfl.model({ inputs: input, outputs: sn.apply(input) as tfl.SymbolicTensor });
    expect(sn.losses.length).toBe(1);
    const [loss] = model.calculateLosses();
    const w = f64(sn.trainableWeights[0].read());
    expect(loss.dataSync()[0]).toBeCloseTo(0.1 * w.reduce((a, b) => a + b * b, 0), 5);
    loss.dispose();
    model.dispose();
  });

  it('bad input: LipkitError naming the option', () => {
    const dense = () => tfl.layers.dense({ units: 2 });
    const err = (f: () => unknown, arg: string) => {
      try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); expect((e as LipkitError).argument).toBe(arg); return; }
      throw new Error('no error');
    };
    err(() => spectralNormalization({ layer: tfl.layers.lstm({ units: 2 }) }), 'config.layer');
    err(() => spectralNormalization({ layer: tfl.layers.depthwiseConv2d({ kernelSize: 2 }) }), 'config.layer');
    err(() => spectralNormalization({ layer: { className: 'NoSuchLayer', config: {} } }), 'config.layer');
    err(() => spectralNormalization({ layer: dense(), target: 0 }), 'config.target');
    err(() => spectralNormalization({ layer: dense(), target: NaN }), 'config.target');
    err(() => spectralNormalization({ layer: dense(), powerIterations: 0 }), 'config.powerIterations');
    err(() => spectralNormalization({ layer: dense(), warmupIterations: 1.5 }), 'config.warmupIterations');
    const built = dense();
    built.apply(tfl.input({ shape: [3] }));
    err(() => spectralNormalization({ layer: built }), 'config.layer');
    err(() => new SpectralNormalization({ layer: dense() }).sigma(), 'layer');
  });
});
