// `npm run bench`: lipkit's speed on each backend beside PyTorch 1.13 in the same run.
// Imports only the public entry. Writes bench/results.json and prints a table with ratios.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  tf, tfl, setBackend, spectralNorm, lipschitzBound, lipschitzLowerBound, fileIOHandler,
  spectralNormalization, bjorckOrthonormalize, applyConstraints,
  gradientPenalty, gradientPenaltyWithOutput, SpectralPenalty, orthogonalityPenalty, muon,
} from 'lipkit/node';

const here = fileURLToPath(new URL('.', import.meta.url));

// `--only tight`: the tight-certificate table alone. `--only constraints`: just the constraint/SpectralNormalization overheads (issue 12) beside PyTorch,
// written to bench/results-constraints.json. `--models mlp,mnist` picks the training steps.
const argv = process.argv.slice(2);
const argOf = (flag) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
const only = argOf('--only');
if (only !== undefined && only !== 'constraints' && only !== 'tight') {
  console.error(`bench: --only must be 'constraints' or 'tight', got ${JSON.stringify(only)}`);
  process.exit(2);
}
// `--only tight`: just the tight global certificates table (issue 11), written to bench/results-tight.json.
if (only === 'tight') {
  const { tightBoundRows, formatTightRows } = await import('./tightBounds.mjs');
  await setBackend('wasm');
  const rows = await tightBoundRows();
  writeFileSync(`${here}results-tight.json`, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  console.log('Tight global certificates: certified bound / best realized lower bound (CPU s), per method (issue 11):');
  console.log(formatTightRows(rows));
  process.exit(0);
}
const constraintModels = argOf('--models')?.split(',');
if (only === 'constraints') {
  const { constraintRows, formatConstraintRows } = await import('./constraintsBench.mjs');
  const res = await constraintRows(constraintModels ? { models: constraintModels } : {});
  writeFileSync(`${here}results-constraints.json`, JSON.stringify({ date: new Date().toISOString(), ...res }, null, 2));
  console.log('Spectral constraints and SpectralNormalization on a training step (issue 12):');
  console.log(formatConstraintRows(res));
  process.exit(0);
}

function medianMs(fn, { warmup = 5, reps = 15, trials = 3 } = {}) {
  // Smallest of `trials` medians, as bench/torch_bench.py does (garbage collection and the
  // other process occasionally slow a whole trial).
  let best = Infinity;
  for (let trial = 0; trial < trials; trial++) {
    for (let i = 0; i < warmup; i++) fn();
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    best = Math.min(best, times[Math.floor(times.length / 2)]);
  }
  return best;
}

/** Forces pending work to finish (the wasm and cpu backends are synchronous, but be explicit). */
const sync = (t) => { t.dataSync(); t.dispose(); };

function powerIterationBench() {
  const w = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
  const ms = medianMs(() => spectralNorm(w, { iterations: 20, tolerance: 0 }));
  w.dispose();
  return ms;
}

function mlp() {
  return tfl.sequential({ layers: [
    tfl.layers.dense({ units: 256, inputShape: [2], activation: 'tanh' }),
    tfl.layers.dense({ units: 256, activation: 'tanh' }),
    tfl.layers.dense({ units: 1 }),
  ] });
}

function mlpStepBench(penalty) {
  const model = mlp();
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([512, 2], 0, 1, 'float32', 2);
  const y = tf.randomNormal([512, 1], 0, 1, 'float32', 3);
  const step = () => {
    let output = null;
    const loss = opt.minimize(() => {
      if (!penalty) return tf.mean(tf.square(tf.sub(model.apply(x), y)));
      // One forward pass serves the loss and the penalty, as in PyTorch (create_graph=True).
      const r = gradientPenaltyWithOutput((z) => model.apply(z), x, { target: 1 });
      output = r.output;
      return tf.add(tf.mean(tf.square(tf.sub(r.output, y))), r.penalty);
    }, true);
    sync(loss);
    if (output) output.dispose();
  };
  const ms = medianMs(step);
  [x, y].forEach((t) => t.dispose());
  opt.dispose();
  model.dispose();
  return ms;
}

function convStepBench() {
  const conv = tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', inputShape: [32, 32, 32] });
  const model = tfl.sequential({ layers: [conv] });
  const opt = tf.train.sgd(1e-3);
  const x = tf.randomNormal([64, 32, 32, 32], 0, 1, 'float32', 4);
  const step = () => sync(opt.minimize(() => tf.mean(tf.square(model.apply(x))), true));
  const ms = medianMs(step, { warmup: 2, reps: 5, trials: 1 });
  x.dispose();
  opt.dispose();
  model.dispose();
  return ms;
}

async function certifyBench() {
  const model = await tfl.loadLayersModel(fileIOHandler(`${here}../examples/models/mlp/model.json`));
  const shape = model.inputs[0].shape.slice(1);
  const x = tf.randomNormal([16, ...shape], 0, 1, 'float32', 5);
  const ms = medianMs(() => {
    lipschitzBound(model, { method: 'product' });
    lipschitzLowerBound(model, x);
  }, { warmup: 1, reps: 3, trials: 1 });
  x.dispose();
  model.dispose();
  return ms;
}

/**
 * Overhead of each regularizer / constraint / layer / optimizer on the MLP step:
 * step time with it divided by the plain step (same model shape, Adam unless stated).
 */
function overheadBench() {
  const x = tf.randomNormal([512, 2], 0, 1, 'float32', 2);
  const y = tf.randomNormal([512, 1], 0, 1, 'float32', 3);
  const dense = (units, extra = {}) => tfl.layers.dense({ units, ...extra });
  const build = ({ wrap = false, constraint = null } = {}) => {
    const layer = (units, act, first) => {
      const cfg = { ...(act ? { activation: act } : {}), ...(constraint ? { kernelConstraint: constraint() } : {}) };
      const inner = dense(units, cfg);
      const l = wrap ? spectralNormalization({ layer: inner, ...(first ? { inputShape: [2] } : {}) }) : dense(units, { ...cfg, ...(first ? { inputShape: [2] } : {}) });
      return l;
    };
    return tfl.sequential({ layers: [layer(256, 'tanh', true), layer(256, 'tanh', false), layer(1, null, false)] });
  };
  const time = (model, { opt = tf.train.adam(1e-3), penalty = null, constrain = false, withOutput = false } = {}) => {
    const step = () => {
      let kept = null;
      const loss = opt.minimize(() => {
        if (withOutput) {
          const r = gradientPenaltyWithOutput((z) => model.apply(z, { training: true }), x);
          kept = r.output;
          return tf.add(tf.mean(tf.square(tf.sub(r.output, y))), r.penalty);
        }
        const out = model.apply(x, { training: true });
        let l = tf.mean(tf.square(tf.sub(out, y)));
        if (penalty) l = tf.add(l, penalty(model));
        return l;
      }, true);
      sync(loss);
      if (kept) kept.dispose();
      if (constrain) applyConstraints(model);
    };
    const ms = medianMs(step);
    opt.dispose();
    model.dispose();
    return ms;
  };
  const kernels = (m) => m.trainableWeights.filter((w) => w.shape.length === 2).map((w) => w.read());
  const sp = new SpectralPenalty({ lambda: 0.01 });
  const base = time(build());
  const rows = [
    // the spectral constraints and SpectralNormalization: bench/constraintsBench.mjs (issue 12)
    ['bjorckOrthonormalize constraint', time(build({ constraint: () => bjorckOrthonormalize() }), { constrain: true }), null],
    ['gradientPenaltyWithOutput (data, D=1; one forward)', time(build(), { withOutput: true }), 'gradientPenalty'],
    ['gradientPenalty (data, D=1; separate forward)', time(build(), { penalty: (m) => gradientPenalty((z) => m.apply(z, { training: true }), x) }), 'gradientPenalty'],
    ['SpectralPenalty', time(build(), { penalty: (m) => sp.loss(kernels(m)) }), null],
    ['orthogonalityPenalty', time(build(), { penalty: (m) => tf.addN(kernels(m).map((w) => orthogonalityPenalty(w))) }), null],
    ['Muon instead of Adam', time(build(), { opt: muon({ learningRate: 0.02 }) }), null],
  ];
  sp.dispose();
  x.dispose();
  y.dispose();
  return { base, rows };
}

function torchResults() {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const out = execFileSync('/usr/bin/python3', [`${here}torch_bench.py`], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

const rows = [];
for (const backend of ['wasm', 'cpu']) {
  await setBackend(backend);
  const r = (name, ms, torchKey) => rows.push({ backend, name, ms, torchKey });
  r('power iteration 1024x1024, 20 it', powerIterationBench(), 'powerIteration1024');
  r('MLP 2-256-256-1 step, batch 512, Adam', mlpStepBench(false), 'mlpStep');
  r('same + gradient penalty', mlpStepBench(true), 'gradientPenaltyStep');
  if (backend === 'cpu') rows.push({ backend, name: 'conv2d 3x3 32->32, 32x32, batch 64 step', ms: null, torchKey: 'conv2dStep', note: 'skipped on cpu (~170 s a step)' });
  else r('conv2d 3x3 32->32, 32x32, batch 64 step', convStepBench(), 'conv2dStep');
  r('certify examples/models/mlp (bound + lower bound)', await certifyBench(), null);
}
await setBackend('wasm');
const overhead = overheadBench();
const torch = torchResults();
for (const row of rows) {
  row.torchMs = torch && row.torchKey ? torch[row.torchKey] : null;
  row.ratio = row.ms !== null && row.torchMs ? row.ms / row.torchMs : null;
}
const torchOverhead = torch ? {
  spectralNorm: torch.mlpStepSpectralNorm / torch.mlpStepPlain,
  gradientPenalty: torch.gradientPenaltyStep / torch.mlpStep,
} : null;
const overheadRows = overhead.rows.map(([name, ms, torchKey]) => ({
  name, ms, ratio: ms / overhead.base, torchRatio: torchOverhead && torchKey ? torchOverhead[torchKey] : null,
}));
// Spectral constraints and SpectralNormalization overheads beside PyTorch (issue 12; LIPKIT_BENCH_CONSTRAINTS=0 skips it).
const constraintsBench = process.env.LIPKIT_BENCH_CONSTRAINTS === '0' ? null : await import('./constraintsBench.mjs');
const constraints = constraintsBench ? await constraintsBench.constraintRows(constraintModels ? { models: constraintModels } : {}) : null;
// lipkit certify on full-size Keras-application shapes (issue 10; minutes; LIPKIT_BENCH_ZOO=0 skips it).
const zooBench = process.env.LIPKIT_BENCH_ZOO === '0' ? null : await import('./zooCertify.mjs');
const zoo = zooBench ? await zooBench.zooCertifyRows() : null;
// Tight global certificates per method and network (issue 11; LIPKIT_BENCH_TIGHT=0 skips it).
const tightBench = process.env.LIPKIT_BENCH_TIGHT === '0' ? null : await import('./tightBounds.mjs');
const tight = tightBench ? await tightBench.tightBoundRows() : null;
writeFileSync(`${here}results.json`, JSON.stringify({ date: new Date().toISOString(), rows, overhead: { baseMs: overhead.base, rows: overheadRows }, torch, constraints, zoo, tight }, null, 2));
const fmt = (v, d = 1) => (v === null || v === undefined ? '-' : v.toFixed(d));
console.log('| backend | work | lipkit ms | PyTorch ms | ratio |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.backend} | ${row.name} | ${fmt(row.ms)}${row.note ? ` (${row.note})` : ''} | ${fmt(row.torchMs, 2)} | ${fmt(row.ratio)} |`);
console.log('');
console.log(`Overhead on the wasm MLP step (plain step ${fmt(overhead.base)} ms): step with / step without`);
console.log('| method | lipkit ms | lipkit overhead | PyTorch overhead |');
console.log('|---|---|---|---|');
for (const r of overheadRows) console.log(`| ${r.name} | ${fmt(r.ms)} | ${fmt(r.ratio, 2)}x | ${r.torchRatio ? `${fmt(r.torchRatio, 2)}x` : '-'} |`);
if (constraints) {
  console.log('');
  console.log('Spectral constraints and SpectralNormalization on a training step (issue 12):');
  console.log(constraintsBench.formatConstraintRows(constraints));
}
if (zoo) {
  console.log('');
  console.log('lipkit certify on Keras-application shapes (seeded random weights; CPU seconds are the honest number on a shared machine):');
  console.log(zooBench.formatZooRows(zoo));
}
if (tight) {
  console.log('');
  console.log('Tight global certificates (issue 11): certified bound / best realized lower bound (CPU seconds); LipSDP-Neuron by cvxopt from test/fixtures/lipsdp.json:');
  console.log(tightBench.formatTightRows(tight));
}
