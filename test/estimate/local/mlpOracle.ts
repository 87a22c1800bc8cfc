import * as tfl from '@tensorflow/tfjs-layers';
import { mulberry32 as mulberryInt } from '../../../src/util/random.js';

/** Float64 oracle for Dense MLPs: weights read from the model, activations written out independently. */
export interface OracleLayer { w: Float64Array; b: Float64Array; inDim: number; outDim: number; act: string }

export const ACTS: Record<string, { f: (x: number) => number; d: (x: number) => number }> = {
  linear: { f: (x) => x, d: () => 1 },
  relu: { f: (x) => Math.max(0, x), d: (x) => (x > 0 ? 1 : 0) },
  tanh: { f: Math.tanh, d: (x) => 1 - Math.tanh(x) ** 2 },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), d: (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); } },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), d: (x) => (x > 0 ? 1 : Math.exp(x)) },
  softplus: { f: (x) => Math.log1p(Math.exp(x)), d: (x) => 1 / (1 + Math.exp(-x)) },
  swish: { f: (x) => x / (1 + Math.exp(-x)), d: (x) => { const s = 1 / (1 + Math.exp(-x)); return s + x * s * (1 - s); } },
  selu: {
    f: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
    d: (x) => 1.0507009873554805 * (x > 0 ? 1 : 1.6732632423543772 * Math.exp(x)),
  },
  softsign: { f: (x) => x / (1 + Math.abs(x)), d: (x) => 1 / (1 + Math.abs(x)) ** 2 },
};

export function oracleLayers(model: tfl.LayersModel): OracleLayer[] {
  return model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => {
    const [k, b] = l.getWeights();
    const cfg = l.getConfig() as { activation?: string };
    return { w: Float64Array.from(k.dataSync()), b: Float64Array.from(b.dataSync()), inDim: k.shape[0], outDim: k.shape[1] as number, act: cfg.activation ?? 'linear' };
  });
}

/** Output, pre-activations of each layer, and the Jacobian (rows = outputs) at x, all float64. */
export function oracleForward(layers: OracleLayer[], x: ArrayLike<number>): { y: Float64Array; pre: Float64Array[]; jac: Float64Array[] } {
  let h = Float64Array.from(x);
  let jac: Float64Array[] = Array.from({ length: h.length }, (_, i) => { const r = new Float64Array(h.length); r[i] = 1; return r; });
  const pre: Float64Array[] = [];
  for (const L of layers) {
    const z = new Float64Array(L.outDim);
    const jz: Float64Array[] = [];
    for (let o = 0; o < L.outDim; o++) {
      let s = L.b[o];
      const row = new Float64Array(jac[0].length);
      for (let i = 0; i < L.inDim; i++) {
        const w = L.w[i * L.outDim + o];
        s += w * h[i];
        for (let k = 0; k < row.length; k++) row[k] += w * jac[i][k];
      }
      z[o] = s;
      jz.push(row);
    }
    pre.push(z);
    const a = ACTS[L.act];
    h = z.map(a.f);
    jac = jz.map((row, o) => row.map((v) => v * a.d(z[o])));
  }
  return { y: h, pre, jac };
}

/** Largest singular value of a small matrix (rows x cols) by power iteration on J^T J until it stops changing (an estimate from below). */
export function normOf(rows: Float64Array[]): number {
  const n = rows[0].length;
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let s = 0;
  for (let it = 0; it < 500; it++) {
    const u = rows.map((r) => r.reduce((a, b, k) => a + b * v[k], 0));
    const w = new Float64Array(n);
    rows.forEach((r, i) => { for (let k = 0; k < n; k++) w[k] += r[k] * u[i]; });
    const nw = Math.hypot(...w);
    if (nw === 0) return 0;
    const prev = s;
    s = Math.sqrt(nw);
    v = w.map((t) => t / nw);
    if (it > 20 && Math.abs(s - prev) <= 1e-15 * s) break;
  }
  return s;
}

/** A uniform random point of the l2 ball of radius r around x (seeded stream). */
export function pointInBall(x: ArrayLike<number>, r: number, rand: () => number, onSphere = false): Float64Array {
  const g = Array.from(x, () => { const u = Math.max(rand(), 1e-12); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()); });
  const norm = Math.hypot(...g);
  const rho = onSphere ? r : r * rand() ** (1 / g.length);
  return Float64Array.from(x, (v, i) => v + (g[i] / norm) * rho);
}

/** Seeded uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberryInt(seed);
  return () => next() / 2 ** 32;
}
