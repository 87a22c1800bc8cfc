import { layerConfig, layerWeight, registerLipschitzRule, round, type LayerLipschitz } from './layerRules.js';

/**
 * Certified Lipschitz rules of the uncertainty output heads (issue 15), by class name so this
 * file imports no layer code:
 *
 * - `LipkitRandomFeatureGP` (SNGP, Liu et al. 2020), logits = sqrt(2/D) cos(h W + b) beta + bias:
 *   steps [W, constant sqrt(2/D) (cos is 1-Lipschitz), beta], so the network bound uses
 *   ||W||_2 sqrt(2/D) ||beta||_2 with both matrix norms certified by `lipschitzBound`.
 * - `LipkitDUQOutput` (DUQ, van Amersfoort et al. 2020), K_c = exp(-||h W_c - e_c||^2 / (2 n sigma^2)):
 *   steps [W = [W_1 .. W_C], constant 1 / (sigma sqrt(n e))]. The map from the stacked
 *   embeddings z to K has a block-diagonal Jacobian whose block c has norm
 *   u exp(-u^2/2) / (sigma sqrt n) <= e^{-1/2} / (sigma sqrt n) (u = ||z_c - e_c|| / (sigma sqrt n)),
 *   so K is ||W||_2 / (sigma sqrt(n e))-Lipschitz, and each K_c is ||W_c||_2 / (sigma sqrt(n e))-Lipschitz.
 */
export function installUncertaintyRules(): void {
  registerLipschitzRule('LipkitRandomFeatureGP', (l): LayerLipschitz => {
    const w = layerWeight(l, 'rff_kernel');
    const beta = layerWeight(l, 'kernel');
    if (!w || !beta) return { kind: 'unsupported', reason: 'RandomFeatureGP layer is not built' };
    const d = w.shape[1];
    const c = Math.sqrt(2 / d);
    return {
      kind: 'steps',
      steps: [
        { kind: 'linear', piece: { kind: 'matrix', data: w.data, rows: w.shape[0], cols: d } },
        { kind: 'constant', lipschitz: c, method: `random Fourier features sqrt(2/D) cos (D = ${d}: ${round(c)})` },
        { kind: 'linear', piece: { kind: 'matrix', data: beta.data, rows: beta.shape[0], cols: beta.shape[1] } },
      ],
    };
  });
  registerLipschitzRule('LipkitDUQOutput', (l): LayerLipschitz => {
    const w = layerWeight(l, 'kernel');
    if (!w) return { kind: 'unsupported', reason: 'DUQOutput layer is not built' };
    const cfg = layerConfig(l);
    const n = Number(cfg.embeddingSize);
    const sigma = Number(cfg.lengthScale);
    const c = 1 / (sigma * Math.sqrt(n * Math.E));
    return {
      kind: 'steps',
      steps: [
        { kind: 'linear', piece: { kind: 'matrix', data: w.data, rows: w.shape[0], cols: w.shape[1] } },
        { kind: 'constant', lipschitz: c, method: `DUQ RBF kernels, max slope 1/(sigma sqrt(n e)) (sigma = ${sigma}, n = ${n}: ${round(c)})` },
      ],
    };
  });
}
