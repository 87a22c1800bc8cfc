import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { fileIOHandler } from '../../src/cli/fileIOHandler.js';
import { LipkitError } from '../../src/util/errors.js';

let dir: string;

function buildModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 2] });
  const c = tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.randomNormal({ seed: 2 }) }).apply(input) as tfl.SymbolicTensor;
  const f = tfl.layers.flatten().apply(c) as tfl.SymbolicTensor;
  const d = tfl.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(f) as tfl.SymbolicTensor;
  const b = tfl.layers.batchNormalization().apply(d) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: b });
}

/** Expects `p` to reject with a LipkitError whose argument and message match. */
async function expectLipkitError(p: Promise<unknown>, argument: string | RegExp, message: RegExp): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(LipkitError);
  const le = e as LipkitError;
  if (typeof argument === 'string') expect(le.argument).toBe(argument);
  else expect(le.argument).toMatch(argument);
  expect(le.message).toMatch(message);
}

/** Writes a model (saved by the handler) into a fresh folder and returns its model.json path. */
async function savedModel(name: string): Promise<string> {
  const p = path.join(dir, name, 'model.json');
  const m = buildModel();
  await m.save(fileIOHandler(p));
  m.dispose();
  return p;
}

function editJson(p: string, edit: (j: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] }) => void): void {
  const j = JSON.parse(readFileSync(p, 'utf8'));
  edit(j);
  writeFileSync(p, JSON.stringify(j));
}

