import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { fileIOHandler } from '../../src/cli/fileIOHandler.js';
import { runCli } from '../../src/cli/runCli.js';

const MLP = 'examples/models/mlp/model.json';
const CONV = 'examples/models/conv/model.json';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

/** Bad input: exit status 2 and exactly one line `lipkit: ...` on stderr mentioning `what`, nothing on stdout. */
async function expectBadInput(argv: string[], what: RegExp): Promise<void> {
  const { code, out, err } = await run(argv);
  expect(code, err).toBe(2);
  expect(out).toBe('');
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).toMatch(/^lipkit: /);
  expect(err).toMatch(what);
}

/** Float64 spectral norm of a row-major (rows x cols) matrix by power iteration on A^T A to convergence. */
function spectralNorm64(a: Float32Array, rows: number, cols: number): number {
  let v = new Float64Array(cols).map((_, i) => 1 + 0.01 * i);
  let sigma = 0;
  for (let it = 0; it < 5000; it++) {
    const av = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) av[r] += a[r * cols + c] * v[c];
    const atav = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) atav[c] += a[r * cols + c] * av[r];
    const n = Math.sqrt(atav.reduce((s, x) => s + x * x, 0));
    const next = Math.sqrt(n);
    v = atav.map((x) => x / n);
    if (Math.abs(next - sigma) < 1e-13 * next) { sigma = next; break; }
    sigma = next;
  }
  return sigma;
}

interface Report {
  model: string; upperBound: number; lowerBound: number | null; certified: boolean; seconds: number;
  layers: { name: string; className: string; lipschitz: number | null; method: string }[]; notes: string[]; backend: string;
  bounds?: Record<string, number>; method?: string;
}

