// Rows of `npm run bench` for the spectral constraints and the SpectralNormalization layer (issue 12):
// the overhead of each on an Adam training step (step with it / plain step, CPU time per step), beside
// PyTorch in the same run (bench/torch_bench.py `constraints`: plain step, torch.nn.utils.spectral_norm,
// and the hand-written constraint a PyTorch user would apply after opt.step()).
// Run alone: `npm run bench -- --only constraints` (or `node bench/run.mjs --only constraints` after a build).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  tf, tfl, setBackend, applyConstraints, spectralNormalization, spectralNormalize, lipschitzProjection,
  spectralSoftCap, spectralHardCap, spectralHammer,
} from 'lipkit/node';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The two training steps timed: the bench's MLP step and the MNIST MLP (random data of MNIST's shape). */
export const CONSTRAINT_MODELS = {
  mlp: { label: 'MLP 2-256-256-1 tanh, batch 512, MSE, Adam 1e-3', dims: [2, 256, 256, 1], batch: 512, act: 'tanh', loss: 'mse' },
  mnist: { label: 'MNIST MLP 784-256-256-10 relu, batch 128, softmax CE, Adam 1e-3', dims: [784, 256, 256, 10], batch: 128, act: 'relu', loss: 'ce' },
};

const CAP = 1;
/** Alternating (plain, variant) trial pairs per variant; the overhead is the median pair ratio. */
const PAIRS = 3;
/**
 * Adam steps run before timing: the cost of the 'checked' modes depends on the training phase
 * (spectral normalization flattens the top of the spectrum within ~150 steps, and then the
 * estimate cannot be trusted and the certificate runs on most calls), so the timed steps are
 * those of a network that has trained a while, not of a fresh one.
 */
const TRAINED_STEPS = 150;
/** [key, label, { layer?, constraint?, guarantee }, PyTorch variant it is compared with]. */
const VARIANTS = [
  ['plain', 'plain step', {}, 'plain'],
  ['snLayer', 'SpectralNormalization layer', { layer: {} }, 'spectralNorm'],
  ['snLayerCertified', 'SpectralNormalization layer, certified', { layer: { guarantee: 'certified' } }, 'spectralNorm'],
  ['snLayerEstimate', "SpectralNormalization layer, 'estimate' (PyTorch's step, no promise)", { layer: { guarantee: 'estimate' } }, 'spectralNorm'],
  ['normalize', 'spectralNormalize', { constraint: (g) => spectralNormalize({ target: CAP, ...g }) }, 'normalize'],
  ['normalizeCertified', 'spectralNormalize, certified', { constraint: (g) => spectralNormalize({ target: CAP, ...g }), guarantee: 'certified' }, 'normalize'],
  ['projection', 'lipschitzProjection', { constraint: (g) => lipschitzProjection({ maxNorm: CAP, ...g }) }, 'projection'],
  ['projectionCertified', 'lipschitzProjection, certified', { constraint: (g) => lipschitzProjection({ maxNorm: CAP, ...g }), guarantee: 'certified' }, 'projection'],
  ['softCap', 'spectralSoftCap', { constraint: (g) => spectralSoftCap({ cap: CAP, ...g }) }, 'softCap'],
  ['softCapCertified', 'spectralSoftCap, certified', { constraint: (g) => spectralSoftCap({ cap: CAP, ...g }), guarantee: 'certified' }, 'softCap'],
  ['hardCap', 'spectralHardCap', { constraint: (g) => spectralHardCap({ cap: CAP, ...g }) }, 'hardCap'],
  ['hardCapCertified', 'spectralHardCap, certified', { constraint: (g) => spectralHardCap({ cap: CAP, ...g }), guarantee: 'certified' }, 'hardCap'],
  ['hardCapFaithful', 'spectralHardCap, faithful (paper)', { constraint: () => spectralHardCap({ cap: CAP, faithful: true }) }, 'hardCap'],
  ['hammer', 'spectralHammer', { constraint: (g) => spectralHammer({ cap: CAP, ...g }) }, 'hammer'],
  ['hammerCertified', 'spectralHammer, certified', { constraint: (g) => spectralHammer({ cap: CAP, ...g }), guarantee: 'certified' }, 'hammer'],
  ['hammerFaithful', 'spectralHammer, faithful (paper)', { constraint: () => spectralHammer({ cap: CAP, faithful: true }) }, 'hammer'],
];

function buildModel(spec, { layer = null, constraint = null, guarantee = undefined }) {
  const g = guarantee === undefined ? {} : { guarantee };
  const m = tfl.sequential();
  spec.dims.slice(1).forEach((units, i) => {
    const cfg = {
      units, activation: i < spec.dims.length - 2 ? spec.act : 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 + i }),
      ...(constraint ? { kernelConstraint: constraint(g) } : {}),
    };
    const first = i === 0 ? { inputShape: [spec.dims[0]] } : {};
    m.add(layer ? spectralNormalization({ layer: tfl.layers.dense(cfg), ...first, ...layer }) : tfl.layers.dense({ ...cfg, ...first }));
  });
  return m;
}

/** CPU ms per step (process.cpuUsage, smallest of `trials` runs of `steps`) and the smallest wall median. */
function timeSteps(step, { warmup = 5, steps = 30, trials = 2 } = {}) {
  let cpuMs = Infinity;
  let wallMs = Infinity;
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < warmup; i++) step();
    const walls = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const w = performance.now();
      step();
      walls.push(performance.now() - w);
    }
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000 / steps);
    walls.sort((a, b) => a - b);
    wallMs = Math.min(wallMs, walls[Math.floor(steps / 2)]);
  }
  return { cpuMs, wallMs };
}

