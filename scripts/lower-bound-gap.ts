/**
 * Measures how close lipkit's realized lower bounds get to the reference constants (issue 11):
 * before (gradient stages only: `lipschitzLowerBound` with `patternSearch: false`, and the older
 * region hill-climb `chainLowerBound`) and after (`lipschitzLowerBound` with the activation-pattern
 * search). References: cvxopt LipSDP-Neuron from test/fixtures/lipsdp.json (scripts/fixtures/lipsdp_fixture.py),
 * the exact constant by region enumeration for 2-D inputs (`exactPlanarLipschitz`), and lipkit's
 * certified `lipsdp` bound for the MNIST-size nets (>= LipSDP-Neuron, so reference / lower there is
 * an upper bound of LipSDP / lower). CPU seconds (process.cpuUsage), 16 random normal probe inputs.
 * Run: npx tsx scripts/lower-bound-gap.ts   (about 2-4 CPU minutes; writes a markdown table to stdout)
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../src/backend/setBackend.js';
import { loadImageDataset } from '../src/data/loadImageDataset.js';
import { extractLayerChain } from '../src/estimate/global/layerChain.js';
import { exactPlanarLipschitz } from '../src/estimate/global/exactPlanar.js';
import { chainLowerBound } from '../src/estimate/global/chainLowerBound.js';
import { lipsdpNeuronBound } from '../src/estimate/global/lipsdpNeuron.js';
import { lipschitzLowerBound } from '../src/estimate/network/lipschitzLowerBound.js';

interface Net { name: string; model: tfl.LayersModel; ref?: number; refKind?: string }

const fixture = JSON.parse(readFileSync('test/fixtures/lipsdp.json', 'utf8')) as {
  networks: { name: string; dims: number[]; weights: number[][][]; biases: number[][]; lipsdpNeuron: number; activation: string }[];
};

function dense(dims: number[], seed: number, act: 'relu' | 'leaky' = 'relu'): tfl.Sequential {
  const m = tfl.sequential();
  dims.slice(1).forEach((d, i) => {
    const hidden = i < dims.length - 2;
    m.add(tfl.layers.dense({
      units: d, inputShape: i === 0 ? [dims[0]] : undefined, activation: hidden && act === 'relu' ? 'relu' : 'linear',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed * 100 + i }), biasInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: seed * 100 + 50 + i }),
    }));
    if (hidden && act === 'leaky') m.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  });
  return m;
}

function cpu<T>(f: () => T): { value: T; seconds: number } {
  const c = process.cpuUsage();
  const value = f();
  const u = process.cpuUsage(c);
  return { value, seconds: (u.user + u.system) / 1e6 };
}

async function trainedMnist(hidden: number): Promise<tfl.Sequential> {
  const train = loadImageDataset('mnist', { split: 'train', limit: 10000 });
  const m = tfl.sequential({ layers: [
    tfl.layers.dense({ units: hidden, activation: 'relu', inputShape: [784], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
    tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
  ] });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  const x = tf.div(tf.tensor2d(Float32Array.from(train.images), [train.count, 784]), 255);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), 10);
  await m.fit(x, y, { epochs: 3, batchSize: 128, verbose: 0 });
  x.dispose(); y.dispose();
  return m;
}

await setBackend('cpu');
const nets: Net[] = [];
for (const n of fixture.networks) {
  if (n.activation !== 'relu' && n.activation !== 'leakyRelu0.2') continue;
  const m = dense(n.dims, 1, n.activation === 'relu' ? 'relu' : 'leaky');
  m.layers.filter((l) => l.getClassName() === 'Dense').forEach((l, i) => l.setWeights([tf.transpose(tf.tensor2d(n.weights[i])), tf.tensor1d(n.biases[i])]));
  nets.push({ name: `${n.name} (fixture)`, model: m, ref: n.lipsdpNeuron, refKind: 'LipSDP-Neuron (cvxopt)' });
}
for (const [dims, seed] of [[[2, 16, 16, 2], 3], [[2, 32, 32, 32, 2], 4]] as const) nets.push({ name: `random ReLU ${dims.join('-')}`, model: dense([...dims], seed) });
nets.push({ name: 'random ReLU 784-50-10', model: dense([784, 50, 10], 6) });
nets.push({ name: 'MNIST 784-50-10 (trained 3 epochs, 10k images)', model: await trainedMnist(50) });
nets.push({ name: 'random ReLU 784-256-256-10', model: dense([784, 256, 256, 10], 7) });

console.log('| network | reference | gradient stages: ref/lower (CPU s) | chainLowerBound: ref/lower (CPU s) | with pattern search: ref/lower (CPU s) | lower bound |');
console.log('|---|---|---|---|---|---|');
for (const net of nets) {
  const r = extractLayerChain(net.model);
  if (!r.ok) throw new Error(r.reason);
  let ref = net.ref;
  let kind = net.refKind ?? '';
  if (r.chain.inputDim === 2) {
    const e = exactPlanarLipschitz(r.chain, { maxRegions: 1e6 });
    if (e.ok) { ref = e.exact; kind = `exact (${e.regions} regions)`; }
  }
  if (ref === undefined) { ref = lipsdpNeuronBound(r.chain, { seconds: 10 }).upperBound; kind = 'lipkit lipsdp (certified)'; }
  const d = r.chain.inputDim;
  const x = tf.randomNormal([16, d], 0, 1, 'float32', 1);
  const old = cpu(() => lipschitzLowerBound(net.model, x, { patternSearch: false }).lowerBound);
  const hill = cpu(() => chainLowerBound(r.chain, { samples: 64, moves: d > 100 ? 150 : 400 }).lowerBound);
  const now = cpu(() => lipschitzLowerBound(net.model, x, { patternRestarts: 64, patternSeconds: 15 }));
  const f = (v: number): string => (ref as number / v).toFixed(4);
  console.log(`| ${net.name} | ${kind} ${(ref as number).toPrecision(6)} | ${f(old.value)} (${old.seconds.toFixed(1)}) | ${f(hill.value)} (${hill.seconds.toFixed(1)}) | ${f(now.value.lowerBound)} (${now.seconds.toFixed(1)}) | ${now.value.lowerBound.toPrecision(6)} |`);
  x.dispose();
  net.model.dispose();
}
