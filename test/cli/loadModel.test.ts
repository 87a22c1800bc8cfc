import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { certify } from '../../src/cli/certify.js';
import { loadModel } from '../../src/cli/loadModel.js';
import { openRegularFile } from '../../src/cli/modelFiles/readRegularFile.js';
import { LipkitError } from '../../src/util/errors.js';
import { denseTopology, writeModelJson } from './hostileFiles.js';

let root: string;

/** float16 bit patterns and their values (IEEE 754 half precision, decoded by hand). */
const HALF: [number, number][] = [[0x3c00, 1], [0xc000, -2], [0x3800, 0.5], [0x0000, 0], [0x7bff, 65504], [0x3555, 0.333251953125]];

async function rejection(p: Promise<unknown>): Promise<LipkitError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(LipkitError);
  return e as LipkitError;
}

describe('loadModel', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'lipkit-load-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('dequantizes uint8 and uint16 weights (q * scale + min) and float16 weights as TF.js converters write them', async () => {
    // Dense 3 -> 2: kernel [3, 2] uint8 (scale 0.5, min -1), bias [2] uint16 (scale 0.25, min 3); Dense 2 -> 3: kernel float16, bias float32
    const k0 = [0, 1, 2, 3, 254, 255];
    const b0 = [0, 65535];
    const dir = join(root, 'quantized');
    const p = writeModelJson(dir, denseTopology(3, [2, 3]), [{ paths: ['w.bin'], weights: [
      { name: 'dense_0/kernel', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'dense_0/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 3 } },
      { name: 'dense_1/kernel', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'dense_1/bias', shape: [3], dtype: 'float32' },
    ] }]);
    writeFileSync(join(dir, 'w.bin'), Buffer.concat([
      Buffer.from(k0), Buffer.from(new Uint16Array(b0).buffer), Buffer.from(new Uint16Array(HALF.map(([h]) => h)).buffer), Buffer.from(new Float32Array([7, 8, 9]).buffer),
    ]));
    const before = tf.memory().numTensors;
    const model = await loadModel(p);
    const [kernel0, bias0, kernel1, bias1] = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(kernel0).toEqual(k0.map((q) => q * 0.5 - 1));
    expect(bias0).toEqual(b0.map((q) => q * 0.25 + 3));
    expect(kernel1).toEqual(HALF.map(([, v]) => v));
    expect(bias1).toEqual([7, 8, 9]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a topology asking for far more weights than the files hold is refused before allocating (2e7-unit Dense, empty manifest)', async () => {
    const p = writeModelJson(join(root, 'huge'), denseTopology(64, [2e7]), []);
    const before = tf.memory();
    const e = await rejection(loadModel(p));
    expect(e.argument).toBe(p);
    expect(e.message).toMatch(/layer 'dense_0' would create a weight 'kernel' of shape \[64, 20000000\] \(1280000000 elements\)/);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    // the budget is not left behind: layers built afterwards get their usual initializers
    const d = tfl.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones' });
    const m = tfl.sequential({ layers: [d] });
    expect(Array.from(m.getWeights()[0].dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    m.dispose();
  });

  it('tiny weights on a gigantic input (1x1 conv on 100000 x 100000) are refused before any forward pass', async () => {
    const dir = join(root, 'wide');
    const p = writeModelJson(dir, {
      class_name: 'Sequential',
      config: { name: 'wide', layers: [{ class_name: 'Conv2D', config: { name: 'conv', filters: 1, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', use_bias: false, batch_input_shape: [null, 100000, 100000, 1] } }] },
    }, [{ paths: ['w.bin'], weights: [{ name: 'conv/kernel', shape: [1, 1, 1, 1], dtype: 'float32' }] }]);
    writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([1]).buffer));
    const before = tf.memory().numTensors;
    expect((await rejection(loadModel(p))).message).toMatch(/input '.*' has shape \[\?, 100000, 100000, 1\] \(10000000000 elements per example\), more than the 33554432/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refused loads (non-finite weights, mismatched manifest) leave no tensors behind', async () => {
    const dir = join(root, 'nan');
    const p = writeModelJson(dir, denseTopology(2, [1]), [{ paths: ['w.bin'], weights: [
      { name: 'dense_0/kernel', shape: [2, 1], dtype: 'float32' }, { name: 'dense_0/bias', shape: [1], dtype: 'float32' },
    ] }]);
    writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([1, 2, Number.NaN]).buffer));
    const before = tf.memory().numTensors;
    expect((await rejection(loadModel(p))).message).toMatch(/layer 'dense_0' \(Dense\): weight 'dense_0\/bias' holds NaN at flat index 0/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights behind a symbolic link that stays inside the folder load; a file name starting with ".." is inside too', async () => {
    const dir = join(root, 'inside-link');
    const p = writeModelJson(dir, denseTopology(2, [1]), [{ paths: ['link.bin', '..w2.bin'], weights: [
      { name: 'dense_0/kernel', shape: [2, 1], dtype: 'float32' }, { name: 'dense_0/bias', shape: [1], dtype: 'float32' },
    ] }]);
    mkdirSync(join(dir, 'store'));
    writeFileSync(join(dir, 'store', 'w.bin'), Buffer.from(new Float32Array([3, 4]).buffer));
    writeFileSync(join(dir, '..w2.bin'), Buffer.from(new Float32Array([5]).buffer));
    symlinkSync(join('store', 'w.bin'), join(dir, 'link.bin'));
    const model = await loadModel(p);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual([[3, 4], [5]]);
    model.dispose();
  });

  it('openRegularFile refuses a character device (/dev/zero) without opening it', async () => {
    const e = await rejection(openRegularFile({ path: '/dev/zero', argument: 'x.json', label: 'weights file' }));
    expect(e.message).toBe('x.json: weights file is a character device, not a regular file');
  });

  it('certify: finite weights whose float32 outputs overflow (NaN / Infinity) are NOT certified', async () => {
    const dir = join(root, 'overflow');
    const p = writeModelJson(dir, denseTopology(2, [2, 1]), [{ paths: ['w.bin'], weights: [
      { name: 'dense_0/kernel', shape: [2, 2], dtype: 'float32' }, { name: 'dense_0/bias', shape: [2], dtype: 'float32' },
      { name: 'dense_1/kernel', shape: [2, 1], dtype: 'float32' }, { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
    ] }]);
    writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([1e30, 0, 0, 1e30, 0, 0, 1e30, -1e30, 0]).buffer));
    const report = await certify(p, { samples: 4, steps: 0 });
    expect(report.certified).toBe(false);
    expect(report.notes.join('\n')).toMatch(/outputs are not finite .*NOT certified/);
  });
});
