import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipReg } from '../../regularize/lipReg.js';
import { sequenceLipschitz } from '../../estimate/sequenceLipschitz.js';
import { mulberry32 } from '../../util/random.js';
import { armDefinition, runEpochs, TRAINING_NORMALIZE, validateRunSpec, type RunSpec, type RunSizes } from './spec.js';
import { buildStudyData, type StudyData, type StudySplit } from './studyData.js';
import { buildStudyModel } from './studyModel.js';

/** Per-epoch curves of a run (null where a value was not finite). */
export interface RunCurves {
  /** Mean training objective per epoch: task loss + lambda * L_Lip(e). */
  loss: (number | null)[];
  /** Mean training task loss per epoch (without the regularizer term). */
  taskLoss: (number | null)[];
  /** L_Lip(e) of the embedding output on the validation set in the training form (authors' min-max normalization; mean over batches). */
  lipReg: (number | null)[];
  /** Scale-free continuity of e on the validation set: `lipReg(e, { normalize: 'variance' })` (lower = more continuous). */
  continuity: (number | null)[];
  /** L_f(e) = max_k ||e_{k+1} - e_k||_2, averaged over validation sequences (`sequenceLipschitz`). */
  lf: (number | null)[];
  /** Validation metric (MSE or accuracy). */
  validation: (number | null)[];
}

/** One run's record, as written to results.json. */
export interface RunRecord {
  task: RunSpec['task'];
  model: RunSpec['model'];
  arm: string;
  lambda: number;
  seed: number;
  sizes: RunSizes;
  metric: 'mse' | 'accuracy';
  higherIsBetter: boolean;
  /** Values after the last completed epoch (null when not finite). */
  metrics: { validation: number | null; lipReg: number | null; continuity: number | null; lf: number | null; loss: number | null };
  /**
   * After training, on the held-out test split (forecasting: every test window, Informer
   * protocol): the task metric, MSE and MAE (regression; null for classification), and the
   * scale-free continuity of the embedding output. Null values when diverged.
   */
  test: { metric: number | null; mse: number | null; mae: number | null; continuity: number | null };
  curves: RunCurves;
  /** True when a training loss or a validation output became NaN/Inf; training then stops. */
  diverged: boolean;
  backend: string;
  seconds: number;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function batchTensors(split: StudySplit, data: StudyData, idx: number[]): tf.Tensor[] {
  const L = data.length;
  const n = idx.length;
  const rowsOf = <T extends Float32Array | Int32Array>(a: T, size: number): T => {
    const out = new (a.constructor as new (k: number) => T)(n * size);
    idx.forEach((j, r) => out.set(a.subarray(j * size, (j + 1) * size), r * size));
    return out;
  };
  const F = data.features;
  const inputs = data.input === 'tokens'
    ? [tf.tensor2d(Float32Array.from(rowsOf(split.inputs, L)), [n, L]), tf.tensor2d(rowsOf(split.mask as Float32Array, L), [n, L])]
    : [tf.tensor3d(rowsOf(split.inputs as Float32Array, L * F), [n, L, F])];
  const target = data.kind === 'classification'
    ? tf.oneHot(tf.tensor1d(rowsOf(split.targets as Int32Array, 1), 'int32'), data.classes ?? 2)
    : tf.tensor3d(rowsOf(split.targets as Float32Array, data.targetLength * F), [n, data.targetLength, F]);
  return [...inputs, target];
}

/** Task loss and embedding output of a batch: [input(s)..., target]. */
function forward(model: tfl.LayersModel, data: StudyData, t: tf.Tensor[], training: boolean): { loss: tf.Scalar; out: tf.Tensor; emb: tf.Tensor } {
  const inputs = t.slice(0, t.length - 1);
  const target = t[t.length - 1];
  const [out, emb] = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training }) as tf.Tensor[];
  const loss = data.kind === 'classification'
    ? tf.losses.softmaxCrossEntropy(target, out) as tf.Scalar
    : tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
  return { loss, out, emb };
}

interface Evaluation { metric: number; mae: number; lipReg: number; continuity: number; lf: number }

/**
 * Metric (accuracy or MSE), MAE (regression), mean L_Lip in the training form (`axis`, min-max),
 * mean scale-free continuity (time axis, variance-normalized) and mean L_f of the embedding
 * output over a split (batch values weighted by batch size).
 */
function evaluate(model: tfl.LayersModel, data: StudyData, split: StudySplit, batchSize: number, axis: 'time' | 'features'): Evaluation {
  const sums = [0, 0, 0, 0, 0];
  for (let from = 0; from < split.count; from += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, split.count - from) }, (_, i) => from + i);
    const r = tf.tidy(() => {
      const t = batchTensors(split, data, idx);
      const { out, emb } = forward(model, data, t, false);
      const target = t[t.length - 1];
      const m = data.kind === 'classification'
        ? tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(target, 1)), 'float32'))
        : tf.mul(tf.mean(tf.square(tf.sub(out, target))), idx.length);
      const mae = data.kind === 'classification' ? tf.scalar(0) : tf.mul(tf.mean(tf.abs(tf.sub(out, target))), idx.length);
      const lip = tf.mul(lipReg(emb, { skipChecks: true, axis, normalize: TRAINING_NORMALIZE }), idx.length);
      const cont = tf.mul(lipReg(emb, { skipChecks: true, normalize: 'variance' }), idx.length);
      const values = tf.stack([m, mae, lip, cont]).dataSync();
      const finite = values.every((v) => Number.isFinite(v));
      const lf = finite ? sequenceLipschitz(emb as tf.Tensor3D).perSequence.reduce((a, b) => a + b, 0) : NaN;
      return [values[0], values[1], values[2], values[3], lf];
    });
    for (let k = 0; k < 5; k++) sums[k] += r[k];
  }
  const [metric, mae, lip, continuity, lf] = sums.map((v) => v / split.count);
  return { metric, mae, lipReg: lip, continuity, lf };
}

