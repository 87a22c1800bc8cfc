import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { spectralNormalize } from '../../src/constrain/SpectralNormalize.js';
import { lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { spectralHardCap } from '../../src/constrain/SpectralHardCap.js';
import { spectralSoftCap } from '../../src/constrain/SpectralSoftCap.js';
import { spectralHammer, type SpectralHammerOptions } from '../../src/constrain/SpectralHammer.js';
import { spectralNormalization } from '../../src/layers/SpectralNormalization.js';
import { LipkitError } from '../../src/util/errors.js';
import { constraintsCallback } from '../../src/constrain/applyConstraints.js';
import type { Constraint } from '../../src/constrain/spectralConstraintBase.js';
import { denseConvNorm } from '../estimate/conv/denseConvOracle.js';
import { convKernelOperator } from '../../src/estimate/conv/convKernelOperator.js';
import { CHEAP_CHECK_COST, certificateCost } from '../../src/constrain/certifiedMatrixNorm.js';

/**
 * The five spectral constraints and the SpectralNormalization layer on conv kernels with
 * `inputShape`: the promise holds for the TRUE operator norm of the convolution (oracle: the dense
 * float64 operator matrix of `denseConvOracle` and its exact SVD) after every call of a simulated
 * fast training run (each step adds noise of 5 % of the cap per entry), from the first call on,
 * in the default ('checked') and 'certified' modes. Two routes: small operators are measured as
 * their exact matrix (`cheapConvOperatorMatrix`, certified every call); larger ones by power
 * iteration on conv/conv-transpose with `convSpectralNorm` checks (`BIG`).
 */
const CAP = 1;
type Geometry = { inputShape: [number, number, number]; padding: 'same' | 'valid'; strides: number };
type Guarantee = 'checked' | 'certified';
const GEOMETRIES: Geometry[] = [{ inputShape: [5, 4, 2], padding: 'same', strides: 1 }, { inputShape: [5, 5, 2], padding: 'valid', strides: 2 }];
/** Operator 108 x 432 (strided 'same'): its host certificate is not cheap, so the power-iteration route runs. */
const BIG: Geometry = { inputShape: [12, 12, 3], padding: 'same', strides: 2 };
type Make = (g: Geometry, guarantee: Guarantee) => Constraint;
const MAKERS: [string, Make, 'normalize' | 'cap'][] = [
  ['spectralNormalize', (g, guarantee) => spectralNormalize({ target: CAP, ...g, guarantee }), 'normalize'],
  ['lipschitzProjection', (g, guarantee) => lipschitzProjection({ maxNorm: CAP, ...g, guarantee }), 'cap'],
  ['spectralHardCap', (g, guarantee) => spectralHardCap({ cap: CAP, ...g, guarantee }), 'cap'],
  ['spectralSoftCap', (g, guarantee) => spectralSoftCap({ cap: CAP, ...g, guarantee }), 'cap'],
  ['spectralHammer', (g, guarantee) => spectralHammer({ cap: CAP, ...g, guarantee }), 'cap'],
];
const CASES = MAKERS.flatMap(([name, make, kind]) => (['checked', 'certified'] as const).map((guarantee) => ({ name, make, kind, guarantee })));

const opNorm = (k: tf.Tensor, g: Geometry): number => denseConvNorm({
  kernel: Array.from(k.dataSync()), kshape: k.shape, inputShape: g.inputShape.slice(0, 2), strides: [g.strides, g.strides], dilation: [1, 1], padding: g.padding,
});
const operatorCost = (g: Geometry): number => {
  const op = convKernelOperator(tf.zeros([3, 3, g.inputShape[2], g.inputShape[2]]), g.inputShape, g);
  return certificateCost(op.outDim, op.inDim);
};

/**
 * Kernels [3, 3, c, c]: random x3, and a close-gap one (centre tap 3 I plus 1e-3 noise: the
 * operator is ~3 I, or for stride 2 ~3 times a selection, all singular values within ~1 %).
 */
function kernels(c: number): tf.Tensor[] {
  return tf.tidy(() => {
    const random = tf.mul(tf.randomNormal([3, 3, c, c], 0, 1, 'float32', 5), 3);
    const centre = tf.buffer([3, 3, c, c]);
    for (let i = 0; i < c; i++) centre.set(3, 1, 1, i, i);
    const close = tf.add(centre.toTensor(), tf.randomNormal([3, 3, c, c], 0, 1e-3, 'float32', 6));
    return [random, close];
  });
}

/** The promise on the operator norm `s` of a result (normalize: within 1e-3 of CAP; certified: at most CAP up to rounding). */
function expectPromise(s: number, promise: number, kind: 'normalize' | 'cap', guarantee: Guarantee, what: string): void {
  if (kind === 'normalize') {
    expect(Math.abs(s / CAP - 1), what).toBeLessThanOrEqual(guarantee === 'certified' ? 2e-2 : 1e-3);
    if (guarantee === 'certified') expect(s, what).toBeLessThanOrEqual(CAP * (1 + 1e-5));
  } else {
    expect(s, what).toBeLessThanOrEqual(promise * (guarantee === 'certified' ? 1 + 1e-5 : 1 + 1e-3));
  }
}

/** `steps` calls of a constraint on each kernel (noise between calls), each result checked by the oracle. */
function runConstraint(make: Make, kind: 'normalize' | 'cap', guarantee: Guarantee, g: Geometry, ks: tf.Tensor[], steps: number): void {
  for (const [ki, k0] of ks.entries()) {
    const c = make(g, guarantee);
    let w = k0;
    const promise = (c as { promise?: () => number }).promise?.() ?? CAP;
    for (let step = 0; step < steps; step++) {
      const next = c.apply(w);
      expectPromise(opNorm(next, g), promise, kind, guarantee, `${JSON.stringify(g)} kernel ${ki} step ${step}`);
      w.dispose();
      w = tf.tidy(() => tf.add(next, tf.randomNormal(next.shape, 0, 0.05 * CAP, 'float32', 100 + step)));
      next.dispose();
    }
    w.dispose();
    (c as { dispose?: () => void }).dispose?.();
  }
}

/**
 * `steps` training calls of a SpectralNormalization-wrapped Conv2D on each kernel (the kernel
 * jumps to it, as after an optimizer step, then a training call normalizes it); the kernel each
 * call used, `target W / lastTrainingSigma`, is checked by the oracle.
 */
function runLayer(guarantee: Guarantee, g: Geometry, ks: tf.Tensor[], steps: number): void {
  for (const [ki, k0] of ks.entries()) {
    const sn = spectralNormalization({
      layer: tfl.layers.conv2d({ filters: g.inputShape[2], kernelSize: 3, strides: g.strides, padding: g.padding, useBias: false }), inputShape: g.inputShape, target: CAP, guarantee,
    });
    const model = tfl.sequential({ layers: [sn] });
    expect(sn.operatorMethod).toBe('conv operator');
    const x = tf.ones([1, ...g.inputShape]);
    let w = k0;
    for (let step = 0; step < steps; step++) {
      sn.layer.setWeights([w]);
      tf.dispose(sn.apply(x, { training: true }) as tf.Tensor);
      const effective = tf.mul(w, CAP / sn.lastTrainingSigma);
      expectPromise(opNorm(effective, g), CAP, 'normalize', guarantee, `${JSON.stringify(g)} kernel ${ki} step ${step} (layer)`);
      effective.dispose();
      const next = tf.tidy(() => tf.add(w, tf.randomNormal(w.shape, 0, 0.05 * CAP, 'float32', 100 + step)));
      w.dispose();
      w = next;
    }
    tf.dispose([w, x]);
    model.dispose();
  }
}

describe.each(['cpu', 'wasm'] as const)('spectral constraints on conv kernels with inputShape keep the operator-norm promise (%s; oracle: dense operator, exact SVD)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('the small geometries take the exact-matrix route, BIG the power-iteration route', () => {
    for (const g of GEOMETRIES) expect(operatorCost(g)).toBeLessThanOrEqual(CHEAP_CHECK_COST);
    expect(operatorCost(BIG)).toBeGreaterThan(CHEAP_CHECK_COST);
  });

  it.each(CASES)('$name ($guarantee): every call of a 4-step run, random and close-gap kernels, both geometries', ({ make, kind, guarantee }) => {
    const before = tf.memory().numTensors;
    for (const g of GEOMETRIES) runConstraint(make, kind, guarantee, g, kernels(2), 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['checked', 'certified'] as const)('spectralNormalization layer (%s): the kernel of every training call of a 4-step run, random and close-gap kernels, both geometries', (guarantee) => {
    const before = tf.memory().numTensors;
    for (const g of GEOMETRIES) runLayer(guarantee, g, kernels(2), 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a Conv2D model with a conv-operator constraint trains, saves and loads unchanged (weights bit for bit, constraint options equal)', async () => {
    const before = tf.memory().numTensors;
    const g = GEOMETRIES[0];
    const build = (): tfl.Sequential => tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: g.inputShape, filters: 2, kernelSize: 3, padding: 'same', kernelConstraint: lipschitzProjection({ maxNorm: CAP, inputShape: g.inputShape, padding: 'same', strides: 1, guarantee: 'certified' }), kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }),
      tfl.layers.flatten(), tfl.layers.dense({ units: 2 }),
    ] });
    const m = build();
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, ...g.inputShape], 0, 1, 'float32', 7);
    const y = tf.randomNormal([16, 2], 0, 1, 'float32', 8);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [constraintsCallback()] });
    const kernel = m.layers[0].getWeights()[0];
    expect(opNorm(kernel, g)).toBeLessThanOrEqual(CAP * (1 + 1e-5));
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const w1 = m.getWeights().map((t) => Array.from(t.dataSync()));
    const w2 = loaded.getWeights().map((t) => Array.from(t.dataSync()));
    expect(w2).toEqual(w1);
    const cfg = (mm: tfl.LayersModel): unknown => (mm.layers[0].getConfig() as { kernelConstraint: unknown }).kernelConstraint;
    // the options round-trip (the persisted power-iteration state may differ: it is refreshed on save)
    const opts = (mm: tfl.LayersModel): unknown => {
      const c = cfg(mm) as { className: string; config: Record<string, unknown> };
      const { maxNorm, inputShape, padding, strides, guarantee } = c.config;
      return { className: c.className, maxNorm, inputShape, padding, strides, guarantee };
    };
    expect(opts(loaded)).toEqual(opts(m));
    expect((opts(m) as { maxNorm: number }).maxNorm).toBe(CAP);
    tf.dispose([x, y]);
    m.dispose();
    loaded.dispose();
    tf.disposeVariables();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});

