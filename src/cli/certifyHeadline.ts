import type { CertifyReport } from './certify.js';

/** Above this ratio of certified upper to empirical lower bound the headline says the bound is loose. */
export const LOOSE_GAP = 100;
/** Without a lower bound, a network with at least this many layers gets the same warning. */
export const DEEP_LAYERS = 30;

/**
 * The honest reading of a composed (product) bound: on a deep network it multiplies dozens of
 * per-layer norms and is astronomically loose (1e40 on MobileNetV2-sized networks) while still
 * being a valid certificate. Returns the lines to print under the upper bound, or none when the
 * gap to the lower bound is small.
 */
export function looseBoundLines(report: CertifyReport): string[] {
  const gap = report.lowerBound !== null && report.lowerBound > 0 ? report.upperBound / report.lowerBound : null;
  const layers = report.layers.length;
  const loose = gap !== null ? gap > LOOSE_GAP : layers >= DEEP_LAYERS;
  if (!loose || !Number.isFinite(report.upperBound)) return [];
  const why = gap !== null
    ? `${gap.toExponential(1)} times the largest slope found`
    : `a product over ${layers} layers`;
  return [
    `  (a valid certificate, but loose: ${why}. The bound multiplies per-layer norms along the network, so on a deep`,
    '   network it says little about the true constant. For meaningful numbers: certified local bounds and radii around',
    '   your inputs (--data FILE --local-radius R), or a tighter global method (--method).)',
  ];
}
