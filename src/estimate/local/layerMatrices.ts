import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { convGeometry } from '../conv/convGeometry.js';
import { layerConfig, layerWeight, type Layer } from '../network/layerRules.js';
import { sparseFromRows, tile, type SparseAffine } from './sparseMatrix.js';

/** Index lists: output i reads inputs idx[ptr[i]..ptr[i+1]] (row-major NHWC flat indices). */
export interface Windows { ptr: Int32Array; idx: Int32Array }

function perAxis(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.map(Number);
  return new Array<number>(n).fill(Number(v ?? 1));
}

/**
 * The sparse operator matrix of a Conv1D / Conv2D layer (channels last) on the given input
 * shape (batch excluded), with its bias: row (i ow + j) cout + o, column (y w + x) cin + c,
 * entry K[a, b, c, o] for y = i s_h + a - before_h, x = j s_w + b - before_w (tfjs padding
 * split, dilated kernel); taps outside the input are dropped (zero padding). Exact in float64.
 */
export function convMatrix(layer: Layer, inShape: number[]): { m: SparseAffine; shape: number[] } {
  const cls = layer.getClassName();
  const cfg = layerConfig(layer);
  const fail = (reason: string): LipkitError => new LipkitError('model', `layer '${layer.name}' (${cls}) is not supported by the local bounds: ${reason}`);
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw fail('channelsFirst data format');
  const padding = String(cfg.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') throw fail(`padding '${padding}'`);
  const rank = cls === 'Conv1D' ? 1 : 2;
  const kernel = layerWeight(layer, 'kernel');
  if (!kernel) throw fail('no kernel weight');
  const bias = cfg.useBias === false ? null : layerWeight(layer, 'bias')?.data ?? null;
  const kt = tf.tensor(Float32Array.from(kernel.data), kernel.shape);
  let g;
  try {
    g = convGeometry(kt, inShape, { strides: perAxis(cfg.strides, rank), padding, dilation: perAxis(cfg.dilationRate, rank) });
  } finally {
    kt.dispose();
  }
  const [ah, aw] = g.axes;
  const { cin, cout } = g;
  const rows = ah.out * aw.out * cout;
  const w = aw.n;
  const m = sparseFromRows(rows, ah.n * aw.n * cin, (row, add) => {
    const o = row % cout;
    const pix = Math.floor(row / cout);
    const i = Math.floor(pix / aw.out);
    const j = pix % aw.out;
    for (let a = 0; a < ah.k; a++) {
      const y = i * ah.s + a - ah.before;
      if (y < 0 || y >= ah.n) continue;
      for (let b = 0; b < aw.k; b++) {
        const x = j * aw.s + b - aw.before;
        if (x < 0 || x >= w) continue;
        const kb = ((a * aw.k + b) * cin) * cout + o;
        const cb = (y * w + x) * cin;
        for (let c = 0; c < cin; c++) add(cb + c, g.kernel[kb + c * cout]);
      }
    }
  }, bias ? tile(bias, ah.out * aw.out) : null);
  const shape = rank === 1 ? [aw.out, cout] : [ah.out, aw.out, cout];
  return { m, shape };
}

/** Output ranges [lo, hi) of 1-D pooling with tfjs 'same'/'valid' conventions. */
function poolAxis(n: number, k: number, s: number, padding: string): [number, number][] {
  let out: number;
  let before = 0;
  if (padding === 'same') {
    out = Math.ceil(n / s);
    before = Math.floor(Math.max((out - 1) * s + k - n, 0) / 2);
  } else {
    out = Math.floor((n - k) / s) + 1;
  }
  const r: [number, number][] = [];
  for (let o = 0; o < out; o++) r.push([Math.max(o * s - before, 0), Math.min(o * s - before + k, n)]);
  return r;
}

/**
 * Pooling windows of a (global) max or average pooling layer on an input of shape
 * [length, c] or [h, w, c], and the output shape.
 */
export function poolWindows(layer: Layer, cls: string, inShape: number[]): { windows: Windows; shape: number[] } {
  const cfg = layerConfig(layer);
  const rank = cls.endsWith('1D') ? 1 : 2;
  if (inShape.length !== rank + 1) throw new LipkitError('model', `layer '${layer.name}' (${cls}) expects rank ${rank + 1} inputs, got [${inShape.join(', ')}]`);
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
    throw new LipkitError('model', `layer '${layer.name}' (${cls}) is not supported by the local bounds: channelsFirst data format`);
  }
  const spatial = rank === 1 ? [1, inShape[0]] : [inShape[0], inShape[1]];
  const c = inShape[rank];
  let axes: [number, number][][];
  let shape: number[];
  if (cls.startsWith('Global')) {
    axes = [[[0, spatial[0]]], [[0, spatial[1]]]];
    shape = [c];
  } else {
    const pool = perAxis(cfg.poolSize, rank);
    const strides = cfg.strides == null ? pool : perAxis(cfg.strides, rank);
    const padding = String(cfg.padding ?? 'valid');
    const p2 = rank === 1 ? [1, pool[0]] : pool;
    const s2 = rank === 1 ? [1, strides[0]] : strides;
    axes = [poolAxis(spatial[0], p2[0], s2[0], padding), poolAxis(spatial[1], p2[1], s2[1], padding)];
    shape = rank === 1 ? [axes[1].length, c] : [axes[0].length, axes[1].length, c];
  }
  const ptr: number[] = [0];
  const idx: number[] = [];
  for (const [y0, y1] of axes[0]) {
    for (const [x0, x1] of axes[1]) {
      for (let ch = 0; ch < c; ch++) {
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) idx.push((y * spatial[1] + x) * c + ch);
        ptr.push(idx.length);
      }
    }
  }
  return { windows: { ptr: Int32Array.from(ptr), idx: Int32Array.from(idx) }, shape };
}

/** Average pooling as a sparse matrix: each output is the mean of its window (TF divides by the unpadded count). */
export function averagePoolMatrix(windows: Windows, inSize: number): SparseAffine {
  return sparseFromRows(windows.ptr.length - 1, inSize, (row, add) => {
    const n = windows.ptr[row + 1] - windows.ptr[row];
    for (let k = windows.ptr[row]; k < windows.ptr[row + 1]; k++) add(windows.idx[k], 1 / n);
  });
}
