// Rows of `npm run bench` for the tight global certificates (issue 11): for each network, each method's
// certified upper bound divided by the best realized lower bound, and its CPU time. LipSDP-Neuron
// (cvxopt, scripts/fixtures/lipsdp_fixture.py) beside it where the fixture has the network.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  tf, tfl, lipschitzBound, lipschitzLowerBound, extractLayerChain, combettesPesquetBound, eclipseFast, lipsdpNeuronBound,
  exactPlanarLipschitz, chainLowerBound, twoMoons,
} from 'lipkit/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = JSON.parse(readFileSync(`${here}../test/fixtures/lipsdp.json`, 'utf8'));
// ~1,000 hidden units: CSDP reference (scripts/fixtures/lipsdp_large_fixture.py), weights regenerated below.
const largeFixture = JSON.parse(readFileSync(`${here}../test/fixtures/lipsdp_large.json`, 'utf8'));

/** mulberry32 and the fixture script's seeded MLP (same as test/estimate/global/seededWeights.ts). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function largeFixtureModel(name) {
  const n = largeFixture.networks.find((f) => f.name === name);
  const weights = [];
  const biases = [];
  for (let k = 1; k < n.dims.length; k++) {
    const g = mulberry32(n.seed * 1000 + k - 1);
    const s = Math.sqrt(6 / n.dims[k - 1]);
    weights.push(Array.from({ length: n.dims[k] }, () => Array.from({ length: n.dims[k - 1] }, () => Math.fround((2 * g() - 1) * s))));
    biases.push(Array.from({ length: n.dims[k] }, () => Math.fround(0.1 * (2 * g() - 1))));
  }
  return { model: denseModel(n.dims, { weights, biases }), ref: n.lipsdpNeuron, refSeconds: n.solverCpuSeconds };
}

function cpu(fn) {
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, seconds: (c.user + c.system) / 1e6 };
}

function denseModel(dims, { seed = 1, weights = null, biases = null, act = 'relu' } = {}) {
  const m = tfl.sequential();
  dims.slice(1).forEach((d, i) => m.add(tfl.layers.dense({
    units: d, inputShape: i === 0 ? [dims[0]] : undefined, activation: i < dims.length - 2 ? act : 'linear',
    kernelInitializer: tfl.initializers.heNormal({ seed: seed * 100 + i }), biasInitializer: tfl.initializers.randomNormal({ stddev: 0.1, seed: seed * 100 + 50 + i }),
  })));
  if (weights) m.layers.forEach((l, i) => l.setWeights([tf.transpose(tf.tensor2d(weights[i])), tf.tensor1d(biases[i])]));
  return m;
}

function smallCnn() {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', inputShape: [12, 12, 1], activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 7 }) }));
  m.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 8 }) }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.heNormal({ seed: 9 }) }));
  return m;
}

async function twoMoonsMlp(epochs) {
  const data = twoMoons({ count: 256, noise: 0.12, seed: 1 });
  const m = denseModel([2, 64, 64, 64, 2], { seed: 3 });
  if (epochs > 0) {
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const x = tf.tensor2d(data.points, [data.count, 2]);
    const y = tf.tensor1d(Array.from(data.labels), 'float32');
    await m.fit(x, y, { epochs, batchSize: 64, verbose: 0 });
    x.dispose(); y.dispose();
  }
  return m;
}

function fixtureModel(name) {
  const n = fixture.networks.find((f) => f.name === name);
  return { model: denseModel(n.dims, { weights: n.weights, biases: n.biases }), ref: n.lipsdpNeuron, refSeconds: n.solverSeconds };
}

/** `only`: a substring of the network names to run (all by default), e.g. `node -e "import('./bench/tightBounds.mjs').then(async (b) => console.log(b.formatTightRows(await b.tightBoundRows({ only: '1,000' }))))"`. */
export async function tightBoundRows({ lipsdpSeconds = 10, only = '' } = {}) {
  const nets = [
    { name: 'LipSDP example 2-10-30-20-2', ...fixtureModel('lipsdp-2-10-30-20-2') },
    { name: 'two-moons MLP 2-64-64-64-2 (untrained)', model: await twoMoonsMlp(0) },
    { name: 'two-moons MLP 2-64-64-64-2 (trained 100 epochs)', model: await twoMoonsMlp(100) },
    { name: 'random ReLU 10-100-100-10', ...fixtureModel('relu-10-100-100-10') },
    { name: 'random ReLU 20-300-1', ...fixtureModel('relu-20-300-1') },
    { name: 'random ReLU 32-128-128-128-128-10', model: denseModel([32, 128, 128, 128, 128, 10], { seed: 4 }) },
    { name: 'seeded ReLU 64-500-500-10 (1,000 hidden, CSDP reference)', ...largeFixtureModel('relu-64-500-500-10') },
    { name: 'MNIST MLP 784-50-10 (random)', model: denseModel([784, 50, 10], { seed: 6 }) },
    { name: 'MNIST MLP 784-256-256-10 (random)', model: denseModel([784, 256, 256, 10], { seed: 7 }) },
    { name: 'small CNN 12x12x1 conv8/s2 conv16/s2 dense10', model: smallCnn() },
  ];
  const rows = [];
  for (const net of nets) {
    if (!net.name.includes(only)) { net.model.dispose(); continue; }
    const row = { name: net.name, lipsdpReference: net.ref ?? null, lipsdpReferenceSeconds: net.refSeconds ?? null, bounds: {}, seconds: {} };
    const put = (k, r) => { row.bounds[k] = r.value; row.seconds[k] = r.seconds; };
    put('product', cpu(() => lipschitzBound(net.model, { method: 'product' }).upperBound));
    const chain = extractLayerChain(net.model);
    if (!chain.ok) { row.note = chain.reason; rows.push(row); continue; }
    const c = chain.chain;
    put('combettesPesquet', cpu(() => combettesPesquetBound(c).upperBound));
    put('eclipseFast', cpu(() => eclipseFast(c).upperBound));
    const sdp = cpu(() => lipsdpNeuronBound(c, { seconds: lipsdpSeconds }));
    put('lipsdp', { value: sdp.value.upperBound, seconds: sdp.seconds });
    row.lipsdpIterations = sdp.value.iterations;
    let starts = [];
    if (c.inputDim === 2) {
      const e = cpu(() => exactPlanarLipschitz(c, { maxRegions: 1e6 }));
      if (e.value.ok) { put('exact', { value: e.value.upperBound, seconds: e.seconds }); row.regions = e.value.regions; starts = [e.value.argmax]; }
      else row.note = `exact: ${e.value.reason}`;
    }
    const low = cpu(() => chainLowerBound(c, { starts, samples: 64, moves: c.inputDim > 100 ? 150 : 400 }));
    // Activation-pattern search inside lipschitzLowerBound (realized float32 quotients), 64 restarts / 10 s.
    const probe = tf.randomNormal([16, ...net.model.inputs[0].shape.slice(1)], 0, 1, 'float32', 1);
    const pat = cpu(() => lipschitzLowerBound(net.model, probe, { patternRestarts: 64, patternSeconds: 10 }).lowerBound);
    probe.dispose();
    row.hillClimbLower = low.value.lowerBound;
    row.patternLower = pat.value;
    row.lower = Math.max(low.value.lowerBound, pat.value);
    row.seconds.lower = low.seconds + pat.seconds;
    net.model.dispose();
    rows.push(row);
  }
  return rows;
}

