import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { gradientPenalty } from '../../src/regularize/gradientPenalty.js';
import { finiteDifferenceGradientPenalty } from '../../src/regularize/finiteDifferenceGradientPenalty.js';
import { jacobianPenalty } from '../../src/regularize/jacobianPenalty.js';
import { localLinearityPenalty } from '../../src/regularize/localLinearityPenalty.js';
import { orthogonalityPenalty } from '../../src/regularize/orthogonalityPenalty.js';
import { spectralTargetPenalty } from '../../src/regularize/spectralTargetPenalty.js';
import { SpectralPenalty } from '../../src/regularize/SpectralPenalty.js';
import { decayedWeight } from '../../src/regularize/decayedWeight.js';
import { lipReg } from '../../src/regularize/lipReg.js';
import { lcg } from './helpers.js';

/** A tfjs-layers MLP 3-8-2 (tanh), trained through `model.apply` in a custom loop. */
function mlp(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [3], units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
    ],
  });
}

describe.each(['cpu', 'wasm'] as const)('every regularizer in a 100-step optimizer.minimize loop on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('runs without leaks and lowers the regularized quantity (penalty weight 1 vs 0)', () => {
    const x = tf.tensor2d(lcg(12 * 3, 41), [12, 3]);
    const y = tf.tensor2d(lcg(12 * 2, 42), [12, 2]);
    const xOther = tf.tensor2d(lcg(12 * 3, 43), [12, 3]);
    const kernel = (m: tfl.LayersModel): tf.Tensor => m.layers[0].getWeights()[0];
    const cases: Array<{ name: string; penalty: (m: tfl.LayersModel, f: (t: tf.Tensor) => tf.Tensor) => tf.Scalar; kept?: number }> = [
      { name: 'gradientPenalty', penalty: (_m, f) => gradientPenalty(f, x, { mode: 'interpolate', xOther, seed: 3, target: 0 }) },
      { name: 'finiteDifferenceGradientPenalty', penalty: (_m, f) => finiteDifferenceGradientPenalty(f, x, { mode: 'perturb', seed: 4, target: 0 }) },
      { name: 'jacobianPenalty', penalty: (_m, f) => jacobianPenalty(f, x, { seed: 5 }) },
      { name: 'localLinearityPenalty', penalty: (_m, f) => localLinearityPenalty(f, x, { seed: 6, epsilon: 0.5, lambda: 10 }) },
      { name: 'orthogonalityPenalty', penalty: (m) => orthogonalityPenalty(tf.transpose(kernel(m))) },
      { name: 'spectralTargetPenalty', penalty: (m) => spectralTargetPenalty(kernel(m), 0.5, { iterations: 5 }) },
    ];
    for (const c of cases) {
      const measured: number[] = [];
      for (const weight of [0, 1]) {
        const m = mlp();
        const f = (t: tf.Tensor): tf.Tensor => m.apply(t, { training: true }) as tf.Tensor;
        const opt = tf.train.adam(0.02);
        const step = (): void => {
          tf.dispose(opt.minimize(() => tf.add(
            tf.mean(tf.square(tf.sub(f(x), y))),
            tf.mul(weight, c.penalty(m, f)),
          ) as tf.Scalar, true) ?? []);
        };
        step(); // creates the optimizer's slots
        const before = tf.memory().numTensors;
        for (let i = 0; i < 100; i++) step();
        expect(tf.memory().numTensors, c.name).toBe(before);
        measured.push(tf.tidy(() => c.penalty(m, f).dataSync()[0]));
        opt.dispose();
        m.dispose();
      }
      expect(measured[1], `${c.name}: ${measured}`).toBeLessThan(measured[0]);
    }
    tf.dispose([x, y, xOther]);
  });

  it('SpectralPenalty on all kernels of a model, and the decayed output form of lipReg, in custom loops', () => {
    const x = tf.tensor2d(lcg(12 * 3, 51), [12, 3]);
    const y = tf.tensor2d(lcg(12 * 2, 52), [12, 2]);
    const m = mlp();
    const pen = new SpectralPenalty({ lambda: 0.1 });
    const kernels = (): tf.Tensor[] => m.trainableWeights.filter((w) => w.shape.length === 2).map((w) => w.read());
    const opt = tf.train.adam(0.02);
    const w = decayedWeight(2, 0.05);
    const step = (): void => {
      tf.dispose(opt.minimize(() => {
        const out = m.apply(x, { training: true }) as tf.Tensor;
        // spectral-bias form: L_MSE - lambda e^{-eps t} L_Lip(y_hat), with the 12 outputs as a sequence
        const lip = lipReg(tf.reshape(out, [1, 12, 2]), { skipChecks: true });
        return tf.addN([tf.mean(tf.square(tf.sub(out, y))), tf.mul(-w(opt), lip), pen.loss(kernels())]) as tf.Scalar;
      }, true) ?? []);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(opt.iterations).toBe(101);
    pen.dispose();
    opt.dispose();
    m.dispose();
    tf.dispose([x, y]);
  });
});
