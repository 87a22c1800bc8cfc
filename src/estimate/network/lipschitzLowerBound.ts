import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkFiniteTensor, checkNumber } from '../../util/validate.js';
import { BudgetClock } from '../lower/budgetClock.js';
import { exactDirections, normalizeRows, powerDirections, randomDirections, usesExactJacobian, type Directions } from '../lower/jacobianDirections.js';
import { modelFunction } from '../lower/modelFunction.js';
import { indexInputLayer } from '../lower/indexInputs.js';
import { quotientAscent } from '../lower/quotientAscent.js';
import { realizedQuotients, type Quotients } from '../lower/realizedQuotients.js';
import { patternQuotients, type PatternStage } from '../lower/patternQuotients.js';
import type { LowerBoundOptions, LowerBoundResult, QuotientPair } from '../lower/lowerBoundTypes.js';

export type { LowerBoundOptions, LowerBoundProgress, LowerBoundResult, LowerBoundWork, QuotientPair } from '../lower/lowerBoundTypes.js';

/** Default time budget of `lipschitzLowerBound`, seconds (sized for a 224x224 MobileNetV2 on 2 cores). */
export const DEFAULT_LOWER_BOUND_BUDGET_SECONDS = 20;
/** Probe radii along each direction, relative to max(||x||, 1e-3 sqrt(d)). */
const RADII = [1e-1, 2e-2];
/** Shares of the budget: directions stop at DIRECTIONS_SHARE, quotients at QUOTIENTS_SHARE, ascent at 1. */
const DIRECTIONS_SHARE = 0.5;
const QUOTIENTS_SHARE = 0.6;
/** Power iterations each searched chunk of inputs should get within the budget (fewer inputs otherwise). */
const MIN_ITERATIONS = 5;

/**
 * An **empirical lower bound** of a model's l2 Lipschitz constant, made only of realized
 * difference quotients `||f(x) - f(y)|| / ||x - y||` of the model's own float32 forward pass
 * (inference mode), norms taken in float64 of the values TF.js was fed and returned. Gradients
 * only choose where to look, never give the value: TF.js's max-pooling gradient at ties (e.g.
 * GlobalMaxPooling after UpSampling2D) is larger than the function's slope.
 *
 * 0. For piecewise-linear chains (Dense / Conv / BatchNorm with ReLU or leaky ReLU, logits output),
 *    an activation-pattern search (`activationPatternSearch`: coordinate ascent over the slopes of
 *    W_m D ... D W_1, realized region by region) proposes pairs inside the linear regions with the
 *    largest Jacobians it reaches; each pair is realized in the model's float32 forward pass
 *    (`patternSeconds` of the budget; `patternSearch`).
 * 1. Directions at each input: for small outputs (<= 16) the TF.js Jacobian row by row and its top
 *    right singular vector; otherwise power iteration on J^T J with J v by a forward difference
 *    (each one a realized quotient) and J^T u by one VJP (`tf.grad` of <f(x), u>): no per-output
 *    backward pass, so it scales to 224x224 inputs and 1000 outputs.
 * 2. Quotients along each direction at radii 0.1 and 0.02 of ||x|| (both signs).
 * 3. Gradient ascent of the quotient over pairs from the best `candidates` inputs.
 *
 * Step sizes are at least 1e-2 ||x||, and pairs whose output difference is at float32 rounding
 * level are rejected (`realizedQuotients`), so rounding cannot make a quotient large. Inputs are
 * processed in chunks whose activations fit `chunkBytes`; the search stops once `budgetSeconds`
 * is spent and says so in `work`. `lowerBound <= L(f as TF.js computes it)` always; the exact
 * function's constant may differ from it by float32 rounding (see `float32Allowance`).
 */
