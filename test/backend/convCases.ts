import * as tf from '@tensorflow/tfjs-core';

/** Convolution geometries shared by the wasm conv-gradient tests. */
export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
export interface Case { n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number; s: [number, number]; pad: Pad }

/** Strides 1-3 x same/valid x odd/even sizes x odd/even kernels, plus explicit pads (small, and larger than the kernel). */
export function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const s of [1, 2, 3]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const [h, w] of [[8, 8], [7, 9], [11, 6], [5, 5]]) {
        for (const [kh, kw] of [[3, 3], [2, 2], [1, 3], [4, 3]]) {
          if (pad === 'valid' && (kh > h || kw > w)) continue;
          // Alternate the stride between axes for variety; channel counts vary with i.
          const st: [number, number] = i % 3 === 0 ? [s, s] : i % 3 === 1 ? [s, Math.max(1, s - 1)] : [Math.max(1, s - 1), s];
          out.push({ n: 1 + (i % 2), h, w, cin: 1 + (i % 4), cout: 2 + (i % 3), kh, kw, s: st, pad });
          i++;
        }
      }
    }
  }
  out.push({ n: 2, h: 9, w: 8, cin: 3, cout: 4, kh: 3, kw: 3, s: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] });
  out.push({ n: 1, h: 6, w: 7, cin: 2, cout: 3, kh: 2, kw: 3, s: [1, 2], pad: [[0, 0], [3, 0], [1, 4], [0, 0]] });
  out.push({ n: 1, h: 33, w: 31, cin: 2, cout: 2, kh: 2, kw: 3, s: [2, 2], pad: 'same' });
  return out;
}

export function outShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.cin], [c.kh, c.kw, c.cin, c.cout], c.s, 1, c.pad);
  return info.outShape as [number, number, number, number];
}