function lipkitStep(spec, variant) {
  const model = buildModel(spec, variant);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([spec.batch, spec.dims[0]], 0, 1, 'float32', 2);
  const out = spec.dims[spec.dims.length - 1];
  const y = spec.loss === 'mse'
    ? tf.randomNormal([spec.batch, out], 0, 1, 'float32', 3)
    : tf.tidy(() => tf.oneHot(tf.randomUniform([spec.batch], 0, out, 'int32', 3), out));
  const constrain = variant.constraint != null;
  const step = () => {
    const loss = opt.minimize(() => {
      const pred = model.apply(x, { training: true });
      return spec.loss === 'mse' ? tf.mean(tf.square(tf.sub(pred, y))) : tf.losses.softmaxCrossEntropy(y, pred);
    }, true);
    loss.dataSync();
    loss.dispose();
    if (constrain) applyConstraints(model);
  };
  const dispose = () => { tf.dispose([x, y]); opt.dispose(); model.dispose(); };
  return { step, dispose };
}

function torchConstraints(models) {
  try {
    const out = execFileSync('/usr/bin/python3', [`${here}torch_bench.py`, 'constraints', models.join(',')], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}

/**
 * Times every variant on each model (wasm backend) and the PyTorch side. Returns
 * `{ models: { [model]: { label, rows: [{ key, name, cpuMs, wallMs, overhead, torchVariant, torchOverhead, vsTorch }] } }, torch }`.
 */
export async function constraintRows({ models = Object.keys(CONSTRAINT_MODELS), backend = 'wasm' } = {}) {
  await setBackend(backend);
  const result = { backend, models: {} };
  for (const name of models) {
    const spec = CONSTRAINT_MODELS[name];
    const rows = [];
    // Paired: each variant's trials alternate with trials of the plain step, and its overhead is the
    // median of the per-pair ratios (load drifts on a shared machine moved unpaired ratios by +-20 %).
    const plain = lipkitStep(spec, VARIANTS[0][2]);
    for (let i = 0; i < TRAINED_STEPS; i++) plain.step();
    for (const [key, label, variant, torchVariant] of VARIANTS) {
      const { step, dispose } = key === 'plain' ? plain : lipkitStep(spec, variant);
      if (key !== 'plain') for (let i = 0; i < TRAINED_STEPS; i++) step();
      const ratios = [];
      let best = { cpuMs: Infinity, wallMs: Infinity };
      for (let t = 0; t < PAIRS; t++) {
        const base = timeSteps(plain.step, { trials: 1 });
        const with_ = timeSteps(step, { trials: 1 });
        ratios.push(with_.cpuMs / base.cpuMs);
        best = { cpuMs: Math.min(best.cpuMs, with_.cpuMs), wallMs: Math.min(best.wallMs, with_.wallMs) };
      }
      if (key !== 'plain') dispose();
      ratios.sort((a, b) => a - b);
      rows.push({ key, name: label, ...best, overhead: ratios[Math.floor(ratios.length / 2)], torchVariant });
    }
    plain.dispose();
    result.models[name] = { label: spec.label, rows };
  }
  const torch = torchConstraints(models);
  result.torch = torch;
  for (const name of models) {
    const rows = result.models[name].rows;
    const tm = torch && !torch.error ? torch[name] : null;
    for (const r of rows) {
      const tv = tm ? tm[r.torchVariant] : null;
      r.torchCpuMs = tv ? tv.cpuMs : null;
      r.torchOverhead = tv ? tv.cpuMs / tm.plain.cpuMs : null;
      r.vsTorch = tv ? r.cpuMs / tv.cpuMs : null;
    }
  }
  return result;
}

const TORCH_LABEL = {
  plain: 'plain step', spectralNorm: 'nn.utils.spectral_norm', normalize: 'hand: W /= sigma (1 power step)',
  projection: 'hand: W /= max(1, sigma/cap)', softCap: 'hand: reference soft cap', hardCap: 'hand: reference hard cap',
  hammer: 'hand: reference hammer (16 steps)',
};

/** Markdown tables, one per model. */
export function formatConstraintRows(result) {
  const f = (v, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const lines = [];
  for (const [name, m] of Object.entries(result.models)) {
    lines.push(`${m.label} (${result.backend}; CPU ms per step; overhead = median over ${PAIRS} alternating trial pairs of step with / plain step; PyTorch 1 thread):`);
    lines.push('| method | lipkit CPU ms | lipkit overhead | PyTorch counterpart | PyTorch CPU ms | PyTorch overhead | lipkit / PyTorch |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const r of m.rows) {
      lines.push(`| ${r.name} | ${f(r.cpuMs, 1)} | ${f(r.overhead)}x | ${TORCH_LABEL[r.torchVariant]} | ${f(r.torchCpuMs, 1)} | ${r.torchOverhead === null ? '-' : `${f(r.torchOverhead)}x`} | ${f(r.vsTorch, 1)} |`);
    }
    lines.push('');
  }
  if (result.torch && result.torch.error) lines.push(`PyTorch side failed: ${result.torch.error}`);
  return lines.join('\n');
}
