import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { replaceKernel, restoreKernel } from './registry.js';
import { disposeWasm, runWasmKernel, transposeLastTwo, type WasmBackend } from './wasmKernel.js';

/**
 * The Conv2DBackpropFilter kernel for tfjs-wasm, which lacks it (so the gradients
 * of conv1d, conv2d, fused conv2d and tfjs-layers Conv1D/Conv2D failed there). For
 * x [N, H, W, Cin] zero-padded to xp as the forward convolution pads it, dy
 * [N, OH, OW, Cout], strides (sh, sw), dilation 1, NHWC:
 *
 *   dW[kh, kw, :, :] = P_{kh,kw}^T D,   P_{kh,kw} = xp[:, kh : kh + sh*(OH-1)+1 : sh, kw : ... : sw, :]
 *
 * with P reshaped to [N*OH*OW, Cin] and D = dy reshaped to [N*OH*OW, Cout]. It is
 * computed as (D^T P)^T with one transpose of dy and KH*KW untransposed wasm
 * matMuls (the fast XNNPACK path), composed from the wasm Pad, Slice/StridedSlice,
 * Transpose and BatchMatMul kernels (kept as a fallback). A faster equivalent is
 * used for every stride: the same sums written as one convolution with the roles
 * swapped, the stride of the forward convolution becoming a dilation,
 *
 *   dW^T[c, a, b, o] = sum_{n,i,j} x^T[c, sh i + a - pt, sw j + b - pl, n] dy^T[i, j, n, o]
 *                    = conv2d(x^T [Cin, H, W, N], dy^T [OH, OW, N, Cout], stride 1,
 *                             dilation (sh, sw), pads pt / KH + (OH-1) sh - H - pt (likewise)),
 *
 * run by the fast wasm (XNNPACK) Conv2D kernel (stride 1: 2.6x faster than the matMul
 * loop; stride 2 at 3x3 32->32, 32x32, batch 64: 640 -> ~30 ms). A negative bottom/right
 * pad (input rows the forward convolution never reads) is clamped to 0 and the extra
 * output rows (taps >= KH) are cut off. Exact either way (the same sums as the
 * definition, in float32); it is the gradient of conv2d w.r.t. the filter.
 */
function swappedRoleFilterGradient(wasm: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, padInfo, inChannels: cin, outChannels: cout } = info;
  const bottom = kh + (oh - 1) * sh - h - padInfo.top;
  const right = kw + (ow - 1) * sw - w - padInfo.left;
  const temps: tf.TensorInfo[] = [];
  try {
    const xT = runWasmKernel(tf.Transpose, wasm, { x }, { perm: [3, 1, 2, 0] });
    temps.push(xT);
    const dF = runWasmKernel(tf.Transpose, wasm, { x: dy }, { perm: [1, 2, 0, 3] });
    temps.push(dF);
    const r = runWasmKernel(tf.Conv2D, wasm, { x: xT, filter: dF }, {
      strides: [1, 1], pad: [[0, 0], [padInfo.top, Math.max(0, bottom)], [padInfo.left, Math.max(0, right)], [0, 0]],
      dataFormat: 'NHWC', dilations: [sh, sw],
    });
    temps.push(r);
    const g = runWasmKernel(tf.Transpose, wasm, { x: r }, { perm: [1, 2, 0, 3] }); // [KH', KW', Cin, Cout]
    if (g.shape[0] === kh && g.shape[1] === kw) return g;
    temps.push(g);
    return runWasmKernel(tf.Slice, wasm, { x: g }, { begin: [0, 0, 0, 0], size: [kh, kw, cin, cout] });
  } finally {
    disposeWasm(wasm, temps);
  }
}

const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new LipkitError('dataFormat', 'lipkit\'s wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inChannels: cin, outChannels: cout, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const m = n * oh * ow;
  if (m > 0 && cin > 0 && cout > 0 && padInfo.top >= 0 && padInfo.left >= 0) {
    return swappedRoleFilterGradient(wasm, x, dy, info);
  }
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => { temps.push(t); return t; };
  try {
    const out = wasm.makeOutput([kh, kw, cin, cout], 'float32');
    if (m === 0 || cin === 0 || cout === 0) {
      wasm.typedArrayFromHeap(out).fill(0);
      return out;
    }
    // Pad enough on each side for every filter tap (the bottom/right may need less than padInfo says).
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const padBottom = Math.max(0, needH - padInfo.top - x.shape[1]);
    const padRight = Math.max(0, needW - padInfo.left - x.shape[2]);
    const xp = padInfo.top > 0 || padInfo.left > 0 || padBottom > 0 || padRight > 0
      ? keep(runWasmKernel(tf.PadV2, wasm, { x }, {
        paddings: [[0, 0], [padInfo.top, padBottom], [padInfo.left, padRight], [0, 0]], constantValue: 0,
      }))
      : x;
    const d2 = keep(runWasmKernel(tf.Reshape, wasm, { x: dy }, { shape: [m, cout] }));
    const dT = keep(transposeLastTwo(wasm, d2)); // [cout, m]
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const patch = sh === 1 && sw === 1
          ? runWasmKernel(tf.Slice, wasm, { x: xp }, { begin: [0, i, j, 0], size: [n, oh, ow, cin] })
          : runWasmKernel(tf.StridedSlice, wasm, { x: xp }, {
            begin: [0, i, j, 0], end: [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin], strides: [1, sh, sw, 1],
            beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
          });
        const p2 = runWasmKernel(tf.Reshape, wasm, { x: patch }, { shape: [m, cin] });
        const prod = runWasmKernel(tf.BatchMatMul, wasm, { a: dT, b: p2 }, { transposeA: false, transposeB: false });
        // prod is [cout, cin]; write its transpose into out[i, j, :, :]. Views are taken after all allocations.
        const src = wasm.typedArrayFromHeap(prod);
        const dst = wasm.typedArrayFromHeap(out);
        const base = (i * kw + j) * cin * cout;
        for (let c = 0; c < cin; c++) {
          for (let o = 0; o < cout; o++) dst[base + c * cout + o] = src[o * cin + c];
        }
        disposeWasm(wasm, [patch, p2, prod]);
      }
    }
    return out;
  } finally {
    disposeWasm(wasm, temps);
  }
};

/** Registers lipkit's Conv2DBackpropFilter kernel on wasm (idempotent; keeps a native one if tfjs adds it). */
export function installWasmConv2DBackpropFilter(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined) return;
  replaceKernel(tf.Conv2DBackpropFilter, 'wasm', () => ({
    kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc,
  }));
}

/** Removes lipkit's wasm Conv2DBackpropFilter kernel. */
export function uninstallWasmConv2DBackpropFilter(): void {
  restoreKernel(tf.Conv2DBackpropFilter, 'wasm');
}
