import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';
import type { WasmBackend } from './wasmKernel.js';

type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

/**
 * For each output of a max pooling over x [b, h, w, c] (NHWC), the flat index in x of the FIRST
 * maximum of its window in window order (row-major), TF.js's rule on cpu; -1 for an empty window.
 */
function argmaxes(xv: ArrayLike<number>, xShape: number[], attrs: PoolAttrs): { info: tf.backend_util.Conv2DInfo; at: Int32Array } {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const at = new Int32Array(n * oh * ow * c).fill(-1);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let ch = 0; ch < c; ch++) {
    let best = -Infinity;
    let arg = -1;
    for (let a = 0; a < fh; a++) {
      const r = i * sh - padInfo.top + a;
      if (r < 0 || r >= h) continue;
      for (let t = 0; t < fw; t++) {
        const q = j * sw - padInfo.left + t;
        if (q < 0 || q >= w) continue;
        const k = ((b * h + r) * w + q) * c + ch;
        const v = xv[k];
        if (arg < 0 || v > best) { best = v; arg = k; }
      }
    }
    at[((b * oh + i) * ow + j) * c + ch] = arg;
  }
  return { info, at };
}

/** MaxPoolGrad: dx[argmax of window o] += dy[o]. */
const maxPoolGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  const { at } = argmaxes(wasm.typedArrayFromHeap(x) as Float32Array, x.shape, attrs as unknown as PoolAttrs);
  const g = wasm.typedArrayFromHeap(dy) as Float32Array;
  const out = wasm.makeOutput(x.shape, 'float32');
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  at.forEach((k, o) => { if (k >= 0) dx[k] += g[o]; });
  return out;
};

/** MaxPoolWithArgmax: the maxima and their flat indexes (with or without the batch). */
const maxPoolWithArgmax: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const xv = wasm.typedArrayFromHeap(x) as Float32Array;
  const { info, at } = argmaxes(xv, x.shape, attrs as unknown as PoolAttrs);
  const { includeBatchInIndex } = attrs as unknown as { includeBatchInIndex: boolean };
  const perImage = info.inHeight * info.inWidth * info.inChannels;
  const shape = [info.batchSize, info.outHeight, info.outWidth, info.inChannels];
  const result = wasm.makeOutput(shape, 'float32');
  const indexes = wasm.makeOutput(shape, 'int32');
  const rv = wasm.typedArrayFromHeap(result) as Float32Array;
  const iv = wasm.typedArrayFromHeap(indexes) as Int32Array;
  at.forEach((k, o) => { rv[o] = xv[k]; iv[o] = includeBatchInIndex ? k : k % perImage; });
  return [result, indexes];
};

/**
 * tfjs-wasm 4.22's MaxPoolGrad and MaxPoolWithArgmax kernels start each window's maximum at
 * FLT_MIN (the smallest POSITIVE float) instead of -Infinity: on a window whose values are all
 * negative they route the gradient to the wrong cell or drop it, and return 1.2e-38 as the maximum
 * (so the first-order gradient of a MaxPooling layer after tanh or a linear layer was wrong on wasm,
 * lipkit's default backend in Node). These replacements compute the first maximum of each window
 * in window order, TF.js's rule on cpu (plain loops over the wasm heap; exact).
 */
export function installWasmMaxPoolArgmax(): void {
  replaceKernel(tf.MaxPoolGrad, 'wasm', () => ({ kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad }));
  replaceKernel(tf.MaxPoolWithArgmax, 'wasm', () => ({ kernelName: tf.MaxPoolWithArgmax, backendName: 'wasm', kernelFunc: maxPoolWithArgmax }));
}

/** Restores tfjs-wasm's kernels. */
export function uninstallWasmMaxPoolArgmax(): void {
  restoreKernel(tf.MaxPoolGrad, 'wasm');
  restoreKernel(tf.MaxPoolWithArgmax, 'wasm');
}
