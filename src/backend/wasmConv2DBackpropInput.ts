import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';
import { runWasmKernel, type WasmBackend } from './wasmKernel.js';

/**
 * A fast Conv2DBackpropInput (the input gradient of conv2d, and `tf.conv2dTranspose`) for
 * tfjs-wasm, whose own kernel is a scalar C++ loop (about 500 ms of a 650 ms conv training
 * step at 3x3 32->32, 32x32, batch 64). For the forward convolution (x zero outside H x W)
 *
 *   y[n, i, j, o] = sum_{a, b, c} x[n, s_h i + a - p_t, s_w j + b - p_l, c] W[a, b, c, o],
 *
 * the input gradient dx[n, h, w, c] = sum over (i, a) with s_h i + a = h + p_t (likewise on
 * the width) of dy[n, i, j, o] W[a, b, c, o]. Split the rows by the phase
 * rho = (h + p_t) mod s_h: only taps a = rho + s_h t (t = 0..T-1, T = ceil((kh - rho) / s_h))
 * reach them, and with h = s_h q + rho - p_t,
 *
 *   dx[h] = sum_t dy[q - t] W[rho + s_h t] = sum_t' dy[q - (T-1) + t'] F_rho[t'],
 *   F_rho[t', ., o, c] = W[rho + s_h (T-1-t'), ., c, o]   (flipped, in/out swapped),
 *
 * a stride-1 forward convolution of dy with the sub-kernel F_rho (the same on the width).
 * Each of the s_h s_w phases is one fast XNNPACK wasm Conv2D of dy (no zero insertion, so no
 * wasted products), its rows and columns scattered to h = s_h q + rho - p_t. For stride 1
 * there is one phase, F = W flipped and swapped, pads kh-1-p_t / H - OH + p_t, and the
 * convolution's output is dx itself. Negative pads (dy rows a phase does not need) are
 * clamped to 0 and the extra output rows skipped. Exact: the same products and sums as the
 * definition, in float32 (summation order differs). NCHW and empty tensors use the stock kernel.
 */

/** One phase on one axis: sub-kernel taps, output positions and the conv's pads. */
interface AxisPhase {
  rho: number;
  taps: number; // T
  qMin: number; // first q with 0 <= s q + rho - p < n
  count: number; // number of output positions of this phase
  padBefore: number; // clamped to >= 0
  padAfter: number;
  skip: number; // leading output rows of the conv to skip (clamping of a negative pad)
}

function axisPhases(n: number, k: number, s: number, p: number, outSize: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let rho = 0; rho < s; rho++) {
    const taps = rho < k ? Math.ceil((k - rho) / s) : 0;
    const qMin = Math.ceil((p - rho) / s);
    const qMax = Math.floor((n - 1 + p - rho) / s);
    const count = qMax - qMin + 1;
    if (taps <= 0 || count <= 0) continue;
    const before = taps - 1 - qMin;
    const after = qMax - (outSize - 1);
    phases.push({ rho, taps, qMin, count, padBefore: Math.max(0, before), padAfter: Math.max(0, after), skip: Math.max(0, before) - before });
  }
  return phases;
}

/** F[t, u, o, c] = W[rh + sh (th-1-t), rw + sw (tw-1-u), c, o] (a new buffer). */
function phaseFilter(wasm: WasmBackend, filter: tf.TensorInfo, ph: AxisPhase, pw: AxisPhase, sh: number, sw: number): tf.TensorInfo {
  const [, kw, cin, cout] = filter.shape;
  const out = wasm.makeOutput([ph.taps, pw.taps, cout, cin], 'float32');
  const src = wasm.typedArrayFromHeap(filter);
  const dst = wasm.typedArrayFromHeap(out);
  for (let t = 0; t < ph.taps; t++) {
    for (let u = 0; u < pw.taps; u++) {
      const a = ph.rho + sh * (ph.taps - 1 - t);
      const b = pw.rho + sw * (pw.taps - 1 - u);
      const s0 = (a * kw + b) * cin * cout;
      const d0 = (t * pw.taps + u) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) dst[d0 + o * cin + c] = src[s0 + c * cout + o];
      }
    }
  }
  return out;
}

