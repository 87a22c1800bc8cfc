import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';

import { parseStudyTask, type StudyTask } from './tasks.js';

export { STUDY_TASKS, type StudyTask } from './tasks.js';

/** Sequence models of the study. */
export const STUDY_MODELS = ['s4d', 'transformer'] as const;
export type StudyModel = (typeof STUDY_MODELS)[number];

/**
 * One arm of the study: model, embedding ('linear': a Dense projection / the token table only;
 * 'conv': the paper's 1-D conv "Emb"), and the sign of the Lipschitz regularizer on the
 * embedding output (0: none). `baseline` is the arm a regularized arm is compared with;
 * `expectBetter` is the paper's claim: the right sign (+ for SSMs, - for Transformers) improves
 * the validation metric, the wrong-sign controls do not.
 */
export interface ArmDefinition {
  name: string;
  model: StudyModel;
  embedding: 'linear' | 'conv';
  sign: -1 | 0 | 1;
  baseline?: string;
  expectBetter?: boolean;
  /** Axis of the regularizer's differences: 'time' (the paper), 'features' (the released Informer code). Default 'time'. */
  axis?: 'time' | 'features';
}

/**
 * The regularizer the regularized arms train with: the authors' released form, `lipReg` with
 * `normalize: 'minmax'` ((x - min) / max over the whole embedding tensor, then the mean squared
 * difference). Continuity is REPORTED scale-free (`normalize: 'variance'`), never in this form.
 */
export const TRAINING_NORMALIZE = 'minmax' as const;

/** The arms of "Data Continuity Matters" (Qu et al., ICLR 2023) plus the wrong-sign controls. */
export const STUDY_ARMS: readonly ArmDefinition[] = [
  { name: 'SSM', model: 's4d', embedding: 'linear', sign: 0 },
  { name: 'SSM+Emb', model: 's4d', embedding: 'conv', sign: 0 },
  { name: 'SSM+Emb+Lip', model: 's4d', embedding: 'conv', sign: 1, baseline: 'SSM+Emb', expectBetter: true },
  { name: 'SSM+Emb+LipWrongSign', model: 's4d', embedding: 'conv', sign: -1, baseline: 'SSM+Emb', expectBetter: false },
  { name: 'Transformer', model: 'transformer', embedding: 'conv', sign: 0 },
  { name: 'Transformer+Lip', model: 'transformer', embedding: 'conv', sign: -1, baseline: 'Transformer', expectBetter: true },
  { name: 'Transformer+LipWrongSign', model: 'transformer', embedding: 'conv', sign: 1, baseline: 'Transformer', expectBetter: false },
  { name: 'Transformer+Lip(features)', model: 'transformer', embedding: 'conv', sign: -1, baseline: 'Transformer', expectBetter: true, axis: 'features' },
];

/** Sizes and training settings of one run. */
export interface RunSizes {
  /** Training / validation sequences. */
  train: number;
  validation: number;
  /**
   * Sequence length: Figure 1 task length, maximum ListOps expression length, maximum pixel
   * sequence length (28x28 images downsampled by the smallest f with (28/f)^2 <= length), and
   * the forecasting input window.
   */
  length: number;
  /** Shortest ListOps expression (tokens). */
  minLength: number;
  /** Test sequences / images (forecasting: every test window). Default = validation. */
  test?: number;
  /** Kernel of the conv embedding ("Emb"). Default 3; the Figure 1 presets use 5 (Appendix A.1). */
  kernelSize?: number;
  /**
   * Positions the Transformer arms add to the embedding: 'sinusoidal' (Vaswani, amplitude 1) or
   * 'none'. Default `defaultPositional(task)`: 'none' on the Figure 1 tasks (a pointwise map, where
   * positions carry no information and sinusoids of amplitude 1 swamp the ~0.15-scale conv
   * embedding: measured in src/studies/continuity/plan.ts), 'sinusoidal' elsewhere.
   */
  positional?: 'sinusoidal' | 'none';
  /** Model width H, blocks, S4D state size, attention heads. */
  width: number;
  depth: number;
  stateSize: number;
  heads: number;
  batchSize: number;
  /** Training epochs (every model unless `epochsByModel` names it). */
  epochs: number;
  /**
   * Epochs per model, overriding `epochs` for the models it names (the arms compared by a claim
   * share a model, so their runs stay paired; S4 needs more Adam steps than the Transformer on
   * the Figure 1 tasks: measured in src/studies/continuity/plan.ts).
   */
  epochsByModel?: Partial<Record<StudyModel, number>>;
  learningRate: number;
}

/** The epochs a run of `model` trains: `sizes.epochsByModel[model]`, else `sizes.epochs`. */
export function runEpochs(sizes: RunSizes, model: StudyModel): number {
  return sizes.epochsByModel?.[model] ?? sizes.epochs;
}

