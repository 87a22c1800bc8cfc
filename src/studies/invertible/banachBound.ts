import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';

/** One block's share of the blockwise inverse, in the order the blocks are inverted (last first). */
export interface FixedPointStage {
  /** CERTIFIED contraction rate q = Lip(g) < 1 of the block's residual branch. */
  contraction: number;
  /** ||x_1 - x_0|| = ||g(z_hat)||: the first fixed-point step at this stage's actual input z_hat. */
  firstStep: number;
  /** Bound on the rounding of one update x <- z_hat - g(x) (0 in exact arithmetic). Default 0. */
  stepError?: number;
}

/**
 * A priori error bound of the i-ResNet inverse (Behrmann et al. 2019) computed block by block by
 * `iterations` fixed-point updates x <- z - g(x) from x_0 = z. For one block, Banach's theorem
 * gives ||x_n - x*|| <= q^n / (1 - q) ||x_1 - x_0||; with rounding delta per update the iterate
 * stays within (q^n ||x_1 - x_0|| + 2 delta) / (1 - q) of the fixed point of the block's actual
 * input. Each later block starts from an input already off by E, and the block inverse is
 * 1 / (1 - q)-Lipschitz, so
 *
 *   E_out = (q^n s + 2 delta + E_in) / (1 - q),   E_0 = `inputError`,
 *
 * applied over `stages` in inversion order. With delta = 0 and inputError = 0 this is a
 * CERTIFIED bound in exact arithmetic (given certified q); the rounding terms are whatever the
 * caller can justify. Errors: LipkitError naming `stages`, `stages[i].contraction` (in [0, 1)),
 * `stages[i].firstStep` / `stepError` (>= 0), `iterations` (integer >= 0), `inputError` (>= 0).
 */
export function fixedPointErrorBound(stages: readonly FixedPointStage[], iterations: number, inputError = 0): number {
  if (!Array.isArray(stages) || stages.length === 0) throw new LipkitError('stages', 'must be a non-empty array');
  checkNumber('iterations', iterations, { min: 0, max: 1e7, integer: true });
  let e = checkNumber('inputError', inputError, { min: 0 });
  stages.forEach((s, i) => {
    const q = checkNumber(`stages[${i}].contraction`, s.contraction, { min: 0 });
    if (q >= 1) throw new LipkitError(`stages[${i}].contraction`, `must be < 1 for the fixed point to converge, got ${q}`);
    const first = checkNumber(`stages[${i}].firstStep`, s.firstStep, { min: 0 });
    const delta = checkNumber(`stages[${i}].stepError`, s.stepError ?? 0, { min: 0 });
    e = (Math.pow(q, iterations) * first + 2 * delta + e) / (1 - q);
  });
  return e;
}
