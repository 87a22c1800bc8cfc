import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { gradientPenalty, gradientPenaltyWithOutput } from '../../src/regularize/gradientPenalty.js';
import { LipkitError } from '../../src/util/errors.js';

describe.each(['cpu', 'wasm'] as const)('gradientPenaltyWithOutput on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it('one forward pass gives the same loss and weight gradients as f(x) plus gradientPenalty', () => {
    for (const activation of ['tanh', 'elu'] as const) {
      const model = tfl.sequential({ layers: [
        tfl.layers.dense({ units: 8, inputShape: [3], activation, kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
        tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
      ] });
      const x = tf.randomNormal([16, 3], 0, 1, 'float32', 3);
      const y = tf.randomNormal([16, 2], 0, 1, 'float32', 4);
      const f = (z: tf.Tensor) => model.apply(z) as tf.Tensor;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const before = tf.memory().numTensors;
      const two = tf.variableGrads(() => tf.add(tf.mean(tf.square(tf.sub(f(x), y))), gradientPenalty(f, x, { kappa: 2, target: 0.5 })) as tf.Scalar, vars);
      let kept: tf.Tensor | null = null;
      const one = tf.variableGrads(() => {
        const { penalty, output } = gradientPenaltyWithOutput(f, x, { kappa: 2, target: 0.5 });
        kept = output;
        return tf.add(tf.mean(tf.square(tf.sub(output, y))), penalty) as tf.Scalar;
      }, vars);
      expect(Math.abs(one.value.dataSync()[0] - two.value.dataSync()[0])).toBeLessThan(1e-5 * Math.abs(two.value.dataSync()[0]));
      for (const name of Object.keys(two.grads)) {
        const a = two.grads[name].dataSync();
        const b = one.grads[name].dataSync();
        let num = 0; let den = 0;
        for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += a[i] ** 2; }
        expect(Math.sqrt(num / Math.max(den, 1e-30)), `${activation} ${name}`).toBeLessThan(1e-5);
      }
      tf.dispose([two.value, one.value, ...Object.values(two.grads), ...Object.values(one.grads), kept as unknown as tf.Tensor]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  it('rejects modes other than data', () => {
    const x = tf.zeros([2, 3]);
    expect(() => gradientPenaltyWithOutput((z) => z, x, { mode: 'perturb' } as never)).toThrow(LipkitError);
    expect(() => gradientPenaltyWithOutput((z) => z, x, { mode: 'perturb' } as never)).toThrow(/options.mode/);
    x.dispose();
  });
});