describe('runCli certify', () => {
  let dir: string;
  beforeAll(async () => {
    await setBackend('cpu');
    dir = mkdtempSync(path.join(tmpdir(), 'lipkit-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json on the example MLP: documented fields, upper bound = product of exact kernel norms (ReLU MLP), lower <= upper, no leaks', async () => {
    const before = tf.memory().numTensors;
    const { code, out, err } = await run(['certify', MLP, '--json']);
    expect(code, err).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const r = JSON.parse(out) as Report;
    expect(r.model).toBe(MLP);
    expect(r.certified).toBe(true);
    expect(typeof r.seconds).toBe('number');
    expect(r.layers.map((l) => [l.name, l.className])).toEqual([['dense_1', 'Dense'], ['dense_2', 'Dense'], ['logits', 'Dense']]);
    for (const l of r.layers) expect(typeof l.method).toBe('string');

    // Oracle: for Dense-ReLU-Dense-ReLU-Dense the bound is the product of the kernels' spectral norms.
    const model = await tfl.loadLayersModel(fileIOHandler(MLP));
    const norms = model.layers.map((l) => {
      const k = l.getWeights()[0];
      return spectralNorm64(k.dataSync() as Float32Array, k.shape[0], k.shape[1] ?? 1);
    });
    model.dispose();
    r.layers.forEach((l, i) => expect(l.lipschitz! / norms[i]).toBeCloseTo(1, 5));
    expect(r.bounds!.product / norms.reduce((a, b) => a * b, 1)).toBeCloseTo(1, 5);
    // --method auto (default): the tight methods are never looser than the product (issue 11).
    expect(r.upperBound).toBeLessThanOrEqual(r.bounds!.product);
    expect(r.bounds![r.method!]).toBe(r.upperBound);

    expect(r.lowerBound).not.toBeNull();
    expect(r.lowerBound!).toBeGreaterThan(0);
    expect(r.lowerBound!).toBeLessThanOrEqual(r.upperBound);
  });

  it('--data: the lower bound is at least the finite-difference Jacobian norm at every given example', async () => {
    const { code, out, err } = await run(['certify', MLP, '--json', '--data', 'examples/data/mlp-inputs.json', '--steps', '0']);
    expect(code, err).toBe(0);
    const r = JSON.parse(out) as Report;
    expect(r.notes.join('\n')).toMatch(/32 examples from examples\/data\/mlp-inputs.json/);
    const inputs = (JSON.parse(readFileSync('examples/data/mlp-inputs.json', 'utf8')) as { inputs: number[][] }).inputs;
    const model = await tfl.loadLayersModel(fileIOHandler(MLP));
    const h = 1e-2;
    let best = 0;
    for (const x of inputs) {
      // Central differences: columns of the 2x2 Jacobian (ReLU MLP is piecewise linear; h small vs region size).
      const probes = tf.tensor2d([[x[0] + h, x[1]], [x[0] - h, x[1]], [x[0], x[1] + h], [x[0], x[1] - h]]);
      const y = (model.predict(probes) as tf.Tensor).arraySync() as number[][];
      probes.dispose();
      const j = [0, 1].map((o) => [(y[0][o] - y[1][o]) / (2 * h), (y[2][o] - y[3][o]) / (2 * h)]);
      best = Math.max(best, spectralNorm64(Float32Array.from(j.flat()), 2, 2));
    }
    model.dispose();
    expect(r.lowerBound!).toBeGreaterThanOrEqual(best * 0.99);
    // The activation-pattern search (issue 11) realizes the exact constant that the exact method certifies:
    // the float32 quotient may exceed the exact-arithmetic bound by rounding (measured 1e-6), never by more.
    expect(r.lowerBound!).toBeLessThanOrEqual(r.upperBound * (1 + 1e-5));
    expect((r as Report & { soundness: string }).soundness).not.toBe('SOUNDNESS FAILURE');
  });

  it('table output on the conv example: per-layer rows, bounds and gap', async () => {
    const { code, out, err } = await run(['certify', CONV, '--data', 'examples/data/conv-inputs.json', '--steps', '2']);
    expect(code, err).toBe(0);
    for (const s of ['layer', 'class', 'Lipschitz', 'method', 'conv', 'Conv2D', 'MaxPooling2D', 'Flatten', 'logits']) expect(out).toContain(s);
    const upper = Number(/upper bound: ([\d.e+-]+) \(certified\)/.exec(out)?.[1]);
    const lower = Number(/lower bound: ([\d.e+-]+) \(empirical\)/.exec(out)?.[1]);
    const gap = Number(/gap: upper \/ lower = ([\d.e+-]+)/.exec(out)?.[1]);
    expect(upper).toBeGreaterThan(0);
    expect(lower).toBeGreaterThan(0);
    expect(lower).toBeLessThanOrEqual(upper);
    expect(gap / (upper / lower)).toBeCloseTo(1, 3);
  });

  it('LIPKIT_BACKEND=wasm gives the same certified bound as cpu', async () => {
    const cpu = JSON.parse((await run(['certify', MLP, '--json', '--no-lower-bound'])).out) as Report;
    const saved = process.env.LIPKIT_BACKEND;
    process.env.LIPKIT_BACKEND = 'wasm';
    try {
      const { code, out, err } = await run(['certify', MLP, '--json', '--no-lower-bound']);
      expect(code, err).toBe(0);
      const wasm = JSON.parse(out) as Report;
      expect(wasm.backend).toBe('wasm');
      expect(wasm.lowerBound).toBeNull();
      expect(wasm.upperBound / cpu.upperBound).toBeCloseTo(1, 5);
    } finally {
      if (saved === undefined) delete process.env.LIPKIT_BACKEND; else process.env.LIPKIT_BACKEND = saved;
      await setBackend('cpu');
    }
  });

  it('--skip-unsupported: certified false and a warning; without it exit 2 naming the layer', async () => {
    const m = tfl.sequential();
    m.add(tfl.layers.dense({ units: 4, inputShape: [3], name: 'd1' }));
    m.add(tfl.layers.layerNormalization({ name: 'ln' }));
    m.add(tfl.layers.dense({ units: 2, name: 'd2' }));
    const p = path.join(dir, 'ln', 'model.json');
    await m.save(fileIOHandler(p));
    m.dispose();
    await expectBadInput(['certify', p], /'ln'/);
    const { code, out, err } = await run(['certify', p, '--json', '--skip-unsupported']);
    expect(code, err).toBe(0);
    const r = JSON.parse(out) as Report;
    expect(r.certified).toBe(false);
    expect(r.layers.find((l) => l.name === 'ln')?.lipschitz).toBeNull();
    expect(err).toMatch(/^lipkit: warning: .*NOT certified.*ln/m);
  });

  it('--input-shape for a model without a fixed input shape; a contradicting one is rejected', async () => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [null, null, 1], name: 'c' }));
    m.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
    const p = path.join(dir, 'fcn', 'model.json');
    await m.save(fileIOHandler(p));
    m.dispose();
    const { code, out, err } = await run(['certify', p, '--json', '--input-shape', '6,6,1', '--steps', '2']);
    expect(code, err).toBe(0);
    const r = JSON.parse(out) as Report;
    expect(r.lowerBound!).toBeGreaterThan(0);
    expect(r.lowerBound!).toBeLessThanOrEqual(r.upperBound);
    await expectBadInput(['certify', MLP, '--input-shape', '3'], /--input-shape/);
  });

  it('bad flags, files and data -> exit 2 with one line on stderr', async () => {
    await expectBadInput(['certify', path.join(dir, 'nope', 'model.json')], /model\.json not found/);
    await expectBadInput(['certify', MLP, '--seed', 'abc'], /--seed: must be an integer/);
    await expectBadInput(['certify', MLP, '--seed', '-1'], /--seed/);
    await expectBadInput(['certify', MLP, '--samples', '0'], /--samples/);
    await expectBadInput(['certify', MLP, '--steps', '1.5'], /--steps/);
    await expectBadInput(['certify', MLP, '--input-shape', '2,x'], /--input-shape/);
    await expectBadInput(['certify', MLP, '--input-shape', ''], /--input-shape/);
    await expectBadInput(['certify', MLP, '--bogus'], /unknown option '--bogus'/);
    await expectBadInput(['certify'], /missing required argument/);
    await expectBadInput(['frobnicate'], /unknown command/);
    await expectBadInput(['certify', MLP, '--data', path.join(dir, 'none.json')], /data file not found/);
    const bad = path.join(dir, 'bad.json');
    for (const [content, message] of [
      ['{"inputs": [[1, 2], [3]]}', /inputs\[1\] must be an array of length 2/],
      ['[[1, 2, 3]]', /shape \[3\].*expects \[2\]/],
      ['[[1, null]]', /inputs\[0\]\[1\] must be a finite number/],
      ['[]', /no examples/],
      ['{"x": 1}', /array of examples/],
      ['[[1, 2]', /corrupt JSON/],
    ] as const) {
      writeFileSync(bad, content);
      await expectBadInput(['certify', MLP, '--data', bad], message);
    }
    const corrupt = path.join(dir, 'corrupt', 'model.json');
    await tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1] })] }).save(fileIOHandler(corrupt));
    writeFileSync(corrupt, '{"modelTopology": ');
    await expectBadInput(['certify', corrupt], /corrupt JSON/);
  });

  it('--help and --version exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('certify');
    const certifyHelp = await run(['certify', '--help']);
    expect(certifyHelp.code).toBe(0);
    expect(certifyHelp.out).toContain('--input-shape');
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});
