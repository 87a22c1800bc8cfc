// The seeded networks of scripts/fixtures/lipsdp_large_fixture.py (mulberry32, uniform He, float32), rebuilt
// bit for bit so that the large LipSDP-Neuron fixture needs no stored weights (its checksums prove the match).

/** mulberry32: uniforms in [0, 1), identical to the Python port in the fixture script. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Layer k: weights (out, in) row-major from mulberry32(seed * 1000 + k), (2u - 1) sqrt(6 / fan_in), then biases 0.1 (2u - 1); float32. */
export function seededMlp(dims: number[], seed: number): { weights: number[][][]; biases: number[][] } {
  const weights: number[][][] = [];
  const biases: number[][] = [];
  for (let k = 1; k < dims.length; k++) {
    const g = mulberry32(seed * 1000 + k - 1);
    const nIn = dims[k - 1];
    const s = Math.sqrt(6 / nIn);
    weights.push(Array.from({ length: dims[k] }, () => Array.from({ length: nIn }, () => Math.fround((2 * g() - 1) * s))));
    biases.push(Array.from({ length: dims[k] }, () => Math.fround(0.1 * (2 * g() - 1))));
  }
  return { weights, biases };
}