export function formatTightRows(rows) {
  const f = (v, d = 3) => (v === undefined || v === null || !Number.isFinite(v) ? '-' : Number(v.toPrecision(d)).toString());
  const keys = ['product', 'combettesPesquet', 'eclipseFast', 'lipsdp', 'exact'];
  const lines = ['| network | lower bound | ' + keys.map((k) => `${k} bound/lower (CPU s)`).join(' | ') + ' | LipSDP-Neuron reference /lower (s) | lipsdp / reference |', `|---|---|${keys.map(() => '---|').join('')}---|---|`];
  for (const r of rows) {
    const cells = keys.map((k) => (r.bounds[k] === undefined ? '-' : `${f(r.bounds[k] / r.lower)} (${f(r.seconds[k], 2)})`));
    lines.push(`| ${r.name}${r.note ? ` [${r.note}]` : ''} | ${f(r.lower, 5)} (${f(r.seconds.lower, 2)}) | ${cells.join(' | ')} | ${r.lipsdpReference ? `${f(r.lipsdpReference / r.lower)} (${f(r.lipsdpReferenceSeconds, 3)})` : '-'} | ${r.lipsdpReference && r.bounds.lipsdp ? f(r.bounds.lipsdp / r.lipsdpReference, 4) : '-'} |`);
  }
  return lines.join('\n');
}
