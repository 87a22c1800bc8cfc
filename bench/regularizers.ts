// Overhead of each lipkit regularizer on the MLP training step (run: npx tsx bench/regularizers.ts [cpu|wasm]).
// Step = Adam minimize of mse + penalty on an MLP 2-256-256-1 (tanh), batch 512; ratio = step time with / without.
// Not part of npm test.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../src/backend/setBackend.js';
import { gradientPenalty } from '../src/regularize/gradientPenalty.js';
import { finiteDifferenceGradientPenalty } from '../src/regularize/finiteDifferenceGradientPenalty.js';
import { jacobianPenalty } from '../src/regularize/jacobianPenalty.js';
import { localLinearityPenalty } from '../src/regularize/localLinearityPenalty.js';
import { orthogonalityPenalty } from '../src/regularize/orthogonalityPenalty.js';
import { spectralTargetPenalty } from '../src/regularize/spectralTargetPenalty.js';
import { SpectralPenalty } from '../src/regularize/SpectralPenalty.js';

const backend = (process.argv[2] ?? 'wasm') as 'cpu' | 'wasm';
await setBackend(backend);

const model = tfl.sequential({ layers: [
  tfl.layers.dense({ units: 256, inputShape: [2], activation: 'tanh' }),
  tfl.layers.dense({ units: 256, activation: 'tanh' }),
  tfl.layers.dense({ units: 1 }),
] });
const x = tf.randomNormal([512, 2], 0, 1, 'float32', 1);
const y = tf.randomNormal([512, 1], 0, 1, 'float32', 2);
const f = (t: tf.Tensor): tf.Tensor => model.apply(t, { training: true }) as tf.Tensor;
const kernels = (): tf.Tensor[] => model.trainableWeights.filter((w) => w.shape.length === 2).map((w) => w.read());
const spectral = new SpectralPenalty();
const opt = tf.train.adam(1e-3);

const penalties: Array<[string, (() => tf.Scalar) | null]> = [
  ['none', null],
  ['SpectralPenalty (1 power step per weight)', () => spectral.loss(kernels())],
  ['orthogonalityPenalty (256x256 kernel)', () => orthogonalityPenalty(kernels()[1])],
  ['spectralTargetPenalty (20 power steps)', () => spectralTargetPenalty(kernels()[1], 1)],
  ['gradientPenalty (double backprop)', () => gradientPenalty(f, x)],
  ['finiteDifferenceGradientPenalty (central)', () => finiteDifferenceGradientPenalty(f, x)],
  ['finiteDifferenceGradientPenalty (forward)', () => finiteDifferenceGradientPenalty(f, x, { scheme: 'forward' })],
  ['jacobianPenalty (1 projection)', () => jacobianPenalty(f, x)],
  ['localLinearityPenalty', () => localLinearityPenalty(f, x)],
];

function stepMs(penalty: (() => tf.Scalar) | null, reps = 7): number {
  const step = (): void => {
    const loss = opt.minimize(() => {
      const mse = tf.mean(tf.square(tf.sub(f(x), y))) as tf.Scalar;
      return penalty === null ? mse : tf.add(mse, penalty()) as tf.Scalar;
    }, true);
    loss!.dataSync();
    loss!.dispose();
  };
  step();
  step();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); step(); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}

let base = 0;
for (const [name, p] of penalties) {
  const ms = stepMs(p);
  if (p === null) base = ms;
  console.log(`${backend} ${name}: ${ms.toFixed(1)} ms (x${(ms / base).toFixed(2)})`);
}
