// Rows of `npm run bench` for `lipkit certify` on full-size Keras-application shapes (issue 10):
// MobileNetV2 (224), InceptionV3 (299), ResNet50 (224), seeded random weights, built in code.
// Each command runs in its own process under /usr/bin/time -v (peak RSS, user + system CPU,
// wall clock; the machine is shared, so CPU time is the honest number). The per-family share of
// the upper bound's CPU time comes from lipschitzBound's onProgress in this process. PyTorch
// times the same per-layer norms (bench/torch_bench.py zoo SPEC.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend, lipschitzBound, fileIOHandler, mobileNetV2, inceptionV3, resNet50 } from 'lipkit/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLI = path.join(here, '..', 'dist', 'cli', 'main.js');

export const ZOO = [
  { name: 'MobileNetV2', size: 224, build: mobileNetV2 },
  { name: 'InceptionV3', size: 299, build: inceptionV3 },
  { name: 'ResNet50', size: 224, build: resNet50 },
];

/** Runs `lipkit certify` in a child process under /usr/bin/time -v; CPU seconds, wall seconds, peak RSS (MB), the report. */
function timedCertify(modelJson, extra) {
  const args = ['-v', process.execPath, CLI, 'certify', modelJson, '--json', ...extra];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, LIPKIT_BACKEND: process.env.LIPKIT_BACKEND ?? 'wasm' } });
  const num = (re) => { const m = re.exec(r.stderr); return m ? Number(m[1]) : NaN; };
  const wall = (() => {
    const m = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
    return m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
  })();
  let report = null;
  try { report = JSON.parse(r.stdout.trim().split('\n').pop()); } catch { /* failed: see error */ }
  return {
    cpuSeconds: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/),
    wallSeconds: wall,
    peakMB: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    upperBound: report?.upperBound ?? null,
    lowerBound: report?.lowerBound ?? null,
    error: report ? null : (r.stderr.split('\n').find((l) => l.startsWith('lipkit')) ?? `exit ${r.status}`),
  };
}

/** CPU seconds of the upper bound per layer family (the layer whose row or merge was being computed). */
function familyShares(model) {
  const shares = new Map();
  let last = process.cpuUsage();
  lipschitzBound(model, {
    method: 'product',
    onProgress: (p) => {
      const now = process.cpuUsage();
      const s = (now.user - last.user + now.system - last.system) / 1e6;
      last = now;
      const layer = model.getLayer(p.label);
      const family = familyOf(layer);
      shares.set(family, (shares.get(family) ?? 0) + s);
    },
  });
  return Object.fromEntries([...shares].sort((a, b) => b[1] - a[1]));
}

function familyOf(layer) {
  const cls = layer.getClassName();
  if (cls === 'Conv2D') {
    const k = layer.getConfig().kernelSize;
    return (Array.isArray(k) ? k : [k, k]).every((v) => v === 1) ? 'Conv2D 1x1' : 'Conv2D kxk';
  }
  // A BatchNormalization / activation row is where the merged conv+BN norm is taken.
  return cls;
}

/** The convolution and dense layers of a model for the PyTorch contrast. */
function layerSpec(model) {
  const spec = [];
  for (const l of model.layers) {
    const cls = l.getClassName();
    const cfg = l.getConfig();
    const input = l.inboundNodes[0]?.inputTensors[0]?.shape;
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
      const k = Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize, cfg.kernelSize];
      const s = Array.isArray(cfg.strides) ? cfg.strides : [cfg.strides, cfg.strides];
      spec.push({ kind: cls === 'Conv2D' ? 'conv' : 'depthwise', h: input[1], w: input[2], cin: input[3], cout: cls === 'Conv2D' ? cfg.filters : input[3], kh: k[0], kw: k[1], stride: s[0], padding: cfg.padding });
    } else if (cls === 'Dense') {
      spec.push({ kind: 'dense', cin: input[input.length - 1], cout: cfg.units });
    }
  }
  return spec;
}

function torchZoo(specFile) {
  try {
    const out = execFileSync('/usr/bin/python3', [path.join(here, 'torch_bench.py'), 'zoo', specFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    return { error: String(e).split('\n')[0] };
  }
}

/** Builds, saves and certifies each model; returns one record per model. */
export async function zooCertifyRows({ models = ZOO, withTorch = true } = {}) {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  const dir = mkdtempSync(path.join(tmpdir(), 'lipkit-zoo-bench-'));
  const rows = [];
  try {
    for (const z of models) {
      await setBackend('wasm');
      const model = z.build({ inputSize: z.size });
      const file = path.join(dir, z.name, 'model.json');
      await model.save(fileIOHandler(file));
      const shares = familyShares(model);
      const spec = layerSpec(model);
      model.dispose();
      const specFile = path.join(dir, `${z.name}.spec.json`);
      writeFileSync(specFile, JSON.stringify(spec));
      const upper = timedCertify(file, ['--no-lower-bound']);
      const whole = timedCertify(file, []);
      const torch = withTorch ? torchZoo(specFile) : null;
      rows.push({ model: `${z.name} ${z.size}x${z.size}`, upper, whole, shares, torch });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Markdown table of the zoo rows. */
export function formatZooRows(rows) {
  const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
  const lines = [
    '| model | upper bound only: CPU s / wall s / peak MB | whole command (with lower bound): CPU s / wall s / peak MB | upper | lower | PyTorch same norms: matrix_norm on FFT blocks s / power iteration s |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const t = r.torch && !r.torch.error ? `${f(r.torch.fftMatrixNormSeconds, 2)} / ${f(r.torch.powerIterationSeconds, 2)}` : (r.torch?.error ?? '-');
    lines.push(`| ${r.model} | ${f(r.upper.cpuSeconds)} / ${f(r.upper.wallSeconds)} / ${f(r.upper.peakMB, 0)}${r.upper.error ? ` (${r.upper.error})` : ''} | ${f(r.whole.cpuSeconds)} / ${f(r.whole.wallSeconds)} / ${f(r.whole.peakMB, 0)}${r.whole.error ? ` (${r.whole.error})` : ''} | ${r.upper.upperBound === null ? '-' : r.upper.upperBound.toExponential(2)} | ${r.whole.lowerBound === null ? '-' : r.whole.lowerBound.toExponential(2)} | ${t} |`);
  }
  lines.push('', 'Share of the upper bound\'s CPU time by layer family (the row where a norm is taken; a BatchNormalization or activation row carries the merged conv+BN norm):');
  for (const r of rows) {
    const total = Object.values(r.shares).reduce((a, b) => a + b, 0);
    lines.push(`- ${r.model}: ${Object.entries(r.shares).filter(([, s]) => s / total >= 0.01).map(([k, s]) => `${k} ${(100 * s / total).toFixed(0)} %`).join(', ')} (of ${f(total)} s in process)`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const only = process.argv[2];
  const rows = await zooCertifyRows({ models: only ? ZOO.filter((z) => z.name === only) : ZOO });
    console.log(formatZooRows(rows));
}
