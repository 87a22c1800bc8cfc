/**
 * Trains the two small example models deterministically (cpu backend, seeded initializers,
 * generated data, no shuffling) and saves them with lipkit's fileIOHandler:
 *   examples/models/mlp/   2-32-32-2 ReLU MLP classifying two moons
 *   examples/models/conv/  Conv2D(4, 3x3) + MaxPool + Dense classifying 8x8 bar images
 * plus held-out inputs for `lipkit certify --data`:
 *   examples/data/mlp-inputs.json, examples/data/conv-inputs.json
 *
 * Run: npx tsx scripts/make-example-model.ts   (a few seconds)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../src/backend/setBackend.js';
import { fileIOHandler } from '../src/cli/fileIOHandler.js';

/** mulberry32: small deterministic PRNG in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Two interleaving half circles (as sklearn's make_moons), standardized roughly to unit scale. */
function twoMoons(n: number, noise: number, seed: number): { x: number[][]; y: number[] } {
  const r = rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * r();
    const px = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push([(px - 0.5) * 2 + noise * gaussian(r), (py - 0.25) * 2 + noise * gaussian(r)]);
    y.push(label);
  }
  return { x, y };
}

/** 8x8 images with one bright horizontal (label 0) or vertical (label 1) bar, plus noise. */
function bars(n: number, seed: number): { x: number[][][][]; y: number[] } {
  const r = rng(seed);
  const x: number[][][][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const pos = Math.floor(r() * 8);
    const img: number[][][] = [];
    for (let row = 0; row < 8; row++) {
      const line: number[][] = [];
      for (let col = 0; col < 8; col++) {
        const on = label === 0 ? row === pos : col === pos;
        line.push([(on ? 1 : 0) + 0.2 * gaussian(r)]);
      }
      img.push(line);
    }
    x.push(img);
    y.push(label);
  }
  return { x, y };
}

const round4 = (v: unknown): unknown => (Array.isArray(v) ? v.map(round4) : Math.round((v as number) * 1e4) / 1e4);

async function train(model: tfl.Sequential, x: tf.Tensor, y: number[], epochs: number, lr: number): Promise<number> {
  const labels = tf.oneHot(tf.tensor1d(y, 'int32'), 2);
  model.compile({ optimizer: tf.train.adam(lr), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred), metrics: ['accuracy'] });
  const h = await model.fit(x, labels, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  labels.dispose();
  const acc = h.history.acc ?? h.history.accuracy;
  return Number(acc[acc.length - 1]);
}

async function main(): Promise<void> {
  await setBackend('cpu');
  const init = (seed: number): { kernelInitializer: ReturnType<typeof tfl.initializers.glorotUniform> } => (
    { kernelInitializer: tfl.initializers.glorotUniform({ seed }) });

  // MLP on two moons.
  const moons = twoMoons(256, 0.1, 1);
  const mlp = tfl.sequential({ name: 'moons_mlp' });
  mlp.add(tfl.layers.dense({ units: 32, activation: 'relu', inputShape: [2], name: 'dense_1', ...init(11) }));
  mlp.add(tfl.layers.dense({ units: 32, activation: 'relu', name: 'dense_2', ...init(12) }));
  mlp.add(tfl.layers.dense({ units: 2, name: 'logits', ...init(13) }));
  const xm = tf.tensor2d(moons.x);
  const accMlp = await train(mlp, xm, moons.y, 60, 0.01);
  xm.dispose();
  await mlp.save(fileIOHandler('examples/models/mlp/model.json'));
  console.log(`mlp: train accuracy ${accMlp.toFixed(3)}`);

  // Small conv net on bar images.
  const imgs = bars(128, 2);
  const conv = tfl.sequential({ name: 'bars_conv' });
  conv.add(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1], name: 'conv', ...init(21) }));
  conv.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  conv.add(tfl.layers.flatten({ name: 'flatten' }));
  conv.add(tfl.layers.dense({ units: 2, name: 'logits', ...init(22) }));
  const xc = tf.tensor4d(imgs.x);
  const accConv = await train(conv, xc, imgs.y, 20, 0.02);
  xc.dispose();
  await conv.save(fileIOHandler('examples/models/conv/model.json'));
  console.log(`conv: train accuracy ${accConv.toFixed(3)}`);

  // Held-out inputs for --data (different seeds than training).
  mkdirSync('examples/data', { recursive: true });
  writeFileSync('examples/data/mlp-inputs.json', `${JSON.stringify({ inputs: round4(twoMoons(32, 0.1, 101).x) })}\n`);
  writeFileSync('examples/data/conv-inputs.json', `${JSON.stringify({ inputs: round4(bars(8, 102).x) })}\n`);
  mlp.dispose();
  conv.dispose();
}

await main();
