// Plain float64 TypeScript references for MultiHeadAttention and TransformerEncoder (test oracles).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export type Seq = number[][][]; // [batch][time][d]
export type Mat = number[][];

/** A layer's weights by their short name (after the last '/', trailing _N suffixes dropped), as float64 arrays. */
export function weightsByName(layer: tfl.layers.Layer): Map<string, number[] | number[][]> {
  const out = new Map<string, number[] | number[][]>();
  for (const w of layer.weights) out.set(shortName(w.name), w.read().arraySync() as number[] | number[][]);
  return out;
}

/** A weight's name without its layer prefix and uniqueness suffix. */
export function shortName(name: string): string {
  return (name.split('/').pop() as string).replace(/_\d+$/, '');
}

/** Disposes a layer's weights (Layer.dispose refuses layers never applied symbolically). */
export function release(layer: tfl.layers.Layer): void {
  for (const w of layer.weights) w.dispose();
}

export function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

function addRow(a: Mat, b: number[] | null): Mat {
  return b === null ? a : a.map((r) => r.map((v, j) => v + b[j]));
}

export interface RefAttention { query: Mat; key: Mat; value: Mat; output: Mat; queryBias: number[] | null; keyBias: number[] | null; valueBias: number[] | null; outputBias: number[] | null }

export function attentionFrom(w: Map<string, number[] | number[][]>, prefix = ''): RefAttention {
  const g = (n: string): number[] | null => (w.get(prefix + n) as number[] | undefined) ?? null;
  return {
    query: w.get(`${prefix}query_kernel`) as Mat, key: w.get(`${prefix}key_kernel`) as Mat,
    value: w.get(`${prefix}value_kernel`) as Mat, output: w.get(`${prefix}output_kernel`) as Mat,
    queryBias: g('query_bias'), keyBias: g('key_bias'), valueBias: g('value_bias'), outputBias: g('output_bias'),
  };
}

/** Multi-head self-attention of one sequence x [time][d], float64, masked keys excluded exactly. */
export function refAttention(x: Mat, w: RefAttention, heads: number, keep?: boolean[]): Mat {
  const q = addRow(matmul(x, w.query), w.queryBias);
  const k = addRow(matmul(x, w.key), w.keyBias);
  const v = addRow(matmul(x, w.value), w.valueBias);
  const width = q[0].length;
  const dk = width / heads;
  const t = x.length;
  const ctx: Mat = Array.from({ length: t }, () => new Array<number>(width).fill(0));
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < t; i++) {
      const s: number[] = [];
      for (let j = 0; j < t; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += q[i][h * dk + c] * k[j][h * dk + c];
        s.push(keep === undefined || keep[j] ? dot / Math.sqrt(dk) : -Infinity);
      }
      const m = Math.max(...s);
      const e = s.map((z) => (z === -Infinity ? 0 : Math.exp(z - m)));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < t; j++) for (let c = 0; c < dk; c++) ctx[i][h * dk + c] += (e[j] / z) * v[j][h * dk + c];
    }
  }
  return addRow(matmul(ctx, w.output), w.outputBias);
}

export function refLayerNorm(x: Mat, gamma: number[], beta: number[], eps: number): Mat {
  return x.map((r) => {
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const vr = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
    return r.map((v, j) => ((v - mean) / Math.sqrt(vr + eps)) * gamma[j] + beta[j]);
  });
}

/** erf to ~1e-15 (Taylor series for |x| < 3, continued fraction beyond). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

export interface RefEncoderConfig { depth: number; heads: number; norm: 'post' | 'pre'; activation: 'relu' | 'gelu'; positional: 'sinusoidal' | 'learned' | 'none'; epsilon: number }

export function refSinusoid(p: number, j: number, d: number): number {
  const angle = p / Math.pow(10000, (2 * Math.floor(j / 2)) / d);
  return j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
}

/** The TransformerEncoder on one sequence, float64, from its weights. */
export function refEncoder(x: Mat, w: Map<string, number[] | number[][]>, c: RefEncoderConfig, keep?: boolean[]): Mat {
  const d = x[0].length;
  let h: Mat = x.map((r, p) => r.map((v, j) => {
    if (c.positional === 'sinusoidal') return v + refSinusoid(p, j, d);
    if (c.positional === 'learned') return v + (w.get('positions') as Mat)[p][j];
    return v;
  }));
  const ln = (t: Mat, n: string): Mat => refLayerNorm(t, w.get(`${n}_gamma`) as number[], w.get(`${n}_beta`) as number[], c.epsilon);
  const act = (v: number): number => (c.activation === 'relu' ? Math.max(0, v) : 0.5 * v * (1 + erf(v / Math.SQRT2)));
  const add = (a: Mat, b: Mat): Mat => a.map((r, i) => r.map((v, j) => v + b[i][j]));
  for (let i = 0; i < c.depth; i++) {
    const p = `block${i}_`;
    const att = (t: Mat): Mat => refAttention(t, attentionFrom(w, `${p}attention_`), c.heads, keep);
    const ff = (t: Mat): Mat => addRow(matmul(addRow(matmul(t, w.get(`${p}ff1_kernel`) as Mat), w.get(`${p}ff1_bias`) as number[]).map((r) => r.map(act)),
      w.get(`${p}ff2_kernel`) as Mat), w.get(`${p}ff2_bias`) as number[]);
    if (c.norm === 'post') {
      h = ln(add(h, att(h)), `${p}norm1`);
      h = ln(add(h, ff(h)), `${p}norm2`);
    } else {
      h = add(h, att(ln(h, `${p}norm1`)));
      h = add(h, ff(ln(h, `${p}norm2`)));
    }
  }
  return c.norm === 'pre' ? ln(h, 'final_norm') : h;
}

/** A deterministic random [b, t, d] sequence as nested arrays (mulberry32, uniform in [-scale, scale]). */
export function randomSeq(b: number, t: number, d: number, seed: number, scale = 1): Seq {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Array.from({ length: d }, () => (2 * next() - 1) * scale)));
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function flat(x: Seq | Mat): number[] {
  return (x as unknown[]).flat(2) as number[];
}

export function tensor(x: Seq): tf.Tensor3D {
  return tf.tensor3d(x);
}
