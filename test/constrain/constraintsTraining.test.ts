import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { exactSingularValues } from '../../src/estimate/exactSingularValues.js';
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../src/estimate/network/lipschitzLowerBound.js';
import { SpectralNormalize, spectralNormalize } from '../../src/constrain/SpectralNormalize.js';
import { LipschitzProjection, lipschitzProjection } from '../../src/constrain/LipschitzProjection.js';
import { bjorckOrthonormalize } from '../../src/constrain/BjorckOrthonormalize.js';
import { spectralHardCap } from '../../src/constrain/SpectralHardCap.js';
import { spectralSoftCap } from '../../src/constrain/SpectralSoftCap.js';
import { spectralHammer } from '../../src/constrain/SpectralHammer.js';
import { applyConstraints, constraintsCallback } from '../../src/constrain/applyConstraints.js';
import type { Constraint } from '../../src/constrain/spectralConstraintBase.js';

type Promising = Constraint & { promise: () => number; dispose?: () => void };

const top = (w: tf.Tensor): number => exactSingularValues(w.arraySync() as number[][])[0] as number;

function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([64, 4], 0, 1, 'float32', 21) as tf.Tensor2D;
    const w = tf.randomNormal([4, 2], 0, 3, 'float32', 22);
    return { x, y: tf.sin(tf.matMul(x, w)) as tf.Tensor2D };
  });
}

/** 4-16-16-2 ReLU MLP; `stddev` switches from Glorot to a small normal initialization. */
function mlp(make: () => Constraint, seed = 30, stddev?: number): tfl.Sequential {
  const init = (s: number) => (stddev === undefined ? tfl.initializers.glorotNormal({ seed: s }) : tfl.initializers.randomNormal({ stddev, seed: s }));
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 16, activation: 'relu', kernelConstraint: make(), kernelInitializer: init(seed) }));
  m.add(tfl.layers.dense({ units: 16, activation: 'relu', kernelConstraint: make(), kernelInitializer: init(seed + 1) }));
  m.add(tfl.layers.dense({ units: 2, kernelConstraint: make(), kernelInitializer: init(seed + 2) }));
  return m;
}

const kernels = (m: tfl.LayersModel): tf.Tensor[] => m.layers.map((l) => l.getWeights()[0] as tf.Tensor);

// The hammer only moves the top singular direction: its promise needs sigma_2 <= cap, so its MLP starts small
// (stddev 0.05); the others start from Glorot weights (sigma ~ 1-2, above their caps).
const MAKERS: [string, () => Promising, number | undefined, number][] = [
  // With one power iteration per step (the default) the estimate trails Adam's 0.01 steps by up to ~1% per
  // layer (measured 0.524 > 0.8^3 * 1.02 on wasm); two iterations per step keep the trained MLP within 2%.
  ['spectralNormalize', () => spectralNormalize({ target: 1.5, iterations: 2 }), undefined, 0.01],
  ['lipschitzProjection', () => lipschitzProjection({ maxNorm: 0.8, iterations: 2 }), undefined, 0.01],
  ['bjorckOrthonormalize', () => bjorckOrthonormalize(), undefined, 0.01],
  ['spectralHardCap', () => spectralHardCap({ cap: 0.9 }), undefined, 0.01],
  ['spectralSoftCap', () => spectralSoftCap({ cap: 0.9 }), undefined, 0.01],
  ['spectralHammer', () => spectralHammer({ cap: 0.9 }), 0.05, 0.002],
];

