import type * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import type { LayerChain } from './chainTypes.js';
import { chainProductBound, combettesPesquetBound } from './combettesPesquet.js';
import { eclipseFast } from './eclipseFast.js';
import { exactPlanarLipschitz } from './exactPlanar.js';
import { extractLayerChain } from './layerChain.js';
import { lipsdpNeuronBound } from './lipsdpNeuron.js';
import { lipsdpEvaluations, predictedSeconds } from './methodCost.js';

/** The methods of `lipschitzBound`'s `method` option. */
export const BOUND_METHODS = ['auto', 'product', 'combettes-pesquet', 'eclipse-fast', 'lipsdp', 'exact'] as const;
export type BoundMethod = (typeof BOUND_METHODS)[number];

/** Every method's certified number (Infinity or absent when it did not run or failed to certify). */
export interface MethodBounds {
  product: number;
  combettesPesquet?: number;
  eclipseFast?: number;
  lipsdp?: number;
  exact?: number;
}

/** What `tightBounds` adds to a `lipschitzBound` result. */
export interface TightBoundsResult {
  bounds: MethodBounds;
  /** Seconds spent per method. */
  seconds: Partial<Record<keyof MethodBounds, number>>;
  /** The method whose certified bound is the smallest. */
  method: keyof MethodBounds;
  upperBound: number;
  notes: string[];
}

/**
 * Runs the tight global methods on a model's layer chain (see `extractLayerChain`):
 * 'combettes-pesquet', 'eclipse-fast', 'lipsdp' (`lipsdpNeuronBound`), 'exact' (2-D inputs,
 * piecewise-linear activations: `exactPlanarLipschitz`), or 'auto' = every method that fits in
 * `budget` seconds (exact only for 2-D inputs): before each method its time is predicted from the
 * chain's sizes (`predictedSeconds`) and a method that would overrun the remaining budget is skipped
 * with a note; 'lipsdp' optimizes for what is left after the cheaper methods and keeps time for its
 * final float64 certificate. `product` is the caller's plain certified bound.
 * Each number is a certified upper bound; the smallest wins. When the model is not such a chain
 * (pooling, branches, unsupported activations), the tight methods do not apply and the product
 * stays, with a note saying why.
 */
export function tightBounds(
  model: tfl.LayersModel, product: number, options: { method: BoundMethod; budget: number; inputShape?: number[] },
): TightBoundsResult {
  const { method, budget } = options;
  const bounds: MethodBounds = { product };
  const seconds: TightBoundsResult['seconds'] = {};
  const notes: string[] = [];
  if (method === 'product') return finish(bounds, seconds, notes);
  const start = performance.now();
  const chainResult = extractLayerChain(model, { inputShape: options.inputShape });
  if (!chainResult.ok) {
    if (method !== 'auto') throw new LipkitError('options.method', `'${method}' does not apply to this model: ${chainResult.reason}`);
    notes.push(`tight methods not applicable (${chainResult.reason}); using the product bound`);
    return finish(bounds, seconds, notes);
  }
  const chain = chainResult.chain;
  const elapsed = (): number => (performance.now() - start) / 1000;
  const run = (key: keyof MethodBounds, f: () => number): void => {
    const t0 = performance.now();
    bounds[key] = f();
    seconds[key] = (performance.now() - t0) / 1000;
  };
  const want = (m: BoundMethod): boolean => method === m || method === 'auto';
  const single = chain.linears.length === 1;
  const predicted = predictedSeconds(chain);
  /** In 'auto', whether a method predicted to take `s` seconds fits in what is left of the budget. */
  const fits = (name: string, s: number): boolean => {
    if (method !== 'auto' || elapsed() + s <= budget) return true;
    notes.push(`${name} skipped: predicted ${s.toPrecision(2)} s, ${Math.max(0, budget - elapsed()).toPrecision(2)} s of the ${budget} s budget left`);
    return false;
  };
  if (want('combettes-pesquet') && fits('combettes-pesquet', predicted.combettesPesquet)) run('combettesPesquet', () => combettesPesquetBound(chain).upperBound);
  if (want('eclipse-fast') && !single && fits('eclipse-fast', predicted.eclipseFast)) {
    run('eclipseFast', () => {
      const r = eclipseFast(chain);
      notes.push(...r.notes);
      return r.upperBound;
    });
  }
  // lipsdp starts from ECLipsE-Fast's multipliers: worth it only with time for a few steps beyond them.
  if (want('lipsdp') && !single && fits('lipsdp', predicted.eclipseFast + 2 * predicted.lipsdpCertificate)) {
    run('lipsdp', () => {
      const seconds = method === 'lipsdp' ? budget : Math.max(0.05, budget - elapsed() - predicted.lipsdpCertificate);
      // The evaluation budget, planned from predicted (not elapsed) times, makes the bound reproducible
      // whenever it finishes before the clock stops it.
      const planned = method === 'lipsdp' ? budget
        : Math.max(0.05, budget - predicted.combettesPesquet - predicted.eclipseFast - predicted.lipsdpCertificate);
      const r = lipsdpNeuronBound(chain, { seconds, evaluationBudget: lipsdpEvaluations(chain, planned) });
      notes.push(...r.notes, `lipsdp: ${r.iterations} iterations`);
      return r.upperBound;
    });
  }
  if (want('exact')) {
    const applicable = chain.inputDim === 2 && chain.activations.every((a) => a.negativeSlope !== null);
    if (!applicable) {
      if (method === 'exact') throw new LipkitError('options.method', "'exact' needs a 2-D input and relu / leaky relu / linear activations");
    } else if (method === 'exact' || elapsed() < budget) {
      run('exact', () => {
        const r = exactPlanarLipschitz(chain, { maxRegions: method === 'exact' ? 1e6 : 2e5 });
        if (!r.ok) { notes.push(`exact: ${r.reason}`); return Infinity; }
        notes.push(`exact: ${r.regions} linear regions`);
        return r.upperBound;
      });
    }
  }
  notes.push(...chain.notes.map((n) => `chain: ${n}`));
  return finish(bounds, seconds, notes);
}

function finish(bounds: MethodBounds, seconds: TightBoundsResult['seconds'], notes: string[]): TightBoundsResult {
  let method: keyof MethodBounds = 'product';
  let upperBound = bounds.product;
  for (const [k, v] of Object.entries(bounds) as [keyof MethodBounds, number][]) {
    if (Number.isFinite(v) && v < upperBound) { upperBound = v; method = k; }
  }
  return { bounds, seconds, method, upperBound, notes };
}

/** The chain of a model or a LipkitError naming why there is none (for callers of the single methods). */
export function requireChain(model: tfl.LayersModel, inputShape?: number[]): LayerChain {
  const r = extractLayerChain(model, { inputShape });
  if (!r.ok) throw new LipkitError('model', r.reason);
  return r.chain;
}
