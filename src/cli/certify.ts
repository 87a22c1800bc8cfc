import { seededNormal } from '../util/random.js';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../backend/setBackend.js';
import type { BoundMethod, MethodBounds } from '../estimate/global/boundMethods.js';
import { lipschitzBound } from '../estimate/network/lipschitzBound.js';
import { DEFAULT_LOWER_BOUND_BUDGET_SECONDS, lipschitzLowerBound } from '../estimate/network/lipschitzLowerBound.js';
import { LipkitError } from '../util/errors.js';
import { compareWithLower, type SoundnessVerdict } from '../estimate/lower/compareWithLower.js';
import { indexInputLayer } from '../estimate/lower/indexInputs.js';
import { loadModel } from './loadModel.js';
import { outputsFinite } from './modelFiles/checkModelWeights.js';
import { readInputData } from './readInputData.js';
import { certifyLocal, type LocalCertifyReport } from './certifyLocal.js';

/** Options of `certify` (the `lipkit certify` command). */
export interface CertifyOptions {
  /** Input shape without the batch axis; overrides the model's. Default: the model's. */
  inputShape?: number[];
  /** JSON file with input examples for the lower bound. Default: random normal inputs. */
  data?: string;
  /** Number of random normal inputs when no data is given. Default 16. */
  samples?: number;
  /** Difference-quotient ascent steps of the lower bound. Default 20. */
  steps?: number;
  /** Seed of the random inputs and of the ascent. Default 0. */
  seed?: number;
  /** Count layers without a certified bound as 1 (the result is then not certified). Default false. */
  skipUnsupported?: boolean;
  /** Compute the empirical lower bound. Default true. */
  lowerBound?: boolean;
  /** Local bounds and certified radii around the `data` inputs on l2 balls of this radius (issue 11). Default: none. */
  localRadius?: number;
  /** Pre-activation bounds of the local bounds: 'linear' (default) or 'interval' (faster). */
  localRelaxation?: 'linear' | 'interval';
  /** Time budget of the lower bound, seconds (issue 10). Default: `lipschitzLowerBound`'s. */
  budgetSeconds?: number;
  /** Global bound method (issue 11): 'auto' (default: every method that fits in `methodBudget`), 'product', 'combettes-pesquet', 'eclipse-fast', 'lipsdp', 'exact'. */
  method?: BoundMethod;
  /** Seconds the tight global methods may take. Default 3. */
  methodBudget?: number;
  /** Progress of the per-layer norms ('layer norms') and of the lower bound's stages ('lower bound: ...'). */
  onProgress?: (p: { stage: string; done: number; total: number; label?: string }) => void;
}

/** One row of the per-layer table of `lipkit certify`. */
export interface CertifyLayer { name: string; className: string; lipschitz: number | null; method: string }

/** What `lipkit certify --json` prints. */
export interface CertifyReport {
  model: string;
  layers: CertifyLayer[];
  /** Certified upper bound of the model's l2 Lipschitz constant (not a certificate when `certified` is false): the smallest of `bounds`. */
  upperBound: number;
  /** Every global method's certified bound (issue 11) and the one that won. */
  bounds?: MethodBounds;
  method?: keyof MethodBounds;
  /** Empirical lower bound (largest realized difference quotient found), or null when not computed. */
  lowerBound: number | null;
  /** upperBound / lowerBound (issue 11): how far the certificate can be from the true constant; null without a positive lower bound. */
  gap?: number | null;
  certified: boolean;
  /**
   * Upper bound against the realized lower bound (null when no lower bound was computed or the upper bound is not a certificate):
   * 'consistent' (lower <= upper), 'within float32 rounding' (upper < lower <= upper (1 + allowance),
   * see `float32Allowance`: the certificate is for exact arithmetic and still holds), or
   * 'SOUNDNESS FAILURE' (a realized quotient above upper (1 + allowance): the upper bound is wrong).
   */
  soundness: SoundnessVerdict | null;
  seconds: number;
  /** TF.js backend used. */
  backend: string;
  /** Merges, skipped layers, how the lower bound was obtained. */
  notes: string[];
  /** With `--local-radius`: per-input local bounds and certified radii (see `certifyLocal`). */
  local?: LocalCertifyReport;
}

/**
 * Loads the model at `modelJsonPath`, computes its certified upper bound (`lipschitzBound`)
 * and, when an input shape is known, an empirical lower bound (`lipschitzLowerBound`) on the
 * `--data` examples or on seeded random normal inputs. Selects the backend with
 * `setBackend()` (honours `LIPKIT_BACKEND`). Leaves no tensors behind.
 */