describe.each(['cpu', 'wasm'] as const)('constraints in training on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('tfjs-layers 4.22 fit does not apply constraints by itself; constraintsCallback() does', async () => {
    const { x, y } = data();
    for (const withCallback of [false, true]) {
      const model = mlp(() => lipschitzProjection({ maxNorm: 0.3, iterations: 4 }));
      model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
      await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0, shuffle: false, callbacks: withCallback ? [constraintsCallback()] : [] });
      const sigmas = kernels(model).map(top);
      // 10 large Adam steps: the warm-started estimate trails a little (the 1e-3 promise after warm-up is
      // checked in the custom-loop test); without the callback the kernels are far outside.
      if (withCallback) for (const s of sigmas) expect(s).toBeLessThanOrEqual(0.3 * 1.02);
      else expect(Math.max(...sigmas)).toBeGreaterThan(0.3 * 1.5);
      model.dispose();
    }
    tf.dispose([x, y]);
  });

  it.each(MAKERS)('%s: a trained MLP satisfies lowerBound <= lipschitzBound <= promise * 1.02', async (name, make, stddev, lr) => {
    const { x, y } = data();
    const promises: number[] = [];
    const model = mlp(() => { const c = make(); promises.push(c.promise()); return c; }, 30, stddev);
    model.compile({ optimizer: tf.train.adam(lr), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0, shuffle: false, callbacks: [constraintsCallback()] }); // 50 steps
    if (name === 'spectralHammer') {
      // the hammer's precondition: every second singular value stayed below the cap
      for (const k of kernels(model)) expect(exactSingularValues(k.arraySync() as number[][])[1]).toBeLessThan(0.9);
    }
    const promise = promises.reduce((a, b) => a * b, 1);
    const upper = lipschitzBound(model).upperBound;
    const lower = lipschitzLowerBound(model, tf.slice(x, [0, 0], [16, 4]), { steps: 5 }).lowerBound;
    expect(lower).toBeLessThanOrEqual(upper);
    expect(upper).toBeLessThanOrEqual(promise * 1.02);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('spectralHammer faithful limitation: with larger steps sigma_2 passes the cap and the paper\'s hammer alone no longer bounds the model; the default keeps the cap', async () => {
    const { x, y } = data();
    const safe = mlp(() => spectralHammer({ cap: 0.9 }), 30, 0.05);
    safe.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await safe.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0, shuffle: false, callbacks: [constraintsCallback()] });
    for (const k of kernels(safe)) expect(top(k)).toBeLessThanOrEqual(0.9 * (1 + 1e-3));
    safe.dispose();
    const model = mlp(() => spectralHammer({ cap: 0.9, faithful: true }), 30, 0.05);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 25, batchSize: 32, verbose: 0, shuffle: false, callbacks: [constraintsCallback()] });
    const second = Math.max(...kernels(model).map((k) => exactSingularValues(k.arraySync() as number[][])[1] as number));
    expect(second).toBeGreaterThan(0.9);
    expect(lipschitzBound(model, { method: 'product' }).upperBound).toBeGreaterThan(0.9 ** 3 * 1.02);
    model.dispose(); tf.dispose([x, y]);
  });

  it('100 custom-loop steps with applyConstraints leak nothing and keep every kernel within its promise', () => {
    const { x, y } = data();
    const cs = [spectralNormalize({ target: 1 }), lipschitzProjection({ maxNorm: 0.7 }), spectralHardCap({ cap: 0.9 })];
    let i = 0;
    const model = mlp(() => cs[i++ % cs.length] as Constraint);
    const opt = tf.train.adam(0.01);
    const loss = (): tf.Scalar => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar;
    opt.minimize(loss); applyConstraints(model); // state (optimizer slots, power vectors) created here
    const before = tf.memory().numTensors;
    for (let step = 0; step < 100; step++) {
      opt.minimize(loss);
      expect(applyConstraints(model)).toBe(3);
    }
    expect(tf.memory().numTensors).toBe(before);
    const [k1, k2, k3] = kernels(model) as [tf.Tensor, tf.Tensor, tf.Tensor];
    expect(Math.abs(top(k1) - 1)).toBeLessThan(1e-2);
    expect(top(k2)).toBeLessThanOrEqual(0.7 * (1 + 1e-3));
    expect(top(k3)).toBeLessThanOrEqual(cs[2]!.promise() * (1 + 1e-5));
    opt.dispose(); model.dispose(); tf.dispose([x, y]);
  });
});

