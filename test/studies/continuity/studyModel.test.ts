import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { LipkitError } from '../../../src/util/errors.js';
import { TransformerEncoder } from '../../../src/models/TransformerEncoder.js';
import { buildStudyModel, defaultPositional } from '../../../src/studies/continuity/studyModel.js';
import { buildStudyData } from '../../../src/studies/continuity/studyData.js';
import { validateRunSpec, type RunSizes, type RunSpec } from '../../../src/studies/continuity/spec.js';

const sizes: RunSizes = { train: 4, validation: 2, test: 2, length: 16, minLength: 6, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 4, epochs: 1, learningRate: 3e-3, kernelSize: 5 };

/** The `positional` setting of the Transformer layer the study builds for `spec`. */
function positionsOf(spec: RunSpec): string {
  const model = buildStudyModel(spec, buildStudyData(spec));
  try {
    const layer = model.layers.find((l) => l instanceof TransformerEncoder) as TransformerEncoder | undefined;
    if (layer === undefined) throw new Error('no TransformerEncoder');
    return layer.positional;
  } finally {
    model.dispose();
  }
}

describe('continuity study model: Transformer positions', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('defaults to no positions on the pointwise Figure 1 tasks and to sinusoids elsewhere', () => {
    for (const t of ['fig1-high', 'fig1-low', 'fig1mv-high', 'fig1mv-low']) expect(defaultPositional(t)).toBe('none');
    for (const t of ['listops', 'mnist-c', 'weather-24']) expect(defaultPositional(t)).toBe('sinusoidal');
  });

  it('builds the Transformer with sizes.positional or the task default, leaking no tensors', () => {
    const before = tf.memory().numTensors;
    const spec: RunSpec = { task: 'fig1-high', model: 'transformer', arm: 'Transformer', lambda: 0, seed: 1, sizes };
    expect(positionsOf(spec)).toBe('none');
    expect(positionsOf({ ...spec, sizes: { ...sizes, positional: 'sinusoidal' } })).toBe('sinusoidal');
    expect(positionsOf({ ...spec, task: 'listops' })).toBe('sinusoidal');
    expect(positionsOf({ ...spec, task: 'listops', sizes: { ...sizes, positional: 'none' } })).toBe('none');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates sizes.positional, naming the field', () => {
    const spec = { task: 'fig1-high', model: 'transformer', arm: 'Transformer', lambda: 0, seed: 0, sizes: { ...sizes, positional: 'learned' } };
    expect(() => validateRunSpec(spec)).toThrow(LipkitError);
    expect(() => validateRunSpec(spec)).toThrow(/spec\.sizes\.positional/);
    expect(validateRunSpec({ ...spec, sizes: { ...sizes, positional: 'none' } }).sizes.positional).toBe('none');
  });
});
