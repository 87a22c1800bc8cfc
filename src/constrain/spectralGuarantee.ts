import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';

/**
 * What a spectral constraint guarantees about sigma_max of its result (see each constraint):
 * - `'checked'` (default): sigma from a warm-started iteration run to `tolerance`: for matrices
 *   (Dense kernels, reshaped conv kernels) block Krylov rounds with Rayleigh-Ritz
 *   (`blockPowerRound`, at most `maxIterations / BLOCK_SIZE` rounds) until the estimated error
 *   of sigma (`residual^2 / gap`) is below `tolerance`, trusted only when the block's top Ritz
 *   values are spread by at least TRUSTED_GAP or DRIFT_FACTOR times their drift since the
 *   previous call (otherwise a flat top counts as not converged); for conv
 *   operators power iteration until its relative residual `||A^T A v - sigma^2 v|| / sigma^2`
 *   is below `tolerance` (at most `maxIterations` steps); plus a CERTIFIED check (float64 Gram + Cholesky, `certifyMatrixNorm`; the DFT /
 *   dense bound for convolutions) on the first call for each weight shape, every `checkEvery`
 *   calls (an interval that doubles, up to 8 checkEvery, while checks pass), whenever the
 *   iteration did not converge (or is not trusted), and on every call when the certificate is
 *   cheap (`certificateCost` <= 2^21 multiply-adds, about 1 ms; a convolution with `inputShape`
 *   is then measured as its exact operator matrix, `cheapConvOperatorMatrix`); a failed check
 *   rescales by the certified bound. Measured (tests, exact SVD): sigma_max <= cap (1 + 1e-3) after every call;
 *   between checks this is an ESTIMATE (power iteration can in principle stop on a wrong
 *   singular vector), at the checks it is certified.
 * - `'certified'`: every call rescales by a certified upper bound, so the cap holds exactly up
 *   to float32 rounding of the final multiply (~1e-7 relative). Cost: the float64 Gram matrix
 *   and a Cholesky factorization on the host every call, `min(m,n)^2 max(m,n) / 2 +
 *   min(m,n)^3 / 6` multiply-adds (about 6 ms for 256 x 256), or a DFT bound for convolutions.
 */
export type SpectralGuarantee = 'checked' | 'certified';

/** Options shared by the spectral constraints that promise a cap. */
export interface GuaranteeOptions {
  /** `'checked'` (default) or `'certified'`; see `SpectralGuarantee`. */
  guarantee?: SpectralGuarantee;
  /** Where a call stops iterating: matrices, the estimated relative error of sigma; conv operators, the relative power residual. Default 2e-4. */
  tolerance?: number;
  /** Backend power steps per call at most (beyond the first `iterations`; matrices: `ceil(maxIterations / BLOCK_SIZE)` block rounds) before the host check takes over. Default 16. */
  maxIterations?: number;
  /**
   * With `'checked'`: a certified check after this many calls per weight shape; the interval
   * doubles after each check the estimate passed (up to 8 times this) and falls back to it
   * after one it failed. Default 10.
   */
  checkEvery?: number;
}

/** Validated guarantee options with their defaults. */
export interface GuaranteeSettings {
  guarantee: SpectralGuarantee;
  tolerance: number;
  maxIterations: number;
  checkEvery: number;
}

/** Reads and validates the guarantee options (fields named `<prefix>.*`, default `options.*`). */
export function readGuarantee(options: GuaranteeOptions, prefix = 'options'): GuaranteeSettings {
  const { guarantee = 'checked', tolerance = 2e-4, maxIterations = 16, checkEvery = 10 } = options;
  if (guarantee !== 'checked' && guarantee !== 'certified') {
    throw new LipkitError(`${prefix}.guarantee`, `must be 'checked' or 'certified', got ${JSON.stringify(guarantee)}`);
  }
  return {
    guarantee,
    tolerance: checkNumber(`${prefix}.tolerance`, tolerance, { min: 0, exclusiveMin: true, max: 0.5 }),
    maxIterations: checkNumber(`${prefix}.maxIterations`, maxIterations, { min: 1, max: 1e5, integer: true }),
    checkEvery: checkNumber(`${prefix}.checkEvery`, checkEvery, { min: 1, max: 1e9, integer: true }),
  };
}

/**
 * Relative slack of the checks: a check passes when the certified bound is within
 * `1 + CHECK_SLACK` of the estimate; otherwise the bound (divided by that) replaces it.
 * With the no-op tolerance (1e-4) the promise is sigma <= cap (1 + 1e-3) with room to spare.
 */
export const CHECK_SLACK = 5e-4;

/**
 * When the 'checked' guarantee runs its certified check: on the first call, then after
 * `checkEvery` calls; the interval doubles after each passed check (up to 8 checkEvery) and
 * returns to `checkEvery` after a failed one.
 */
export class CheckSchedule {
  private since = 0;
  private interval: number;
  private started = false;

  constructor(private readonly base: number) {
    this.interval = base;
  }

  /** Counts a call; whether it should run the check. */
  due(): boolean {
    this.since++;
    if (!this.started) { this.started = true; return true; }
    return this.since >= this.interval;
  }

  /** Records a check's outcome (`passed`: the estimate was within CHECK_SLACK of the bound). */
  done(passed: boolean): void {
    this.since = 0;
    this.interval = passed ? Math.min(2 * this.interval, 8 * this.base) : this.base;
  }
}
