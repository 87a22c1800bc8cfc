// Test helpers: chains built directly from (out, in) weight arrays, and seeded random MLPs.
import type { ChainActivation, LayerChain } from '../../../src/estimate/global/chainTypes.js';
import { randn } from '../denseLinalg.js';

export function chainFromWeights(weights: number[][][], biases: number[][] | null, act: ChainActivation): LayerChain {
  return {
    inputDim: weights[0][0].length,
    linears: weights.map((w, k) => ({
      weight: Float64Array.from(w.flat()), bias: Float64Array.from(biases ? biases[k] : new Array<number>(w.length).fill(0)),
      rows: w.length, cols: w[0].length, mergeError: 0, layers: [`layer${k}`],
    })),
    activations: weights.slice(0, -1).map(() => act),
    postFactor: 1,
    notes: [],
  };
}

export function randomMlp(dims: number[], seed: number): { weights: number[][][]; biases: number[][] } {
  const weights = dims.slice(1).map((d, i) => randn(d, dims[i], seed * 100 + i).map((row) => row.map((v) => v * Math.sqrt(2 / dims[i]))));
  const biases = dims.slice(1).map((d, i) => randn(1, d, seed * 100 + 50 + i)[0].map((v) => 0.1 * v));
  return { weights, biases };
}

export const RELU: ChainActivation = { name: 'relu', alpha: 0, beta: 1, negativeSlope: 0 };