describe('constraint serialization', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('getConfig / fromConfig round trips through the registry for every constraint', () => {
    const all = [
      spectralNormalize({ target: 2, iterations: 3, inputShape: [8, 8, 3], strides: [2, 2], padding: 'same' }),
      lipschitzProjection({ maxNorm: 0.5, iterations: 2 }), bjorckOrthonormalize({ iterations: 10, beta: 0.4 }),
      spectralHardCap({ cap: 3 }), spectralSoftCap({ cap: 2, maxUpdateNorm: 0.5, weightDecay: 0.1 }), spectralHammer({ cap: 1.2, iterations: 4 }),
    ];
    const registry = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const c of all) {
      const entry = registry[c.getClassName()];
      expect(entry).toBeDefined();
      const [ctor, fromConfig] = entry as unknown as [tf.serialization.SerializableConstructor<Constraint>, tf.serialization.FromConfigMethod<Constraint>];
      const copy = fromConfig(ctor, JSON.parse(JSON.stringify(c.getConfig())));
      expect(copy.constructor).toBe(c.constructor);
      expect(copy.getConfig()).toEqual(c.getConfig());
    }
  });

  it('a model with constrained layers saved and loaded gives identical outputs and keeps its constraints', async () => {
    // Note: tfjs-layers re-applies every constraint when it loads weights (LayerVariable.write). The
    // projection-type constraints are no-ops on weights they produced (NO_OP_TOLERANCE), so outputs are
    // identical; the caps and Bjorck are not idempotent and would move the loaded weights slightly.
    const model = mlp(() => lipschitzProjection({ maxNorm: 0.8 }));
    const m2 = tfl.sequential();
    // Seeded: with an unseeded start the 20 warm-up power steps sometimes leave sigma outside the
    // no-op tolerance, and loading then moves the weights (a documented limitation, not tested here).
    m2.add(tfl.layers.dense({ inputShape: [4], units: 8, kernelConstraint: spectralNormalize({ target: 2 }), biasConstraint: tfl.constraints.nonNeg(), kernelInitializer: tfl.initializers.glorotNormal({ seed: 41 }) }));
    m2.add(tfl.layers.dense({ units: 3, kernelConstraint: lipschitzProjection({ maxNorm: 0.5, inputShape: undefined }), kernelInitializer: tfl.initializers.glorotNormal({ seed: 42 }) }));
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 40);
    for (const m of [model, m2]) {
      for (let i = 0; i < 20; i++) applyConstraints(m); // warm-up, as after training
      let saved: tf.io.ModelArtifacts | undefined;
      await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const a = m.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      const orig = m.layers.map((l) => (l.getConfig()['kernelConstraint'] as { className: string } | null)?.className);
      const back = loaded.layers.map((l) => (l.getConfig()['kernelConstraint'] as { className: string } | null)?.className);
      expect(back).toEqual(orig);
      const firstConstraint = (loaded.layers[0] as unknown as { kernelConstraint: Constraint }).kernelConstraint;
      expect(firstConstraint instanceof SpectralNormalize || firstConstraint instanceof LipschitzProjection).toBe(true);
      // the power-iteration vectors travel in the config: the loaded constraint starts warm
      const origVectors = (m.layers[0] as unknown as { kernelConstraint: Constraint }).kernelConstraint.getConfig()['powerVectors'];
      expect(origVectors).toHaveLength(1);
      const loadedVectors = firstConstraint.getConfig()['powerVectors'] as { key: string; values: number[] }[];
      const savedVectors = origVectors as { key: string; values: number[] }[];
      expect(loadedVectors[0]?.key).toBe(savedVectors[0]?.key);
      // one more warm power step ran while loading (tfjs re-applies constraints): the vector barely moves
      loadedVectors[0]?.values.forEach((v, i) => expect(Math.abs(v - (savedVectors[0]?.values[i] as number))).toBeLessThan(1e-3));
      tf.dispose([a, b]);
      loaded.dispose();
      m.dispose();
    }
    x.dispose();
  });
});