function kernelFuncWith(original: tf.KernelConfig | undefined): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as WasmBackend;
    const dy = args.inputs.dy as tf.TensorInfo;
    const filter = args.inputs.filter as tf.TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const fallback = (): tf.TensorInfo => {
      if (original === undefined) throw new Error('lipkit: the wasm backend has no Conv2DBackpropInput kernel');
      return original.kernelFunc(args) as tf.TensorInfo;
    };
    if (dataFormat === 'NCHW' || dy.shape.length !== 4 || filter.shape.length !== 4 || inputShape.length !== 4) return fallback();
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number],
      strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
    const dyOk = dy.shape[0] === n && dy.shape[1] === oh && dy.shape[2] === ow && dy.shape[3] === cout;
    if (!dyOk || n * h * w * cin === 0 || oh * ow * cout === 0) return fallback();
    const rows = axisPhases(h, kh, sh, padInfo.top, oh);
    const cols = axisPhases(w, kw, sw, padInfo.left, ow);
    const conv = (ph: AxisPhase, pw: AxisPhase): tf.TensorInfo => {
      const f = phaseFilter(wasm, filter, ph, pw, sh, sw);
      try {
        return runWasmKernel(tf.Conv2D, wasm, { x: dy, filter: f }, {
          strides: [1, 1], pad: [[0, 0], [ph.padBefore, ph.padAfter], [pw.padBefore, pw.padAfter], [0, 0]],
          dataFormat: 'NHWC', dilations: [1, 1],
        });
      } finally {
        wasm.disposeData(f.dataId);
      }
    };
    if (sh === 1 && sw === 1 && rows.length === 1 && cols.length === 1 && rows[0].skip === 0 && cols[0].skip === 0 &&
      rows[0].count === h && cols[0].count === w) {
      const r = conv(rows[0], cols[0]);
      if (r.shape[1] === h && r.shape[2] === w) return r;
      wasm.disposeData(r.dataId);
    }
    const dx = wasm.makeOutput([n, h, w, cin], 'float32');
    try {
      wasm.typedArrayFromHeap(dx).fill(0);
      for (const ph of rows) {
        for (const pw of cols) {
          const r = conv(ph, pw);
          scatterPhase(wasm, r, dx, ph, pw, [sh, sw], [padInfo.top, padInfo.left]);
          wasm.disposeData(r.dataId);
        }
      }
    } catch (e) {
      wasm.disposeData(dx.dataId);
      throw e;
    }
    return dx;
  };
}

/** dx[b, s_h (qMin + q) + rho - p_t, s_w (...) + ..., :] = r[b, q + skip, v + skip, :] for one phase. */
function scatterPhase(wasm: WasmBackend, r: tf.TensorInfo, dx: tf.TensorInfo, ph: AxisPhase, pw: AxisPhase,
  [sh, sw]: [number, number], [top, left]: [number, number]): void {
  const [n, h, w, cin] = dx.shape;
  const [, rh, rw] = r.shape;
  const src = wasm.typedArrayFromHeap(r);
  const dst = wasm.typedArrayFromHeap(dx);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < ph.count; q++) {
      const y = sh * (ph.qMin + q) + ph.rho - top;
      for (let v = 0; v < pw.count; v++) {
        const x = sw * (pw.qMin + v) + pw.rho - left;
        const s0 = ((b * rh + q + ph.skip) * rw + v + pw.skip) * cin;
        const d0 = ((b * h + y) * w + x) * cin;
        for (let c = 0; c < cin; c++) dst[d0 + c] = src[s0 + c];
      }
    }
  }
}

/** Replaces the wasm Conv2DBackpropInput kernel by the forward-convolution formulation (idempotent). */
export function installWasmConv2DBackpropInput(): void {
  if (tf.getKernel(tf.Conv2DBackpropInput, 'wasm') === undefined) return;
  replaceKernel(tf.Conv2DBackpropInput, 'wasm', (original) => ({
    ...(original as tf.KernelConfig), kernelFunc: kernelFuncWith(original),
  }));
}

/** Restores tfjs-wasm's own Conv2DBackpropInput kernel. */
export function uninstallWasmConv2DBackpropInput(): void {
  restoreKernel(tf.Conv2DBackpropInput, 'wasm');
}
