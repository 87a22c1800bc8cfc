import type { ConvGeometry } from './convGeometry.js';
import type { ConvNormBound } from './convNormBound.js';
import { conv1x1Norm, isPointwise } from './conv1x1Norm.js';
import { depthwiseMultiplier, depthwiseNorm } from './depthwiseNorm.js';
import { convGramScan } from './convGramScan.js';

/** Options of `convFastNorm`. */
export interface ConvFastNormOptions {
  /** Allowed relative gap between a bound and the value it certifies; default 1e-3. */
  relativeSlack?: number;
}

/**
 * CERTIFIED operator norm bound of a convolution, by the cheapest exact structure it has:
 * - 1x1 kernel (any stride): the channel matrix's norm (`conv1x1Norm`), exact, size-free;
 * - depthwise (each input channel feeds only its own outputs, also after merging a batch norm):
 *   the max over channels of a scalar DFT maximum (`depthwiseNorm`);
 * - otherwise Gram iteration on the DFT blocks (`convGramScan`).
 * No power iteration through TF.js. The older route (power iteration, then the trace-power bound
 * on every DFT block, plus a dense-matrix bound for small operators) stays in `convSpectralNorm`.
 */
export function convFastNorm(g: ConvGeometry, options: ConvFastNormOptions = {}): ConvNormBound {
  const { relativeSlack = 1e-3 } = options;
  if (isPointwise(g)) return conv1x1Norm(g, relativeSlack);
  const m = depthwiseMultiplier(g);
  if (m !== null) return depthwiseNorm(g, m, relativeSlack);
  return convGramScan(g, { relativeSlack });
}
