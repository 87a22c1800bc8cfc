import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { chainProductBound, combettesPesquetBound } from '../../../src/estimate/global/combettesPesquet.js';
import { eclipseFast } from '../../../src/estimate/global/eclipseFast.js';
import { exactPlanarLipschitz } from '../../../src/estimate/global/exactPlanar.js';
import { lipsdpNeuronBound } from '../../../src/estimate/global/lipsdpNeuron.js';
import type { ChainActivation } from '../../../src/estimate/global/chainTypes.js';
import { chainFromWeights } from './chainHelpers.js';

// Reference values: scripts/fixtures/lipsdp_fixture.py (cvxopt interior point, tolerances 1e-9).
interface FixtureNet {
  name: string; activation: string; alpha: number; beta: number; dims: number[];
  lipsdpNeuron: number; solverStatus: string; productBound: number; sampledJacobianMax?: number;
  weights: number[][][]; biases: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/lipsdp.json', import.meta.url), 'utf8')) as { networks: FixtureNet[] };
/** cvxopt stops at relative gap ~1e-9 on rho; 'unknown' status (stalled close to the optimum) gets 1e-4. */
/** How close the optimized multipliers must come to LipSDP-Neuron (target 1.05). */
const WITHIN = 1.05;
const tol = (n: FixtureNet): number => (n.solverStatus === 'optimal' ? 1e-6 : 1e-4);
const activation = (n: FixtureNet): ChainActivation => ({
  name: n.activation, alpha: n.alpha, beta: n.beta,
  negativeSlope: n.activation === 'relu' ? 0 : n.activation.startsWith('leakyRelu') ? n.alpha : null,
});

describe('certified global bounds against LipSDP-Neuron (cvxopt)', () => {
  for (const net of fixture.networks) {
    if (net.dims.reduce((a, b) => a + b, 0) > 250) continue; // the 300-unit net is covered by the bench
    test(net.name, () => {
      const chain = chainFromWeights(net.weights, net.biases, activation(net));
      const ref = net.lipsdpNeuron;
      const product = chainProductBound(chain).upperBound;
      const cp = combettesPesquetBound(chain).upperBound;
      const fast = eclipseFast(chain);
      const sdp = lipsdpNeuronBound(chain, { seconds: 10, maxIterations: 2000 });
      expect(product).toBeGreaterThanOrEqual(net.productBound * (1 - 1e-9));
      expect(product).toBeLessThan(net.productBound * (1 + 1e-3));
      // Every certified bound is at least LipSDP-Neuron's optimum (itself an upper bound)...
      for (const b of [cp, fast.upperBound, sdp.upperBound]) expect(b).toBeGreaterThanOrEqual(ref * (1 - tol(net)));
      expect(cp).toBeLessThanOrEqual(product);
      expect(fast.upperBound).toBeLessThanOrEqual(product);
      expect(sdp.upperBound).toBeLessThanOrEqual(fast.upperBound);
      // ... and the optimized multipliers come within 5 % of it.
      expect(sdp.upperBound).toBeLessThanOrEqual(ref * WITHIN);
      if (net.sampledJacobianMax !== undefined) {
        const exact = exactPlanarLipschitz(chain);
        if (!exact.ok) throw new Error(exact.reason);
        // The exact constant lies between the sampled Jacobian maximum and LipSDP.
        expect(exact.exact).toBeGreaterThanOrEqual(net.sampledJacobianMax * (1 - 1e-12));
        expect(exact.upperBound).toBeLessThanOrEqual(ref * (1 + tol(net)));
        expect(sdp.upperBound).toBeGreaterThanOrEqual(exact.exact);
      }
    }, 120_000);
  }
});