describe('fileIOHandler', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    dir = mkdtempSync(path.join(tmpdir(), 'lipkit-io-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round trip: save then tf.loadLayersModel gives identical outputs and weights, without leaks', async () => {
    const model = buildModel();
    const p = path.join(dir, 'rt', 'nested', 'model.json');
    const before = tf.memory().numTensors;
    const result = await model.save(fileIOHandler(p));
    expect(tf.memory().numTensors).toBe(before);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(statSync(path.join(dir, 'rt', 'nested', 'weights.bin')).size);

    const loaded = await tfl.loadLayersModel(fileIOHandler(p));
    const x = tf.randomNormal([5, 6, 6, 2], 0, 1, 'float32', 9);
    const y0 = (model.predict(x) as tf.Tensor).dataSync();
    const y1 = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(y1)).toEqual(Array.from(y0));
    const w0 = model.getWeights();
    const w1 = loaded.getWeights();
    expect(w1.map((w) => w.shape)).toEqual(w0.map((w) => w.shape));
    w0.forEach((w, i) => expect(Array.from(w1[i].dataSync())).toEqual(Array.from(w.dataSync())));
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it('writes the standard tfjs layout: model.json manifest pointing at ./weights.bin, weights as raw little-endian float32 in manifest order', async () => {
    const model = buildModel();
    const p = path.join(dir, 'fmt', 'model.json');
    await model.save(fileIOHandler(p));
    const json = JSON.parse(readFileSync(p, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    // Independent decoding: slice the raw file by the manifest and compare with the model's weights by name.
    const raw = readFileSync(path.join(dir, 'fmt', 'weights.bin'));
    const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const byName = new Map(model.weights.map((w) => [w.originalName, w.read()]));
    let offset = 0;
    for (const spec of json.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[]) {
      expect(spec.dtype).toBe('float32');
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const expected = byName.get(spec.name);
      expect(expected, spec.name).toBeDefined();
      expect(Array.from(floats.subarray(offset, offset + n))).toEqual(Array.from(expected!.dataSync()));
      offset += n;
    }
    expect(offset).toBe(floats.length);
    expect(byName.size).toBe(json.weightsManifest[0].weights.length);
    model.dispose();
  });

  it('loads manifests split over several files and groups (as tfjs shards large models)', async () => {
    const p = await savedModel('shards');
    const raw = readFileSync(path.join(dir, 'shards', 'weights.bin'));
    const cut = 52; // arbitrary byte position: shards need not align with weights
    writeFileSync(path.join(dir, 'shards', 'part1.bin'), raw.subarray(0, cut));
    writeFileSync(path.join(dir, 'shards', 'part2.bin'), raw.subarray(cut));
    editJson(p, (j) => { j.weightsManifest[0].paths = ['part1.bin', './part2.bin']; });
    const a = await tfl.loadLayersModel(fileIOHandler(p));
    editJson(p, (j) => { j.weightsManifest[0].paths = ['weights.bin']; });
    const b = await tfl.loadLayersModel(fileIOHandler(p));
    a.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(b.getWeights()[i].dataSync())));
    a.dispose();
    b.dispose();
  });

  it('loads the committed example models', async () => {
    for (const name of ['mlp', 'conv']) {
      const m = await tfl.loadLayersModel(fileIOHandler(`examples/models/${name}/model.json`));
      expect(m.layers.length).toBeGreaterThan(2);
      m.dispose();
    }
  });

  it('missing model.json -> LipkitError naming the path', async () => {
    const p = path.join(dir, 'nope', 'model.json');
    await expectLipkitError(fileIOHandler(p).load!(), p, /not found/);
  });

  it('corrupt JSON -> LipkitError naming the file', async () => {
    const p = await savedModel('corrupt');
    writeFileSync(p, readFileSync(p, 'utf8').slice(0, 100));
    await expectLipkitError(fileIOHandler(p).load!(), p, /corrupt JSON/);
    writeFileSync(p, '[1, 2]');
    await expectLipkitError(fileIOHandler(p).load!(), p, /JSON object/);
    writeFileSync(p, '{"weightsManifest": []}');
    await expectLipkitError(fileIOHandler(p).load!(), p, /modelTopology/);
  });

  it('missing weights file -> LipkitError naming model.json and the manifest path', async () => {
    const p = await savedModel('missing');
    rmSync(path.join(dir, 'missing', 'weights.bin'));
    await expectLipkitError(fileIOHandler(p).load!(), p, /weightsManifest\[0\]\.paths\[0\] \("\.\/weights\.bin"\) not found/);
  });

  it('truncated or oversized weights -> LipkitError naming model.json, with both byte counts', async () => {
    const p = await savedModel('trunc');
    const w = path.join(dir, 'trunc', 'weights.bin');
    const raw = readFileSync(w);
    writeFileSync(w, raw.subarray(0, raw.length - 4));
    await expectLipkitError(fileIOHandler(p).load!(), p, new RegExp(`weightsManifest\\[0\\] describes ${raw.length} bytes.*${raw.length - 4} bytes.*truncated`));
    writeFileSync(w, Buffer.concat([raw, Buffer.alloc(8)]));
    await expectLipkitError(fileIOHandler(p).load!(), p, new RegExp(`${raw.length + 8} bytes`));
  });

  it('manifest that disagrees with the file (shape changed) -> LipkitError naming model.json', async () => {
    const p = await savedModel('mismatch');
    editJson(p, (j) => { j.weightsManifest[0].weights[0].shape = [3, 3, 2, 4]; });
    await expectLipkitError(fileIOHandler(p).load!(), p, /describes \d+ bytes/);
  });

  it('unsupported dtype, bad quantization, absurd or invalid shapes, URL paths -> LipkitError naming model.json and the field', async () => {
    const p = await savedModel('bad');
    const original = readFileSync(p, 'utf8');
    const cases: [(j: Parameters<Parameters<typeof editJson>[1]>[0]) => void, RegExp][] = [
      [(j) => { j.weightsManifest[0].weights[0].dtype = 'string'; }, /unsupported dtype "string"/],
      [(j) => { j.weightsManifest[0].weights[0].dtype = 'complex64'; }, /unsupported dtype/],
      [(j) => { (j.weightsManifest[0].weights[0] as { quantization?: unknown }).quantization = { dtype: 'int4' }; }, /unsupported quantization/],
      [(j) => { j.weightsManifest[0].weights[0].shape = [100000, 100000]; }, /absurd shape/],
      [(j) => { j.weightsManifest[0].weights[0].shape = [3, -1]; }, /invalid shape/],
      [(j) => { j.weightsManifest[0].weights[0].shape = [1.5]; }, /invalid shape/],
      [(j) => { j.weightsManifest[0].paths = ['https://example.com/w.bin']; }, /URL/],
      [(j) => { (j as { weightsManifest: unknown }).weightsManifest = { paths: [] }; }, /must be an array/],
    ];
    for (const [edit, message] of cases) {
      writeFileSync(p, original);
      editJson(p, edit);
      await expectLipkitError(fileIOHandler(p).load!(), p, message);
    }
  });

  it('rejects an empty path', () => {
    expect(() => fileIOHandler('')).toThrow(LipkitError);
    expect(existsSync(dir)).toBe(true);
  });
});
