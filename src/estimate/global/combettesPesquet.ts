import { spectralNormUpperBound } from '../spectralNormUpperBound.js';
import type { LayerChain } from './chainTypes.js';
import { mergeAffine } from './layerChain.js';

/** Result of `combettesPesquetBound`. */
export interface ChainBound {
  /** CERTIFIED upper bound on the chain's l2 Lipschitz constant (post factor included). */
  upperBound: number;
  /** How it was obtained. */
  method: string;
}

/**
 * Combettes & Pesquet (2020), "Lipschitz certificates for layered network structures driven by
 * averaged activation operators": write each activation with slopes in [alpha, beta] as
 * s = mbar Id + h R with mbar = (alpha + beta) / 2, h = (beta - alpha) / 2 and R elementwise
 * 1-Lipschitz; expanding the composition over the subsets of activations that take the R part
 * ("cuts") gives the bound sum over cut sets of prod(h at cuts) prod(|mbar| elsewhere) prod of
 * the norms of the merged blocks between cuts, by the dynamic program
 *   S_0 = 1, S_k = sum_{j<k} S_j h_j^[j>0] prod_{j<i<k} |mbar_i| ||W_k ... W_{j+1}||, theta = S_m.
 * For ReLU (mbar = h = 1/2) it is the paper's 2^{-(m-1)} sum over cut sets. CERTIFIED: every norm
 * is `spectralNormUpperBound` of the float64 product plus the product's rounding bound. Never above
 * the product of block norms. m(m+1)/2 norms.
 */
export function combettesPesquetBound(chain: LayerChain): ChainBound {
  const { linears, activations } = chain;
  const m = linears.length;
  const s = new Array<number>(m + 1).fill(0);
  s[0] = 1;
  const norms: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let j = 0; j < m; j++) {
    let p = linears[j];
    for (let k = j + 1; k <= m; k++) {
      if (k > j + 1) p = mergeAffine(p, linears[k - 1]);
      norms[j][k] = spectralNormUpperBound({ data: p.weight, rows: p.rows, cols: p.cols }).upperBound + p.mergeError;
    }
  }
  for (let k = 1; k <= m; k++) {
    let acc = 0;
    for (let j = 0; j < k; j++) {
      let c = j > 0 ? (activations[j - 1].beta - activations[j - 1].alpha) / 2 : 1;
      for (let i = j + 1; i < k; i++) c *= Math.abs((activations[i - 1].alpha + activations[i - 1].beta) / 2);
      acc += s[j] * c * norms[j][k];
    }
    s[k] = acc * (1 + 4 * m * 2 ** -53);
  }
  return { upperBound: s[m] * chain.postFactor, method: `Combettes-Pesquet dynamic program over ${m} blocks (${(m * (m + 1)) / 2} certified norms)` };
}

/** Product of certified block norms times the activations' max slopes (the chain form of the plain bound). */
export function chainProductBound(chain: LayerChain): ChainBound {
  let b = chain.postFactor;
  for (const l of chain.linears) b *= spectralNormUpperBound({ data: l.weight, rows: l.rows, cols: l.cols }).upperBound + l.mergeError;
  for (const a of chain.activations) b *= Math.max(Math.abs(a.alpha), Math.abs(a.beta));
  return { upperBound: b * (1 + 4 * chain.linears.length * 2 ** -53), method: 'product of merged block norms' };
}
