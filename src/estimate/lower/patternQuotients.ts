import type * as tfl from '@tensorflow/tfjs-layers';
import { extractLayerChain } from '../global/layerChain.js';
import { activationPatternSearch } from './activationPatternSearch.js';
import { patternChainReason } from './chainPatterns.js';
import type { ModelFunction } from './modelFunction.js';
import { realizedQuotients, type Quotients } from './realizedQuotients.js';

/** Models with more parameters than this are not read as a chain by the 'auto' pattern search. */
export const PATTERN_MAX_PARAMS = 5e6;
/** Nor are models with larger flat inputs (a dense conv matrix per layer would be too large). */
export const PATTERN_MAX_INPUT = 1e5;
/** Nor are models whose Dense / Conv layers as dense matrices have more entries in total (each search pass reads them all). */
export const PATTERN_MAX_ENTRIES = 4e6;
/** Pair step factors realized per candidate (times the search's step). */
const STEP_FACTORS = [1, 0.6];

/** What the pattern stage of `lipschitzLowerBound` did. */
export interface PatternStage {
  /** Whether the search ran (false: the model is not a supported piecewise-linear chain, see `note`). */
  ran: boolean;
  /** Realized quotients of the candidates' pairs (null when the search did not run). */
  quotients: Quotients | null;
  /** Why it did not run, or what it did. */
  note: string;
  realizations: number;
  seconds: number;
}

/**
 * The activation-pattern stage of `lipschitzLowerBound`: reads the model as a piecewise-linear
 * chain (`extractLayerChain`; Dense / Conv / BatchNorm with ReLU or leaky ReLU, logits output),
 * runs `activationPatternSearch` from the given inputs and random points at their scale, and
 * REALIZES each candidate region's pair x -/+ (h / 2) v in the model's own float32 forward pass
 * (`realizedQuotients`). Only these realized quotients are returned; a region the float32 pass
 * does not reproduce just gives a smaller quotient. When the model is not such a chain, `ran` is
 * false and `note` says why.
 */
export function patternQuotients(
  model: tfl.LayersModel, f: ModelFunction, inputs: Float32Array,
  options: { seconds: number; restarts: number; seed: number; auto: boolean },
): PatternStage {
  const t0 = performance.now();
  const skip = (note: string): PatternStage => ({ ran: false, quotients: null, note, realizations: 0, seconds: (performance.now() - t0) / 1000 });
  if (options.auto) {
    if (model.countParams() > PATTERN_MAX_PARAMS) return skip(`the model has more than ${PATTERN_MAX_PARAMS} parameters (pass patternSearch: true to force it)`);
    if (f.d > PATTERN_MAX_INPUT) return skip(`the input has more than ${PATTERN_MAX_INPUT} entries (pass patternSearch: true to force it)`);
    const entries = denseEntries(model);
    if (entries > PATTERN_MAX_ENTRIES) return skip(`its layers as dense matrices have about ${entries.toPrecision(3)} entries, more than ${PATTERN_MAX_ENTRIES} (pass patternSearch: true to force it)`);
  }
  const r = extractLayerChain(model, { inputShape: f.shape });
  if (!r.ok) return skip(r.reason);
  const reason = patternChainReason(r.chain);
  if (reason) return skip(reason);
  if (r.chain.inputDim !== f.d || r.chain.linears[r.chain.linears.length - 1].rows !== f.m) return skip('the chain does not match the model\'s input / output sizes');
  const n = inputs.length / f.d;
  const starts: Float64Array[] = [];
  const useStarts = Math.min(n, Math.ceil(options.restarts / 4));
  let sq = 0;
  for (let e = 0; e < n; e++) {
    if (e < useStarts) starts.push(Float64Array.from(inputs.subarray(e * f.d, (e + 1) * f.d)));
    for (let j = e * f.d; j < (e + 1) * f.d; j++) sq += inputs[j] * inputs[j];
  }
  const rms = Math.sqrt(sq / inputs.length);
  const search = activationPatternSearch(r.chain, {
    seconds: options.seconds, restarts: options.restarts, seed: options.seed, starts, scale: rms > 0 && Number.isFinite(rms) ? rms : 1,
  });
  const k = search.candidates.length * STEP_FACTORS.length;
  const xs = new Float32Array(k * f.d);
  const ys = new Float32Array(k * f.d);
  let p = 0;
  for (const c of search.candidates) {
    for (const s of STEP_FACTORS) {
      const h = (c.step * s) / 2;
      for (let j = 0; j < f.d; j++) { xs[p * f.d + j] = c.x[j] - h * c.v[j]; ys[p * f.d + j] = c.x[j] + h * c.v[j]; }
      p++;
    }
  }
  const quotients = k > 0 ? realizedQuotients(f, xs, ys) : null;
  const best = search.candidates[0]?.quotient;
  return {
    ran: true,
    quotients,
    note: `activation-pattern search: ${search.restarts} restarts, ${search.realizations} regions in ${search.seconds.toFixed(2)} s`
      + `${search.stoppedByBudget ? ' (stopped by its budget)' : ''}, best region quotient ${best === undefined ? 'none' : best.toPrecision(6)} (float64), `
      + `${k} pairs realized in float32`,
    realizations: search.realizations,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Entries of the model's Dense / Conv layers as dense matrices (conv: input size x output size), from layer shapes. */
function denseEntries(model: tfl.LayersModel): number {
  let total = 0;
  const size = (s: unknown): number => (Array.isArray(s) && !Array.isArray(s[0]) ? (s as (number | null)[]).slice(1).reduce<number>((a, b) => a * (b ?? 1), 1) : 0);
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Dense' && !cls.startsWith('Conv')) continue;
    try {
      const input = layer.input;
      total += size(Array.isArray(input) ? null : input.shape) * size(layer.outputShape);
    } catch { /* a layer without a single known input: extraction will say why */ }
  }
  return total;
}
