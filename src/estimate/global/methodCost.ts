import type { LayerChain } from './chainTypes.js';
import { blockSizes } from './schurRecursion.js';

/**
 * Multiply-adds per second assumed when predicting whether a tight method fits in `lipschitzBound`'s
 * budget (method 'auto'). Measured about 5.7e8/s for the float64 kernels of `linalg64` in Node on this
 * project's 2-core machine; taken lower so that a loaded machine or a browser does not overrun.
 */
export const ASSUMED_RATE = 3e8;

/**
 * Multiply-adds of one block Cholesky factorization of the LipSDP-Neuron matrix (`schurFactor`):
 * per block k, the Cholesky of X_{k-1} (n^3 / 3), Z_k = W_k L^{-T} (n_k n_{k-1}^2 / 2), G_k = Z_k Z_k^T
 * (n_k^2 n_{k-1} / 2) and, for slopes with alpha beta != 0, the weighted Gram W^T T W.
 */
export function factorCost(chain: LayerChain): number {
  const n = blockSizes(chain);
  const { linears, activations } = chain;
  let c = 0;
  for (let k = 1; k <= linears.length; k++) {
    const prev = n[k - 1];
    const rows = linears[k - 1].rows;
    const act = activations[k - 1];
    const weighted = act !== undefined && act.alpha * act.beta !== 0;
    // X_0 is a multiple of the identity unless the first activation has alpha beta != 0: no
    // Cholesky and no solve for block 1 then (`schurFactor`'s diag0).
    if (k === 1 && !weighted) c += (rows * rows * prev) / 2;
    else c += prev ** 3 / 3 + (rows * prev * prev) / 2 + (rows * rows * prev) / 2;
    if (weighted) c += (prev * prev * rows) / 2;
  }
  return c;
}

/**
 * Multiply-adds per second of the float64 kernels of `linalg64` measured on this project's 2-core
 * machine (6e8 to 1.1e9 on the `lipsdpObjective` of nets from 8-64-64-1 to 64-500-500-10). Used
 * only to turn a time budget into a deterministic evaluation budget for `lipsdpNeuronBound`
 * (`evaluationBudget`), not to decide what fits (`ASSUMED_RATE`).
 */
export const MEASURED_RATE = 6e8;

/**
 * Evaluations of rho(T) with its gradient (`lipsdpObjective`) that `seconds` affords on this
 * project's machine (`MEASURED_RATE`, plus 5e-5 s fixed cost each): a deterministic stand-in for
 * the clock, so that a bound computed within its budget does not depend on machine load.
 */
export function lipsdpEvaluations(chain: LayerChain, seconds: number): number {
  return Math.max(1, Math.floor(seconds / (factorCost(chain) / MEASURED_RATE + 5e-5)));
}

/** Multiply-adds of the Combettes-Pesquet dynamic program: m(m+1)/2 merged products and their certified norms. */
export function combettesPesquetCost(chain: LayerChain): number {
  const { linears } = chain;
  let c = 0;
  for (let j = 0; j < linears.length; j++) {
    const cols = linears[j].cols;
    for (let k = j; k < linears.length; k++) {
      const rows = linears[k].rows;
      if (k > j) c += rows * linears[k].cols * cols;
      const d = Math.min(rows, cols);
      c += (d * d * Math.max(rows, cols) + 10 * d ** 3) / 2;
    }
  }
  return c;
}

/** Predicted seconds of each tight method on a chain (see `ASSUMED_RATE`). */
export function predictedSeconds(chain: LayerChain): { combettesPesquet: number; eclipseFast: number; lipsdpCertificate: number } {
  const f = factorCost(chain) / ASSUMED_RATE;
  return {
    combettesPesquet: combettesPesquetCost(chain) / ASSUMED_RATE,
    // Multipliers (one factorization), rho(T) (one), the float64 certificate (one or two).
    eclipseFast: 3.5 * f,
    // rho(T) and the certificate of the final multipliers.
    lipsdpCertificate: 2.5 * f,
  };
}
