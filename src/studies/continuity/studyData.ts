import { continuityTask } from '../../data/continuityTask.js';
import { listOps } from '../../data/listOps.js';
import { tokenizeListOps, LISTOPS_VOCABULARY } from '../../data/tokenizeListOps.js';
import type { RunSpec } from './spec.js';

/** One split: inputs, targets (regression [count, length, 1] or class ids), optional padding mask. */
export interface StudySplit {
  count: number;
  /** 'continuous': [count, length, 1] floats; 'tokens': [count, length] ids. */
  inputs: Float32Array | Int32Array;
  /** Regression targets [count, length, 1] or class labels [count]. */
  targets: Float32Array | Int32Array;
  /** [count, length] 1 = token, 0 = padding (token tasks only). */
  mask?: Float32Array;
}

/** The data of one run and what the model must predict. */
export interface StudyData {
  kind: 'regression' | 'classification';
  input: 'continuous' | 'tokens';
  length: number;
  /** Vocabulary size (tokens) or number of classes (classification). */
  vocabulary?: number;
  classes?: number;
  /** Name of the validation metric and whether larger is better. */
  metric: 'mse' | 'accuracy';
  higherIsBetter: boolean;
  train: StudySplit;
  validation: StudySplit;
}

function split<T extends Float32Array | Int32Array>(a: T, rowSize: number, from: number, to: number): T {
  return a.slice(from * rowSize, to * rowSize) as T;
}

/**
 * Builds the data of a run, deterministic in `spec.seed`: one generator call of train +
 * validation items, split in order (no overlap; ListOps keeps distinct expressions).
 * - 'fig1-high' / 'fig1-low': `continuityTask` (sequence-to-sequence regression, metric MSE);
 * - 'listops': `listOps` with lengths in [sizes.minLength, sizes.length], tokenized and padded
 *   to sizes.length (10-class classification, metric accuracy).
 */
export function buildStudyData(spec: RunSpec): StudyData {
  const { train, validation, length, minLength } = spec.sizes;
  const total = train + validation;
  if (spec.task === 'listops') {
    const data = listOps({ count: total, minLength: Math.max(2, minLength), maxLength: length, seed: spec.seed });
    const tok = tokenizeListOps(data.expressions, { maxLength: length });
    const part = (from: number, to: number): StudySplit => ({
      count: to - from,
      inputs: split(tok.ids, length, from, to),
      targets: split(data.labels, 1, from, to),
      mask: split(tok.mask, length, from, to),
    });
    return {
      kind: 'classification', input: 'tokens', length, vocabulary: LISTOPS_VOCABULARY.length, classes: 10,
      metric: 'accuracy', higherIsBetter: true, train: part(0, train), validation: part(train, total),
    };
  }
  const data = continuityTask({ count: total, continuity: spec.task === 'fig1-high' ? 'high' : 'low', length, seed: spec.seed });
  const part = (from: number, to: number): StudySplit => ({
    count: to - from,
    inputs: split(data.inputs, length, from, to),
    targets: split(data.targets, length, from, to),
  });
  return {
    kind: 'regression', input: 'continuous', length, metric: 'mse', higherIsBetter: false,
    train: part(0, train), validation: part(train, total),
  };
}
