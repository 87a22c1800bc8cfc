import * as tf from '@tensorflow/tfjs-core';
import { spectralNormUpperBound } from '../spectralNormUpperBound.js';
import { matMul } from '../linalg64.js';
import { convSpectralNorm, type ConvPadding } from '../conv/convSpectralNorm.js';
import { convGeometryOf } from '../conv/convGeometry.js';
import { convFastNorm } from '../conv/convFastNorm.js';

/**
 * A linear map inside a network, kept symbolic so that consecutive linear layers can be
 * merged before a norm is taken (||A B|| <= ||A|| ||B||, often much smaller).
 * All maps act on the last (channel) axis of their input, as tfjs-layers does (NHWC).
 */
export type LinearPiece =
  /** `y = x W` with `W` of shape `[rows, cols]` (Dense kernel layout), row-major float64. */
  | { kind: 'matrix'; data: Float64Array; rows: number; cols: number }
  /** `y = x * s` per channel (BatchNormalization in inference mode, without its shift). */
  | { kind: 'diag'; scale: Float64Array }
  /** A convolution: kernel `[k, cin, cout]` or `[kh, kw, cin, cout]`, float64. */
  | {
    kind: 'conv'; kernel: Float64Array; kernelShape: number[]; inputShape: number[] | null;
    strides: number[]; padding: ConvPadding; dilation: number[];
  };

/** A certified norm of a piece, with the power-iteration estimate beside it. */
export interface PieceNorm { upperBound: number; estimate: number; method: string }

/**
 * Float32 rounding guard for merged kernels handed to float32 code: merging is done in
 * float64, and rounding the product to float32 perturbs it by at most 2^-24 relative per
 * entry, so ||W32|| <= ||W64|| (1 + 2^-24 sqrt(n)); 1e-5 covers n up to 2.8e4 entries per row.
 */
const FLOAT32_GUARD = 1 + 1e-5;

/** Merges `second o first` into one piece when both are of mergeable kinds and shapes agree; else null. */
export function mergePieces(first: LinearPiece, second: LinearPiece): LinearPiece | null {
  if (first.kind === 'diag' && second.kind === 'diag') {
    if (first.scale.length !== second.scale.length) return null;
    return { kind: 'diag', scale: first.scale.map((s, i) => s * second.scale[i]) };
  }
  if (first.kind === 'matrix' && second.kind === 'matrix') {
    if (first.cols !== second.rows) return null;
    return matMul64(first, second);
  }
  if (first.kind === 'matrix' && second.kind === 'diag') {
    if (first.cols !== second.scale.length) return null;
    return { ...first, data: scaleAxis(first.data, [first.rows, first.cols], 1, second.scale) };
  }
  if (first.kind === 'diag' && second.kind === 'matrix') {
    if (second.rows !== first.scale.length) return null;
    return { ...second, data: scaleAxis(second.data, [second.rows, second.cols], 0, first.scale) };
  }
  if (first.kind === 'conv' && second.kind === 'diag') {
    const cout = first.kernelShape[first.kernelShape.length - 1];
    if (cout !== second.scale.length) return null;
    return { ...first, kernel: scaleAxis(first.kernel, first.kernelShape, first.kernelShape.length - 1, second.scale) };
  }
  if (first.kind === 'diag' && second.kind === 'conv') {
    const cin = second.kernelShape[second.kernelShape.length - 2];
    if (cin !== first.scale.length) return null;
    return { ...second, kernel: scaleAxis(second.kernel, second.kernelShape, second.kernelShape.length - 2, first.scale) };
  }
  return null;
}

/**
 * How convolutions are bounded: `'fast'` (default) by their structure (`convFastNorm`: 1x1 channel
 * matrix, depthwise per-channel DFT, else Gram iteration on the DFT blocks, all in float64);
 * `'dft-power'` by the older `convSpectralNorm` route (power iteration through TF.js, trace-power
 * bound on every DFT block, dense matrix for small operators), kept for contrast.
 */
export type ConvNormMethod = 'fast' | 'dft-power';

/** Certified l2 operator norm of a piece (see `spectralNormUpperBound`, `convFastNorm`, `convSpectralNorm`). */
export function pieceNorm(piece: LinearPiece, convNorm: ConvNormMethod = 'fast'): PieceNorm {
  switch (piece.kind) {
    case 'diag': {
      let m = 0;
      for (const s of piece.scale) m = Math.max(m, Math.abs(s));
      return { upperBound: m, estimate: m, method: 'max |scale| (exact)' };
    }
    case 'matrix': {
      const r = spectralNormUpperBound({ data: piece.data, rows: piece.rows, cols: piece.cols });
      return { upperBound: r.upperBound, estimate: r.estimate, method: r.method };
    }
    case 'conv':
      return convPieceNorm(piece, convNorm);
  }
}

function convPieceNorm(piece: Extract<LinearPiece, { kind: 'conv' }>, convNorm: ConvNormMethod): PieceNorm {
  if (piece.inputShape === null) {
    // Without an input shape, bound the convolution for every input size by the triangle
    // inequality over its taps: conv = sum_taps shift o K_tap and ||shift|| <= 1.
    const cin = piece.kernelShape[piece.kernelShape.length - 2];
    const cout = piece.kernelShape[piece.kernelShape.length - 1];
    const taps = piece.kernel.length / (cin * cout);
    let upper = 0;
    let est = 0;
    for (let t = 0; t < taps; t++) {
      const r = spectralNormUpperBound({ data: piece.kernel.subarray(t * cin * cout, (t + 1) * cin * cout), rows: cin, cols: cout });
      upper += r.upperBound;
      est = Math.max(est, r.estimate);
    }
    return { upperBound: upper, estimate: est, method: `sum over ${taps} taps of tap norms (input shape unknown, valid for any size)` };
  }
  if (convNorm === 'fast') {
    // Float64 throughout (no float32 copy of a merged kernel), so no rounding guard is needed here.
    const g = convGeometryOf(piece.kernel, piece.kernelShape, piece.inputShape, {
      strides: piece.strides, padding: piece.padding, dilation: piece.dilation,
    });
    const r = convFastNorm(g);
    return { upperBound: r.upperBound, estimate: r.estimate, method: r.method };
  }
  const kernel = tf.tensor(Float32Array.from(piece.kernel), piece.kernelShape);
  try {
    const r = convSpectralNorm(kernel, piece.inputShape, {
      strides: piece.strides, padding: piece.padding, dilation: piece.dilation, iterations: 50, tolerance: 1e-5,
    });
    return { upperBound: r.upperBound * FLOAT32_GUARD, estimate: r.sigma, method: r.method };
  } finally {
    kernel.dispose();
  }
}

function matMul64(a: { data: Float64Array; rows: number; cols: number }, b: { data: Float64Array; rows: number; cols: number }): LinearPiece {
  return { kind: 'matrix', data: matMul(a.data, a.rows, a.cols, b.data, b.cols), rows: a.rows, cols: b.cols };
}

/** Multiplies a row-major array of `shape` by `scale` along `axis`. */
function scaleAxis(data: Float64Array, shape: number[], axis: number, scale: Float64Array): Float64Array {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis];
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * scale[Math.floor(i / inner) % n];
  return out;
}
