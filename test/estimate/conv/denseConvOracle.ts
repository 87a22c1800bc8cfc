import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';

/** Geometry of an oracle case (tfjs layout kernel [kh, kw, cin, cout] or [k, cin, cout]). */
export interface OracleCase {
  kernel: number[]; kshape: number[]; inputShape: number[];
  strides: number[]; dilation: number[]; padding: 'same' | 'valid' | 'circular';
}

/**
 * Independent float64 oracle: the dense matrix of the convolution built tap by tap with explicit
 * index arithmetic (TensorFlow 'same'/'valid' padding split; dilation by index stride; circular =
 * periodic indices), and its exact top singular value (Jacobi SVD).
 */
export function denseConvNorm(c: OracleCase): number {
  return exactSingularValues(denseConvMatrix(c))[0];
}

/**
 * The dense float64 matrix of the convolution (rows: output [oh, ow, cout] row-major; columns:
 * input [h, w, cin] row-major), built tap by tap as described at `denseConvNorm`.
 */
export function denseConvMatrix(c: OracleCase): number[][] {
  const { kernel, kshape, inputShape, strides, dilation, padding } = c;
  const rank = kshape.length - 2;
  const [kh, kw] = rank === 1 ? [1, kshape[0]] : [kshape[0], kshape[1]];
  const [h, w] = rank === 1 ? [1, inputShape[0]] : [inputShape[0], inputShape[1]];
  const [sh, sw] = rank === 1 ? [1, strides[0]] : strides;
  const [dh, dw] = rank === 1 ? [1, dilation[0]] : dilation;
  const cin = kshape[rank];
  const cout = kshape[rank + 1];
  const axis = (n: number, k: number, s: number, d: number): [number, number] => {
    const keff = (k - 1) * d + 1;
    if (padding === 'valid') return [Math.ceil((n - keff + 1) / s), 0];
    const out = Math.ceil(n / s);
    return [out, Math.floor(Math.max(0, (out - 1) * s + keff - n) / 2)];
  };
  const [oh, top] = axis(h, kh, sh, dh);
  const [ow, left] = axis(w, kw, sw, dw);
  const A: number[][] = [];
  for (let r = 0; r < oh * ow * cout; r++) A.push(new Array<number>(h * w * cin).fill(0));
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    let y = i * sh + a * dh - top;
    let x = j * sw + b * dw - left;
    if (padding === 'circular') {
      y = ((y % h) + h) % h;
      x = ((x % w) + w) % w;
    } else if (y < 0 || y >= h || x < 0 || x >= w) continue;
    for (let ci = 0; ci < cin; ci++) for (let o = 0; o < cout; o++) {
      A[(i * ow + j) * cout + o][(y * w + x) * cin + ci] += kernel[((a * kw + b) * cin + ci) * cout + o];
    }
  }
  return A;
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32), rounded to float32. */
export function rand(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(Math.fround((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1));
  }
  return out;
}

/** A depthwise kernel [kh, kw, cin, mult] expanded to the full [kh, kw, cin, cin * mult] kernel. */
export function expandDepthwise(depth: number[], kh: number, kw: number, cin: number, mult: number): number[] {
  const full = new Array<number>(kh * kw * cin * cin * mult).fill(0);
  for (let t = 0; t < kh * kw; t++) for (let c = 0; c < cin; c++) for (let m = 0; m < mult; m++) {
    full[(t * cin + c) * cin * mult + c * mult + m] = depth[(t * cin + c) * mult + m];
  }
  return full;
}