export function lipschitzLowerBound(model: tfl.LayersModel, inputs: tf.Tensor, options: LowerBoundOptions = {}): LowerBoundResult {
  const {
    steps = 20, stepSize = 0.5, candidates = 4, seed = 0, iterations = 20,
    budgetSeconds = DEFAULT_LOWER_BOUND_BUDGET_SECONDS, chunkBytes = 2 ** 28, onProgress,
    patternSearch = 'auto', patternRestarts = 16,
  } = options;
  const patternSeconds = options.patternSeconds ?? Math.min(1, budgetSeconds / 4);
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  checkNumber('options.steps', steps, { min: 0, max: 1e5, integer: true });
  checkNumber('options.stepSize', stepSize, { min: 0, exclusiveMin: true, max: 10 });
  checkNumber('options.candidates', candidates, { min: 1, max: 1e4, integer: true });
  checkNumber('options.seed', seed, { integer: true });
  checkNumber('options.iterations', iterations, { min: 1, max: 1e4, integer: true });
  checkNumber('options.budgetSeconds', budgetSeconds, { min: 0, exclusiveMin: true, max: 1e7 });
  checkNumber('options.chunkBytes', chunkBytes, { min: 2 ** 20, max: 2 ** 40 });
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new LipkitError('options.onProgress', 'must be a function');
  if (patternSearch !== 'auto' && typeof patternSearch !== 'boolean') throw new LipkitError('options.patternSearch', `must be 'auto', true or false, got ${String(patternSearch)}`);
  checkNumber('options.patternSeconds', patternSeconds, { min: 0, exclusiveMin: true, max: 1e7 });
  checkNumber('options.patternRestarts', patternRestarts, { min: 1, max: 1e6, integer: true });
  checkInputs(model, inputs);

  const shape = inputs.shape.slice(1);
  const f = modelFunction(model, shape, chunkBytes);
  const n = inputs.shape[0];
  const d = f.d;
  const x = inputs.dataSync() as Float32Array;
  // 0. Activation-pattern search (piecewise-linear chains), out of the total budget.
  let pattern: PatternStage | null = null;
  if (patternSearch !== false) {
    pattern = patternQuotients(model, f, x, { seconds: Math.min(patternSeconds, budgetSeconds), restarts: patternRestarts, seed, auto: patternSearch === 'auto' });
    if (!pattern.ran && patternSearch === true) throw new LipkitError('options.patternSearch', `the model is not a piecewise-linear chain: ${pattern.note}`);
  }
  const clock = new BudgetClock(Math.max(budgetSeconds - (pattern?.seconds ?? 0), budgetSeconds / 10), onProgress);
  const work = { points: 0, iterations: 0, quotientEvaluations: 0, rejectedPairs: 0, ascentSteps: 0, patternRegions: pattern?.realizations ?? 0, seconds: 0, stoppedByBudget: false };
  let best: QuotientPair | null = null;
  const perPoint = new Float64Array(n);
  const perPointRadius = new Float64Array(n);
  const record = (q: Quotients, index: (i: number) => number): void => {
    work.quotientEvaluations += q.quotient.length;
    work.rejectedPairs += q.rejected;
    for (let i = 0; i < q.quotient.length; i++) {
      const e = index(i);
      if (q.quotient[i] > perPoint[e]) { perPoint[e] = q.quotient[i]; perPointRadius[e] = q.distance[i]; }
      if (q.quotient[i] > (best?.quotient ?? 0)) {
        best = { input: e, quotient: q.quotient[i], distance: q.distance[i], relativeStep: q.relative[i], outputRatio: q.outputRatio[i] };
      }
    }
  };

  if (pattern?.quotients) {
    const q = pattern.quotients;
    work.quotientEvaluations += q.quotient.length;
    work.rejectedPairs += q.rejected;
    for (let i = 0; i < q.quotient.length; i++) {
      if (q.quotient[i] > (best?.quotient ?? 0)) {
        best = { input: -1, quotient: q.quotient[i], distance: q.distance[i], relativeStep: q.relative[i], outputRatio: q.outputRatio[i] };
      }
    }
  }

  // 1. Directions.
  const exact = usesExactJacobian(f);
  const norms = new Float32Array(n).fill(NaN);
  const directions = new Float32Array(n * d);
  const chunk = exact ? Math.max(1, Math.floor(f.chunk / 2)) : f.chunk;
  const totalUnits = exact ? n : n * iterations;
  let units = 0;
  let reached = 0;
  let gradientFailure: string | null = null;
  // Plan how many chunks the directions budget allows, from the time of the first power iteration:
  // each planned chunk should get MIN_ITERATIONS (fewer points, each searched well, on big models).
  const chunks = Math.ceil(n / chunk);
  let planned = chunks;
  let firstIteration: number | null = null;
  const chunkStart = clock.elapsed();
  for (let start = 0, index = 0; start < n && index < planned; start += chunk, index++) {
    const c = Math.min(chunk, n - start);
    const xc = x.subarray(start * d, (start + c) * d);
    let dir: Directions;
    try {
      dir = gradientFailure !== null ? randomDirections(c, d, seed + start) : exact ? exactDirections(f, xc, c) : powerDirections(f, xc, c, {
        iterations, seed: seed + start,
        stop: () => clock.spent(DIRECTIONS_SHARE * (index + 1) / planned),
        onQuotients: (q) => record(q, (i) => start + i),
        onIteration: () => {
          if (firstIteration === null) {
            firstIteration = clock.elapsed() - chunkStart;
            const fit = Math.floor((DIRECTIONS_SHARE * budgetSeconds) / Math.max(1e-9, firstIteration * MIN_ITERATIONS));
            planned = Math.max(1, Math.min(chunks, fit));
          }
          clock.progress('directions', ++units, totalUnits);
        },
      });
    } catch (e) {
      // A model TF.js cannot differentiate (e.g. no gradient for Greater): random directions, no ascent.
      gradientFailure = e instanceof Error ? e.message : String(e);
      dir = randomDirections(c, d, seed + start);
    }
    if (exact) clock.progress('directions', units += c, totalUnits);
    normalizeRows(dir.directions, d, seed + start);
    directions.set(dir.directions, start * d);
    norms.set(dir.norms, start);
    work.iterations += dir.iterations * c;
    reached = start + c;
    if (clock.spent(DIRECTIONS_SHARE)) break;
  }
  if (reached < n) clock.stopped = true;
  work.points = reached;

  // 2. Realized quotients along the directions, both signs, at each radius.
  const pairs = RADII.length * 2;
  for (let p = 0; p < pairs; p++) {
    const r = RADII[p >> 1] * (p % 2 === 0 ? 1 : -1);
    const ys = new Float32Array(reached * d);
    for (let e = 0; e < reached; e++) {
      const base = baseScale(x, e, d);
      for (let j = e * d; j < (e + 1) * d; j++) ys[j] = x[j] + r * base * directions[j];
    }
    record(realizedQuotients(f, x.subarray(0, reached * d), ys), (i) => i);
    clock.progress('quotients', p + 1, pairs);
    if (p % 2 === 1 && clock.spent(QUOTIENTS_SHARE)) break;
  }

  // 3. Ascent from the best inputs.
  if (steps > 0 && gradientFailure === null && !clock.spent()) {
    const order = Array.from({ length: reached }, (_, i) => i).sort((a, b) => perPoint[b] - perPoint[a]).slice(0, candidates);
    const k = order.length;
    const x0 = new Float32Array(k * d);
    const dirs = new Float32Array(k * d);
    const radius = new Float64Array(k);
    order.forEach((o, i) => {
      x0.set(x.subarray(o * d, (o + 1) * d), i * d);
      dirs.set(directions.subarray(o * d, (o + 1) * d), i * d);
      radius[i] = perPointRadius[o] > 0 ? perPointRadius[o] : RADII[0] * baseScale(x, o, d);
    });
    work.ascentSteps = quotientAscent(f, x0, dirs, radius, {
      steps, stepSize, seed,
      stop: () => clock.spent(),
      onQuotients: (q) => record(q, (i) => order[i]),
      onStep: (done) => clock.progress('ascent', done, steps),
    });
  }
  work.seconds = clock.elapsed() + (pattern?.seconds ?? 0);
  work.stoppedByBudget = clock.stopped;
  const found = best as QuotientPair | null;
  const method = `largest realized difference quotient over ${work.quotientEvaluations} pairs: `
    + `${exact ? 'exact TF.js Jacobian' : `${iterations} power iterations (JVP by forward difference, VJP)`} directions at ${reached} of ${n} inputs, `
    + `radii ${RADII.join(', ')} of ||x||, ${work.ascentSteps} ascent steps at ${Math.min(candidates, reached)} inputs`
    + `${pattern === null ? '' : pattern.ran ? `; ${pattern.note}` : `; no activation-pattern search (${pattern.note})`}`
    + `${work.stoppedByBudget ? `; stopped by the ${budgetSeconds} s budget` : ''}`
    + `${gradientFailure !== null ? `; TF.js could not differentiate the model (${gradientFailure}): random directions, no ascent` : ''}`;
  return { lowerBound: found?.quotient ?? 0, jacobianNorms: norms, best: found, method, work };
}

