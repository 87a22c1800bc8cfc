import { LipkitError } from '../../util/errors.js';
import { spectralNormalize } from '../../constrain/SpectralNormalize.js';
import { lipschitzProjection } from '../../constrain/LipschitzProjection.js';
import { spectralSoftCap } from '../../constrain/SpectralSoftCap.js';
import { spectralHammer } from '../../constrain/SpectralHammer.js';
import type { Constraint } from '../../constrain/spectralConstraintBase.js';
import { NEWTON_SCHULZ_STEP, oddPolynomialScalar } from '../../optim/oddPolynomial.js';
import type { EnforcedRunSpec } from './plan.js';

/** A lipkit constraint that states the spectral norm it promises (all of lipkit's spectral constraints do). */
export type PromisingConstraint = Constraint & { promise(): number };

/**
 * Largest singular value of Muon's orthogonalized update per unit learning rate: the max over
 * s in (0, 1] of the 5-step quintic Newton-Schulz map (`oddPolynomialScalar`, float64 scan of
 * 10^5 points), about 1.2024. Muon normalizes by the Frobenius norm first, so every singular
 * value starts in (0, 1]; its shape factor sqrt(max(1, fanOut / fanIn)) is 1 for every kernel
 * of this study's MLP (fanOut <= fanIn).
 */
export const MUON_UPDATE_NORM_PER_LR: number = (() => {
  const steps = new Array(5).fill(NEWTON_SCHULZ_STEP);
  let max = 0;
  for (let i = 1; i <= 100000; i++) max = Math.max(max, oddPolynomialScalar(steps, i / 100000));
  return max;
})();

/**
 * The kernel-constraint factory of a run (one fresh instance per layer, so each keeps its own
 * power-iteration vector), or undefined for 'none':
 *
 * - 'spectral-normalize': `spectralNormalize({ target: cap })`, W <- cap W / sigma(W) (Miyato et al.);
 * - 'lipschitz-projection': `lipschitzProjection({ maxNorm: cap })`, W <- W / max(1, sigma / cap) (Gouk et al.);
 * - 'spectral-soft-cap': `spectralSoftCap({ cap, maxUpdateNorm })` (Newhouse et al.); with Muon the
 *   coupling is the paper's co-design, `maxUpdateNorm` = the spectral norm of Muon's update,
 *   `MUON_UPDATE_NORM_PER_LR * learningRate` (lipkit's quintic Newton-Schulz leaves singular
 *   values up to ~1.2, so coupling to the learning rate alone, as the paper's near-exact
 *   orthogonalization allows, would let weights settle ~2 % above the cap); with Adam, whose
 *   update norm is not fixed, the constraint's default 0.1 cap;
 * - 'spectral-hammer': `spectralHammer({ cap, faithful: true })`, the paper's algorithm: top singular
 *   value set to cap (Newhouse et al.), no fallback, so the AdamW vs Muon comparison sees its failure mode.
 */
export function methodConstraint(spec: Pick<EnforcedRunSpec, 'method' | 'cap' | 'optimizer' | 'sizes'>): (() => PromisingConstraint) | undefined {
  const { method, cap } = spec;
  if (method === 'none') {
    if (cap !== null) throw new LipkitError('spec.cap', "must be null for method 'none'");
    return undefined;
  }
  if (cap === null || !(cap > 0)) throw new LipkitError('spec.cap', `must be a positive number for method '${method}'`);
  switch (method) {
    case 'spectral-normalize':
      return () => spectralNormalize({ target: cap });
    case 'lipschitz-projection':
      return () => lipschitzProjection({ maxNorm: cap });
    case 'spectral-soft-cap': {
      const maxUpdateNorm = spec.optimizer === 'muon' ? MUON_UPDATE_NORM_PER_LR * spec.sizes.muonLearningRate : undefined;
      return () => spectralSoftCap({ cap, maxUpdateNorm });
    }
    case 'spectral-hammer':
      return () => spectralHammer({ cap, faithful: true });
    default:
      throw new LipkitError('spec.method', `unknown method ${JSON.stringify(method)}`);
  }
}
