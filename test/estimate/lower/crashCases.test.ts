import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { float32Allowance } from '../../../src/estimate/lower/float32Allowance.js';
import { certify } from '../../../src/cli/certify.js';
import { fileIOHandler } from '../../../src/cli/fileIOHandler.js';

const init = (seed: number) => tfl.initializers.randomNormal({ stddev: 0.4, seed });

/** Models whose lower bound crashed in lipkit 4365fbf (issue 9), each now bounded and consistent with its upper bound. */
const CASES: { name: string; make: () => tfl.LayersModel }[] = [
  { name: 'DepthwiseConv2D', make: () => tfl.sequential({ layers: [tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', inputShape: [7, 7, 2], depthwiseInitializer: init(1) })] }) },
  { name: 'SeparableConv2D', make: () => tfl.sequential({ layers: [tfl.layers.separableConv2d({ kernelSize: 3, filters: 3, inputShape: [6, 6, 2], depthwiseInitializer: init(2), pointwiseInitializer: init(3) })] }) },
  { name: 'dilated Conv2D', make: () => tfl.sequential({ layers: [tfl.layers.conv2d({ kernelSize: 3, filters: 3, dilationRate: 2, activation: 'relu', inputShape: [8, 8, 2], kernelInitializer: init(4) })] }) },
  { name: 'dilated Conv1D', make: () => tfl.sequential({ layers: [tfl.layers.conv1d({ kernelSize: 3, filters: 3, dilationRate: 2, inputShape: [9, 2], kernelInitializer: init(5) })] }) },
  { name: 'BatchNormalization center false', make: () => tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], kernelInitializer: init(6) }), tfl.layers.batchNormalization({ center: false })] }) },
  { name: 'BatchNormalization scale false', make: () => tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1], kernelInitializer: init(7) }), tfl.layers.batchNormalization({ scale: false })] }) },
];

describe.each(['cpu', 'wasm'] as const)('lower-bound crash cases (%s)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(CASES)('$name: lower bound runs, > 0 and <= upper (1 + float32 allowance), no leaks', ({ make }) => {
    const model = make();
    const bound = lipschitzBound(model);
    const x = tf.randomNormal([3, ...(model.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const r = lipschitzLowerBound(model, x, { steps: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lowerBound).toBeGreaterThan(0);
    const allowance = float32Allowance({ depth: bound.layers.length, productRatio: bound.unmergedBound / bound.upperBound, relativeStep: r.best?.relativeStep, outputRatio: r.best?.outputRatio });
    expect(r.lowerBound).toBeLessThanOrEqual(bound.upperBound * (1 + allowance));
    x.dispose();
    model.dispose();
  });

  it.skipIf(backend === 'cpu')('a 512x512 conv model: inputs go through in chunks (no wasm abort at 4 GB)', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [512, 512, 3], kernelInitializer: init(8) }),
      tfl.layers.globalAveragePooling2d({}), tfl.layers.dense({ units: 2, kernelInitializer: init(9) }),
    ] });
    const x = tf.randomNormal([2, 512, 512, 3], 0, 1, 'float32', 2);
    const r = lipschitzLowerBound(model, x, { iterations: 1, steps: 0, chunkBytes: 2 ** 26 });
    expect(r.lowerBound).toBeGreaterThan(0);
    expect(r.work.points).toBe(2);
    x.dispose();
    model.dispose();
  });
});

describe('Embedding models', () => {
  let dir: string;
  beforeAll(async () => { await setBackend('cpu'); dir = mkdtempSync(path.join(tmpdir(), 'lipkit-sound-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lipschitzLowerBound refuses integer-index inputs naming the layer; certify --skip-unsupported reports no lower bound', async () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, name: 'tokens' }), tfl.layers.flatten({}), tfl.layers.dense({ units: 2 }),
    ] });
    const x = tf.zeros([2, 5]);
    expect(() => lipschitzLowerBound(model, x)).toThrow(/model: reads integer indices \(Embedding layer 'tokens'\)/);
    x.dispose();
    const file = path.join(dir, 'emb', 'model.json');
    await model.save(fileIOHandler(file));
    model.dispose();
    const report = await certify(file, { skipUnsupported: true });
    expect(report.certified).toBe(false);
    expect(report.lowerBound).toBeNull();
    expect(report.notes.join('\n')).toMatch(/no lower bound: the model reads integer indices \(Embedding layer 'tokens'\)/);
  });
});