export async function certify(modelJsonPath: string, options: CertifyOptions = {}): Promise<CertifyReport> {
  const { inputShape, data, samples = 16, steps = 20, seed = 0, skipUnsupported = false, lowerBound = true, localRadius, localRelaxation, budgetSeconds, onProgress, method = 'auto', methodBudget } = options;
  if (localRadius !== undefined && data === undefined) throw new LipkitError('--local-radius', 'needs --data inputs.json (the inputs to certify around)');
  const start = performance.now();
  const backend = await setBackend();
  const model = await loadModel(modelJsonPath);
  try {
    const bound = asFlagError(() => lipschitzBound(model, { inputShape, skipUnsupported, onProgress, method, budget: methodBudget }));
    const notes = [...bound.notes];
    let certified = bound.certified;
    if (!Number.isFinite(bound.upperBound)) {
      certified = false;
      notes.push(`the upper bound is ${bound.upperBound}: NOT certified`);
    }
    let lower: number | null = null;
    let soundness: CertifyReport['soundness'] = null;
    if (lowerBound) {
      const indexLayer = indexInputLayer(model);
      const probe: Probe = indexLayer
        ? { inputs: null, reason: `the model reads integer indices (Embedding layer '${indexLayer}'): no difference quotients in input space` }
        : await probeInputs(model, { inputShape, data, samples, seed });
      if (probe.inputs === null) {
        notes.push(`no lower bound: ${probe.reason}`);
      } else {
        try {
          const inputs = probe.inputs;
          if (!outputsFinite(model, inputs)) { // issue 9: no bound holds for NaN / Infinity outputs
            certified = false;
            notes.push(`the model's outputs are not finite (NaN or Infinity in TF.js's float32 forward pass) at the ${probe.source}: NOT certified`);
          }
          const result = asFlagError(() => lipschitzLowerBound(model, inputs, {
            steps, seed, ...(budgetSeconds === undefined ? {} : { budgetSeconds }),
            // Activation-pattern search (issue 11): a quarter of the budget, at most 5 s, up to 64 restarts.
            patternSeconds: Math.min(5, (budgetSeconds ?? DEFAULT_LOWER_BOUND_BUDGET_SECONDS) / 4), patternRestarts: 64,
            ...(onProgress ? { onProgress: (p) => onProgress({ ...p, stage: `lower bound: ${p.stage}` }) } : {}),
          }));
          lower = result.lowerBound;
          notes.push(`lower bound: ${result.method} (${probe.source})`);
          if (bound.certified) {
            const check = compareWithLower(bound, result);
            if (check.failed) certified = false;
            soundness = check.verdict;
            if (check.note) notes.push(check.note);
          }
        } finally {
          probe.inputs.dispose();
        }
      }
    }
    const local = localRadius === undefined ? undefined
      : await certifyLocal(model, data, localRadius, bound.certified ? bound.upperBound : Infinity, { relaxation: localRelaxation });
    return {
      ...(local ? { local } : {}),
      model: modelJsonPath,
      layers: bound.layers.map((l) => ({
        name: l.name, className: l.className, lipschitz: Number.isFinite(l.lipschitz) ? l.lipschitz : null, method: l.method,
      })),
      upperBound: bound.upperBound,
      bounds: bound.bounds,
      method: bound.method,
      lowerBound: lower,
      gap: lower !== null && lower > 0 ? bound.upperBound / lower : null,
      certified,
      soundness,
      seconds: (performance.now() - start) / 1000,
      backend,
      notes,
    };
  } finally {
    model.dispose();
  }
}

type Probe = { inputs: tf.Tensor; source: string } | { inputs: null; reason: string };

/** The inputs for the lower bound: the data file's examples, or seeded random normal ones. */
async function probeInputs(
  model: tfl.LayersModel,
  { inputShape, data, samples, seed }: { inputShape?: number[]; data?: string; samples: number; seed: number },
): Promise<Probe> {
  if (model.inputs.length !== 1) {
    if (data !== undefined) throw new LipkitError('--data', `the model has ${model.inputs.length} inputs; only single-input models are supported`);
    return { inputs: null, reason: `the model has ${model.inputs.length} inputs` };
  }
  const modelShape = model.inputs[0].shape.slice(1);
  const expected: (number | null)[] = inputShape ?? modelShape;
  if (data !== undefined) {
    const d = await readInputData(data, expected);
    return { inputs: tf.tensor(d.values, [d.count, ...d.shape], 'float32'), source: `${d.count} examples from ${data}` };
  }
  if (expected.some((s) => s === null)) {
    return { inputs: null, reason: `the model's input shape [${expected.map((s) => s ?? '?').join(', ')}] has unknown sizes; pass --input-shape or --data` };
  }
  const shape = expected as number[];
  return { inputs: seededNormal([samples, ...shape], seed), source: `${samples} random normal inputs, seed ${seed}` };
}

/** Library option names as the command-line flags that set them. */
const FLAG_OF: Readonly<Record<string, string>> = {
  'options.inputShape': '--input-shape', 'options.steps': '--steps', 'options.seed': '--seed', 'options.budgetSeconds': '--budget',
};

/** Runs `f`, renaming a `LipkitError` about a library option to the flag that set it. */
function asFlagError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LipkitError && e.argument in FLAG_OF) {
      throw new LipkitError(FLAG_OF[e.argument], e.message.slice(e.argument.length + 2));
    }
    throw e;
  }
}