/**
 * One independent run of the continuity study (synchronous; uses the active tfjs backend):
 * builds the data and the model of `spec`, trains with Adam on
 *
 *   task loss + lambda * L_Lip(e),   e the embedding output, lambda signed by the arm
 *
 * (`lipReg` of Qu et al., ICLR 2023, in the authors' released min-max form, along the arm's axis:
 * + for SSM arms, - for Transformer+Lip, the opposite for the wrong-sign controls, 0 for
 * unregularized arms), and after each epoch measures the validation metric, L_Lip(e), the
 * scale-free continuity of e (`normalize: 'variance'`) and L_f(e) (`sequenceLipschitz`, an exact
 * per-sample value); then scores the test split (forecasting: every test window, MSE and MAE
 * on the normalized scale).
 * `onEpoch` (optional) is called after each epoch with the curves so far (learning curves).
 * A NaN/Inf training loss or validation value marks the run `diverged` and stops training;
 * the record is returned, never dropped. Leaves no tensors behind.
 */
export function runOne(specInput: RunSpec, onEpoch?: (epoch: number, curves: RunCurves) => void): RunRecord {
  const spec = validateRunSpec(specInput);
  const start = performance.now();
  const data = buildStudyData(spec);
  const { batchSize, learningRate } = spec.sizes;
  const epochs = runEpochs(spec.sizes, spec.model);
  const curves: RunCurves = { loss: [], taskLoss: [], lipReg: [], continuity: [], lf: [], validation: [] };
  const axis = armDefinition(spec.arm).axis ?? 'time';
  let diverged = false;
  let test: RunRecord['test'] = { metric: null, mse: null, mae: null, continuity: null };
  const model = buildStudyModel(spec, data);
  const optimizer = tf.train.adam(learningRate);
  const next = mulberry32(spec.seed + 7);
  try {
    for (let epoch = 0; epoch < epochs && !diverged; epoch++) {
      const order = Array.from({ length: data.train.count }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) { const j = Math.floor((next() / 4294967296) * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      let lossSum = 0;
      let taskSum = 0;
      for (let from = 0; from < order.length; from += batchSize) {
        const idx = order.slice(from, from + batchSize);
        let taskLoss: tf.Scalar | null = null;
        const [total, task] = tf.tidy(() => {
          const t = batchTensors(data.train, data, idx);
          const cost = optimizer.minimize(() => {
            const f = forward(model, data, t, true);
            taskLoss = tf.keep(f.loss);
            return spec.lambda === 0 ? f.loss : tf.add(f.loss, tf.mul(spec.lambda, lipReg(f.emb, { skipChecks: true, axis, normalize: TRAINING_NORMALIZE }))) as tf.Scalar;
          }, true) as tf.Scalar;
          return [cost.dataSync()[0], (taskLoss as unknown as tf.Scalar).dataSync()[0]];
        });
        (taskLoss as tf.Scalar | null)?.dispose();
        if (!Number.isFinite(total) || !Number.isFinite(task)) { diverged = true; lossSum = NaN; taskSum = NaN; break; }
        lossSum += total * idx.length;
        taskSum += task * idx.length;
      }
      curves.loss.push(finiteOrNull(lossSum / data.train.count));
      curves.taskLoss.push(finiteOrNull(taskSum / data.train.count));
      const ev = diverged ? { metric: NaN, mae: NaN, lipReg: NaN, continuity: NaN, lf: NaN } : evaluate(model, data, data.validation, batchSize, axis);
      if (!Number.isFinite(ev.metric) || !Number.isFinite(ev.lipReg) || !Number.isFinite(ev.lf)) diverged = true;
      curves.validation.push(finiteOrNull(ev.metric));
      curves.lipReg.push(finiteOrNull(ev.lipReg));
      curves.continuity.push(finiteOrNull(ev.continuity));
      curves.lf.push(finiteOrNull(ev.lf));
      onEpoch?.(epoch + 1, curves);
    }
    if (!diverged) {
      const ev = evaluate(model, data, data.test, Math.max(batchSize, 64), axis);
      const regression = data.kind === 'regression';
      test = { metric: finiteOrNull(ev.metric), mse: regression ? finiteOrNull(ev.metric) : null, mae: regression ? finiteOrNull(ev.mae) : null, continuity: finiteOrNull(ev.continuity) };
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  const last = <T>(a: T[]): T => a[a.length - 1];
  return {
    task: spec.task, model: spec.model, arm: spec.arm, lambda: spec.lambda, seed: spec.seed, sizes: spec.sizes,
    metric: data.metric, higherIsBetter: data.higherIsBetter,
    metrics: { validation: last(curves.validation), lipReg: last(curves.lipReg), continuity: last(curves.continuity), lf: last(curves.lf), loss: last(curves.loss) },
    test,
    curves, diverged, backend: tf.getBackend(), seconds: (performance.now() - start) / 1000,
  };
}
