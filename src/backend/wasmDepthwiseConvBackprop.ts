import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { replaceKernel, restoreKernel } from './registry.js';
import type { WasmBackend } from './wasmKernel.js';

/**
 * The two gradient kernels of a depthwise convolution, which tfjs-wasm 4.22 lacks (so the
 * gradients of DepthwiseConv2D and SeparableConv2D layers failed there). With
 * y[n, i, j, c*M + m] = sum_{a,b} x[n, s_h i + d_h a - p_t, s_w j + d_w b - p_l, c] W[a, b, c, m]
 * (NHWC, zero outside the input), both are the same scatter over (n, i, j, a, b, c, m):
 *
 *   dx[n, s_h i + d_h a - p_t, s_w j + d_w b - p_l, c] += dy[n, i, j, c*M + m] W[a, b, c, m]
 *   dW[a, b, c, m]                                     += x[n, s_h i + d_h a - p_t, ...,  c] dy[n, i, j, c*M + m]
 *
 * written as plain loops over the wasm heap (float64 accumulation for dW). Exact (the definition),
 * any stride, dilation and padding; O(N OH OW KH KW C M), like the forward convolution.
 */
function geometry(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const a = attrs as unknown as { strides: [number, number] | number; dilations: [number, number] | number; pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true, 'channelsLast');
}

function scatter(info: tf.backend_util.Conv2DInfo, visit: (xi: number, yi: number, wi: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padInfo } = info;
  const mult = co / c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let a = 0; a < kh; a++) {
        const r = sh * i + dh * a - padInfo.top;
        if (r < 0 || r >= h) continue;
        for (let j = 0; j < ow; j++) {
          const yBase = ((b * oh + i) * ow + j) * co;
          for (let t = 0; t < kw; t++) {
            const q = sw * j + dw * t - padInfo.left;
            if (q < 0 || q >= w) continue;
            const xBase = ((b * h + r) * w + q) * c;
            const wBase = (a * kw + t) * c * mult;
            for (let ch = 0; ch < c; ch++) {
              for (let m = 0; m < mult; m++) visit(xBase + ch, yBase + ch * mult + m, wBase + ch * mult + m);
            }
          }
        }
      }
    }
  }
}

const backpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const { inputShape, dataFormat } = attrs as unknown as { inputShape: number[]; dataFormat?: string };
  if (dataFormat === 'NCHW') throw new LipkitError('dataFormat', 'lipkit\'s wasm DepthwiseConv2dNativeBackpropInput supports NHWC only');
  const info = geometry(inputShape, filter.shape, attrs ?? {});
  const out = wasm.makeOutput(inputShape, 'float32');
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;
  const f = wasm.typedArrayFromHeap(filter) as Float32Array;
  scatter(info, (xi, yi, wi) => { dx[xi] += g[yi] * f[wi]; });
  return out;
};

const backpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const { filterShape, dataFormat } = attrs as unknown as { filterShape: number[]; dataFormat?: string };
  if (dataFormat === 'NCHW') throw new LipkitError('dataFormat', 'lipkit\'s wasm DepthwiseConv2dNativeBackpropFilter supports NHWC only');
  const info = geometry(x.shape, filterShape, attrs ?? {});
  const acc = new Float64Array(filterShape.reduce((p, v) => p * v, 1));
  const xv = wasm.typedArrayFromHeap(x) as Float32Array;
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;
  scatter(info, (xi, yi, wi) => { acc[wi] += xv[xi] * g[yi]; });
  const out = wasm.makeOutput(filterShape, 'float32');
  (wasm.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
};

/** Registers the wasm DepthwiseConv2dNativeBackpropInput/Filter kernels (idempotent; keeps native ones if tfjs adds them). */
export function installWasmDepthwiseConvBackprop(): void {
  if (tf.getKernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm') === undefined) {
    replaceKernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm', () => ({
      kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: backpropInput,
    }));
  }
  if (tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm') === undefined) {
    replaceKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm', () => ({
      kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: backpropFilter,
    }));
  }
}

/** Removes lipkit's wasm depthwise backprop kernels. */
export function uninstallWasmDepthwiseConvBackprop(): void {
  restoreKernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm');
  restoreKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm');
}