/** One independent run: task, arm (which fixes the model), signed lambda, seed, sizes. */
export interface RunSpec {
  task: StudyTask;
  model: StudyModel;
  arm: string;
  /** Signed weight: loss + lambda * L_Lip(embedding output); its sign must match the arm's. */
  lambda: number;
  seed: number;
  sizes: RunSizes;
}

/** The arm definition of `name`, or a LipkitError naming `field`. */
export function armDefinition(name: unknown, field = 'spec.arm'): ArmDefinition {
  const arm = STUDY_ARMS.find((a) => a.name === name);
  if (arm === undefined) throw new LipkitError(field, `unknown arm ${JSON.stringify(name)}; known: ${STUDY_ARMS.map((a) => a.name).join(', ')}`);
  return arm;
}

/** Checks that `value` is one of `allowed` (LipkitError naming `field`). */
export function checkName<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LipkitError(field, `unknown name ${JSON.stringify(value)}; known: ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Validates run sizes (positive integers, learning rate > 0); errors name `prefix.field`. */
export function checkSizes(sizes: unknown, prefix = 'spec.sizes'): RunSizes {
  if (sizes === null || typeof sizes !== 'object') throw new LipkitError(prefix, 'must be an object');
  const s = sizes as Record<string, unknown>;
  const int = (k: keyof RunSizes, min: number): number => checkNumber(`${prefix}.${k}`, s[k], { min, integer: true, max: 1e7 });
  const out: RunSizes = {
    train: int('train', 1), validation: int('validation', 1), length: int('length', 2), minLength: int('minLength', 1),
    width: int('width', 1), depth: int('depth', 1), stateSize: int('stateSize', 2), heads: int('heads', 1),
    batchSize: int('batchSize', 1), epochs: int('epochs', 1),
    learningRate: checkNumber(`${prefix}.learningRate`, s.learningRate, { min: 0, exclusiveMin: true, max: 10 }),
  };
  if (s.test !== undefined) out.test = int('test', 1);
  if (s.kernelSize !== undefined) out.kernelSize = int('kernelSize', 1);
  if (s.epochsByModel !== undefined) {
    const e = s.epochsByModel;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new LipkitError(`${prefix}.epochsByModel`, 'must be an object of model -> epochs');
    out.epochsByModel = {};
    for (const [model, n] of Object.entries(e)) {
      const m = checkName(`${prefix}.epochsByModel`, model, STUDY_MODELS);
      out.epochsByModel[m] = checkNumber(`${prefix}.epochsByModel.${m}`, n, { min: 1, integer: true, max: 1e7 });
    }
  }
  if (s.positional !== undefined) out.positional = checkName(`${prefix}.positional`, s.positional, ['sinusoidal', 'none'] as const);
  if (out.stateSize % 2 !== 0) throw new LipkitError(`${prefix}.stateSize`, `must be even, got ${out.stateSize}`);
  if (out.width % out.heads !== 0) throw new LipkitError(`${prefix}.heads`, `must divide width ${out.width}, got ${out.heads}`);
  if (out.minLength > out.length) throw new LipkitError(`${prefix}.minLength`, `must be <= length ${out.length}, got ${out.minLength}`);
  return out;
}

/**
 * Validates a run spec: known task, model and arm, the arm's model, and a lambda whose sign
 * matches the arm (0 for unregularized arms, > 0 for '+' arms, < 0 for '-' arms). Every error is
 * a LipkitError naming the field (`spec.task`, `spec.model`, `spec.arm`, `spec.lambda`, ...).
 */
export function validateRunSpec(spec: unknown): RunSpec {
  if (spec === null || typeof spec !== 'object') throw new LipkitError('spec', 'must be an object');
  const s = spec as Record<string, unknown>;
  const task = parseStudyTask(s.task, 'spec.task').name;
  const model = checkName('spec.model', s.model, STUDY_MODELS);
  const arm = armDefinition(s.arm);
  if (arm.model !== model) throw new LipkitError('spec.model', `arm ${arm.name} uses model '${arm.model}', got '${model}'`);
  const lambda = checkNumber('spec.lambda', s.lambda);
  checkLambdaSign(arm, lambda, 'spec.lambda');
  const seed = checkNumber('spec.seed', s.seed, { min: 0, max: 2 ** 31 - 1, integer: true });
  return { task, model, arm: arm.name, lambda, seed, sizes: checkSizes(s.sizes) };
}

/** LipkitError naming `field` unless sign(lambda) equals the arm's regularizer sign. */
export function checkLambdaSign(arm: ArmDefinition, lambda: number, field: string): void {
  if (arm.sign === 0 && lambda !== 0) {
    throw new LipkitError(field, `arm ${arm.name} has no Lipschitz regularizer, so lambda must be 0, got ${lambda}`);
  }
  if (arm.sign !== 0 && Math.sign(lambda) !== arm.sign) {
    const want = arm.sign > 0 ? 'positive (loss + lambda L_Lip)' : 'negative (loss - |lambda| L_Lip)';
    throw new LipkitError(field, `arm ${arm.name} needs a ${want} lambda, got ${lambda}; the opposite sign is a separate control arm`);
  }
}
