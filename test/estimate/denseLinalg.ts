// Float64 test helpers (independent of src/): seeded random matrices, Householder orthogonal
// matrices and matrices with prescribed singular values, as number[][].

export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(rows: number, cols: number, seed: number): number[][] {
  const r = rng(seed);
  const g = (): number => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: rows }, () => Array.from({ length: cols }, g));
}

export function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}

export function transpose(a: number[][]): number[][] {
  return a[0].map((_, j) => a.map((row) => row[j]));
}

/** Product of n Householder reflectors I - 2 w w^T / w^T w: an exactly-orthogonal n x n matrix (float64). */
export function orthogonal(n: number, seed: number): number[][] {
  let q: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const ws = randn(n, n, seed);
  for (const w of ws) {
    const ww = w.reduce((s, x) => s + x * x, 0);
    // q <- q (I - 2 w w^T / ww)
    q = q.map((row) => {
      const dot = row.reduce((s, x, k) => s + x * w[k], 0);
      return row.map((x, j) => x - (2 * dot * w[j]) / ww);
    });
  }
  return q;
}

/** Q1[:, :k] diag(s) Q2[:, :k]^T (rows x cols), singular values exactly s (up to float64 rounding). */
export function withSingularValues(rows: number, cols: number, s: number[], seed: number): number[][] {
  const q1 = orthogonal(rows, seed);
  const q2 = orthogonal(cols, seed + 1);
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => s.reduce((acc, sk, k) => acc + q1[i][k] * sk * q2[j][k], 0)));
}

export function frobenius(a: number[][]): number {
  return Math.sqrt(a.reduce((s, row) => s + row.reduce((t, x) => t + x * x, 0), 0));
}

export function flat(a: number[][]): Float64Array {
  return Float64Array.from(a.flat());
}