describe('larger conv operators (power-iteration route, cpu): the same promise on every call', () => {
  beforeAll(async () => { await setBackend('cpu'); });
  const pick = (name: string): [Make, 'normalize' | 'cap'] => {
    const m = MAKERS.find(([n]) => n === name) as [string, Make, 'normalize' | 'cap'];
    return [m[1], m[2]];
  };
  // the caps' shared projection measures as spectralNormalize does (SpectralConstraintBase.measure), the layer on its own
  it('spectralNormalize: checked (random and close-gap kernels, 2 calls), certified (random kernel, 1 call)', () => {
    const before = tf.memory().numTensors;
    const [make, kind] = pick('spectralNormalize');
    runConstraint(make, kind, 'checked', BIG, kernels(3), 2);
    const [random, close] = kernels(3);
    close.dispose();
    runConstraint(make, kind, 'certified', BIG, [random], 1);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('spectralNormalization layer: checked (random and close-gap kernels, 2 calls), certified (random kernel, 2 calls)', () => {
    const before = tf.memory().numTensors;
    runLayer('checked', BIG, kernels(3), 2);
    const [random, close] = kernels(3);
    close.dispose();
    runLayer('certified', BIG, [random], 2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad conv-constraint options name the field', () => {
  const field = (fn: () => unknown): string => { try { fn(); } catch (e) { return e instanceof LipkitError ? e.argument : `other: ${String(e)}`; } return 'none'; };
  const g = GEOMETRIES[0];
  it.each([
    ['spectralNormalize', 'target', (v: unknown) => spectralNormalize({ target: v as number, ...g })],
    ['lipschitzProjection', 'maxNorm', (v: unknown) => lipschitzProjection({ maxNorm: v as number, ...g })],
    ['spectralHardCap', 'cap', (v: unknown) => spectralHardCap({ cap: v as number, ...g })],
    ['spectralSoftCap', 'cap', (v: unknown) => spectralSoftCap({ cap: v as number, ...g })],
    ['spectralHammer', 'cap', (v: unknown) => spectralHammer({ cap: v as number, ...g })],
  ] as const)('%s: %s <= 0, NaN, Infinity; unknown guarantee; bad inputShape', (name, key, make) => {
    for (const bad of [0, -1, NaN, Infinity]) expect(field(() => make(bad)), `${key} = ${bad}`).toBe(`options.${key}`);
    const withOptions = (extra: object): string => field(() => {
      const base = { spectralNormalize, lipschitzProjection, spectralHardCap, spectralSoftCap, spectralHammer }[name] as (o: object) => unknown;
      return base({ [key]: 1, ...g, ...extra });
    });
    expect(withOptions({ guarantee: 'exact' })).toBe('options.guarantee');
    expect(withOptions({ guarantee: 'certified' })).toBe('none');
    expect(withOptions({ inputShape: [6, 0, 2] })).toBe('options.inputShape[1]');
    expect(withOptions({ padding: 'full' })).toBe('options.padding');
    expect(withOptions({ strides: [1, 0] })).toBe('options.strides[1]');
  });

  it('faithful (the paper\'s map on the reshaped kernel, no operator projection) refuses inputShape instead of ignoring it', () => {
    expect(field(() => spectralHammer({ cap: 1, faithful: true, ...g }))).toBe('options.inputShape');
    expect(field(() => spectralHardCap({ cap: 1, faithful: true, ...g }))).toBe('options.inputShape');
    expect(field(() => spectralHammer({ cap: 1, faithful: true }))).toBe('none');
    expect(field(() => spectralHardCap({ cap: 1, faithful: true }))).toBe('none');
  });

  it('spectralHammer\'s conv options round-trip through getConfig', () => {
    const c = spectralHammer({ cap: 1, ...GEOMETRIES[1] });
    const back = spectralHammer(c.getConfig() as unknown as SpectralHammerOptions);
    expect(back.conv).toEqual({ inputShape: [5, 5, 2], padding: 'valid', strides: 2 });
  });
});