/** max(||x_e||, 1e-3 sqrt(d)): the scale of input e that probe radii are relative to. */
function baseScale(x: Float32Array, e: number, d: number): number {
  let s = 0;
  for (let j = e * d; j < (e + 1) * d; j++) s += x[j] * x[j];
  return Math.max(Math.sqrt(s), 1e-3 * Math.sqrt(d));
}

function checkInputs(model: tfl.LayersModel, inputs: tf.Tensor): void {
  if (!(inputs instanceof tf.Tensor)) throw new LipkitError('inputs', 'must be a tf.Tensor with a batch axis');
  if (model.inputs.length !== 1) throw new LipkitError('model', 'must have a single input');
  if (model.outputs.length !== 1) throw new LipkitError('model', 'must have a single output');
  const indexLayer = indexInputLayer(model);
  if (indexLayer) throw new LipkitError('model', `reads integer indices (Embedding layer '${indexLayer}'): difference quotients in input space are not defined`);
  const expected = model.inputs[0].shape;
  if (inputs.rank !== expected.length) {
    throw new LipkitError('inputs', `must have rank ${expected.length} (batch first), got shape [${inputs.shape.join(', ')}]`);
  }
  expected.forEach((dim, i) => {
    if (i > 0 && dim !== null && dim !== inputs.shape[i]) {
      throw new LipkitError('inputs', `shape [${inputs.shape.join(', ')}] does not match the model's input [${expected.join(', ')}]`);
    }
  });
  if (inputs.shape[0] === 0) throw new LipkitError('inputs', 'must hold at least one example');
  if (inputs.dtype !== 'float32') throw new LipkitError('inputs', `must be float32, got ${inputs.dtype}`);
  checkFiniteTensor('inputs', inputs);
}
