import { jacobiSingularValues } from '../exactSingularValues.js';
import { hermitianMaxEigenUpperBound } from '../spectralNormUpperBound.js';
import {
  frequencyBlock, frequencyCount, gershgorin, gramOfBlock, isRepresentative, type SpectrumPlan,
} from './convSpectrum.js';

const U = 2 ** -53;

/** What one scan over the DFT grid found. */
export interface FrequencyScanResult {
  /** Certified upper bound of max_w ||M(w)||_2 (NaN when not requested). */
  upperBound: number;
  /** max_w ||M(w)||_2 up to float64 rounding (NaN when not requested). */
  exact: number;
  /** Frequencies on the grid, representatives after conjugate symmetry, blocks whose eigen bound was computed. */
  frequencies: number;
  representatives: number;
  evaluated: number;
  /** Blocks whose exact top singular value was computed (Jacobi SVD). */
  svds: number;
}

/**
 * Scans the DFT grid of a `SpectrumPlan` for the largest block norm max_w ||M(w)||_2.
 *
 * Frequencies are visited in decreasing order of ||M(w)||_F (an upper bound of ||M(w)||_2);
 * a frequency is skipped once ||M(w)||_F, or the Gershgorin bound sqrt(max_i sum_j |G_ij|) of
 * its Gram matrix G, cannot exceed the threshold max(best so far, `lowerEstimate`). The result
 * is the maximum over all frequencies of the best bound known for each (the cheap one for
 * skipped frequencies), so it is certified whatever `lowerEstimate` is (a power-iteration
 * value just makes skipping effective). Per evaluated block: `hermitianMaxEigenUpperBound` (certified) on
 * G = M M^H or M^H M (smaller side), plus a float64 rounding guard for forming M(w) and G
 * (norm-wise error analysis: (2 taps + len + 20) u (sum_t ||K_t||_F)^2 added to lambda).
 * `exact`: sqrt of the top eigenvalue of G from one-sided Jacobi SVD (`jacobiSingularValues`)
 * of the real symmetric embedding [[Re G, -Im G], [Im G, Re G]] (its singular values are the
 * eigenvalues of the PSD matrix G, each twice), computed in decreasing order of the
 * per-frequency certified bounds and only while that bound exceeds the best exact value so
 * far, so it is exact up to float64 rounding while usually needing a handful of SVDs.
 */
export function scanFrequencies(
  plan: SpectrumPlan,
  { lowerEstimate = 0, certify = true, exact = false, relativeSlack = 1e-3 }:
    { lowerEstimate?: number; certify?: boolean; exact?: boolean; relativeSlack?: number } = {},
): FrequencyScanResult {
  const rows = plan.cout;
  const cols = plan.S * plan.cin;
  const nG = Math.min(rows, cols);
  const total = frequencyCount(plan);
  const re = new Float64Array(rows * cols);
  const im = new Float64Array(rows * cols);
  const gre = new Float64Array(nG * nG);
  const gim = new Float64Array(nG * nG);

  // Pass 1: Frobenius norms of the representative blocks.
  const reps: number[] = [];
  for (let f = 0; f < total; f++) if (isRepresentative(plan, f)) reps.push(f);
  const fro2 = new Float64Array(total);
  for (const f of reps) fro2[f] = frequencyBlock(plan, f, re, im);
  reps.sort((a, b) => fro2[b] - fro2[a]);

  const guard = (2 * plan.taps.length + Math.max(rows, cols) + 20) * U * plan.tapNormSum * plan.tapNormSum;
  const threshold = Number.isFinite(lowerEstimate) && lowerEstimate > 0 ? lowerEstimate : 0;
  // Per representative: a certified upper bound of ||M(w)||_2 (cheap Frobenius / Gershgorin
  // value when skipped, the trace-power value when evaluated).
  const bound = new Float64Array(total);
  let bestUpper = 0;
  let evaluated = 0;

  // Pass 2: the certified bound. With `exact` nothing is skipped against `lowerEstimate`
  // (pass 3 needs good per-frequency bounds near the top).
  const skipBelow = (): number => (exact ? bestUpper : Math.max(bestUpper, threshold));
  for (const f of reps) {
    // ||M||_F as computed, inflated by the rounding of its computation, bounds ||M||_2.
    const fro = Math.sqrt(fro2[f] * (1 + 1e-12) + guard);
    bound[f] = fro;
    if (fro <= skipBelow()) continue;
    frequencyBlock(plan, f, re, im);
    gramOfBlock(re, im, rows, cols, gre, gim);
    const gersh = Math.sqrt(gershgorin(gre, gim, nG) * (1 + 1e-12) + guard);
    bound[f] = Math.min(fro, gersh);
    if (bound[f] <= skipBelow()) continue;
    const lambda = hermitianMaxEigenUpperBound(gre, gim, nG, { relativeSlack });
    bound[f] = Math.min(bound[f], Math.sqrt(lambda + guard) * (1 + 4 * U));
    bestUpper = Math.max(bestUpper, bound[f]);
    evaluated++;
  }

  // Pass 3: exact values, only where the certified bound can beat the best exact value so far.
  let bestExact = 0;
  let svds = 0;
  if (exact) {
    const byBound = reps.slice().sort((a, b) => bound[b] - bound[a]);
    const m = 2 * nG;
    const embed = new Float64Array(m * m);
    for (const f of byBound) {
      if (bound[f] <= bestExact) break;
      frequencyBlock(plan, f, re, im);
      gramOfBlock(re, im, rows, cols, gre, gim);
      for (let i = 0; i < nG; i++) {
        for (let j = 0; j < nG; j++) {
          const r = gre[i * nG + j];
          const c = gim[i * nG + j];
          embed[i * m + j] = r;
          embed[i * m + nG + j] = -c;
          embed[(nG + i) * m + j] = c;
          embed[(nG + i) * m + nG + j] = r;
        }
      }
      bestExact = Math.max(bestExact, Math.sqrt(jacobiSingularValues(embed, m, m)[0]));
      svds++;
    }
  }
  // Every bound[f] is a certified bound of its block, and skipped ones are <= the running
  // threshold, so the maximum over all of them is certified and at most max(bestUpper, threshold).
  let upperBound = NaN;
  if (certify) {
    upperBound = 0;
    for (const f of reps) upperBound = Math.max(upperBound, bound[f]);
  }
  return {
    upperBound,
    exact: exact ? bestExact : NaN,
    frequencies: total,
    representatives: reps.length,
    evaluated,
    svds,
  };
}
