/**
 * Reproduces the local-bound numbers quoted in the README (issue 11): local vs global certified
 * bounds at several radii and local vs global certified radii, for the example two-moons MLP and
 * MNIST MLPs trained here for 3 epochs on 10,000 images (softmax output; weights seeded, batch
 * order is not, so values vary by a few percent). Run: npx tsx scripts/local-bounds-numbers.ts [50|256,256]
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../src/backend/setBackend.js';
import { loadModel } from '../src/cli/loadModel.js';
import { loadImageDataset } from '../src/data/loadImageDataset.js';
import { lipschitzBound } from '../src/estimate/network/lipschitzBound.js';
import { localLipschitzBound } from '../src/estimate/local/localLipschitzBound.js';
import { localCertifiedRadius } from '../src/estimate/local/localCertifiedRadius.js';

const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((p, q) => p + q, 0) / a.length;

function report(name: string, model: tfl.LayersModel, x: tf.Tensor, radii: number[], radiusInputs: number): void {
  const g = lipschitzBound(model).upperBound;
  console.log(`${name}: global certified bound ${g.toFixed(4)}`);
  for (const r of radii) {
    for (const relaxation of ['linear', 'interval'] as const) {
      const c = process.cpuUsage();
      const res = localLipschitzBound(model, x, { radius: r, relaxation, globalBound: g });
      const cu = process.cpuUsage(c);
      console.log(`  r=${r} ${relaxation}: mean local ${mean(res.localBounds).toFixed(3)} (methods ${[...new Set(res.methods)].join(', ')}), cpu ${((cu.user + cu.system) / 1e6 / x.shape[0]).toFixed(3)} s/input`);
    }
  }
  const xs = tf.slice(x, 0, radiusInputs);
  const c = process.cpuUsage();
  const rad = localCertifiedRadius(model, xs, { globalBound: g, steps: 8 });
  const cu = process.cpuUsage(c);
  console.log(`  certified radius over ${radiusInputs} inputs: local ${mean(rad.radii).toFixed(4)} vs global ${mean(rad.globalRadii).toFixed(4)} (x${(mean(rad.radii) / mean(rad.globalRadii)).toFixed(2)}), cpu ${((cu.user + cu.system) / 1e6 / radiusInputs).toFixed(2)} s/input`);
  xs.dispose();
}

await setBackend('wasm');
const moons = await loadModel('examples/models/mlp/model.json');
const moonInputs = (JSON.parse(readFileSync('examples/data/mlp-inputs.json', 'utf8')) as { inputs: number[][] }).inputs;
report('two-moons MLP (examples/models/mlp)', moons, tf.tensor2d(moonInputs), [0, 0.01, 0.1, 0.3, 1], moonInputs.length);

const widths = (process.argv[2] ?? '256,256').split(',').map(Number);
const train = loadImageDataset('mnist', { split: 'train', limit: 10000 });
const test = loadImageDataset('mnist', { split: 'test', limit: 10 });
const toX = (s: { images: Uint8Array; count: number }): tf.Tensor2D => tf.div(tf.tensor2d(Float32Array.from(s.images), [s.count, 784]), 255);
const model = tfl.sequential({ layers: [
  ...widths.map((w, i) => tfl.layers.dense({ units: w, activation: 'relu', inputShape: i === 0 ? [784] : undefined, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 + i }) })),
  tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 99 }) }),
] });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const ys = tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), 10);
await model.fit(toX(train), ys, { epochs: 3, batchSize: 128, verbose: 0 });
report(`MNIST MLP 784-${widths.join('-')}-10`, model, toX(test), [0.01, 0.05, 0.1, 0.3, 1], 10);
