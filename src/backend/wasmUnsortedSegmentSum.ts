import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';
import type { WasmBackend } from './wasmKernel.js';

/**
 * The UnsortedSegmentSum kernel for tfjs-wasm, which lacks it (so `tf.gather`,
 * embedding layers and `tf.unsortedSegmentSum` could not be differentiated there):
 *
 *   out[s, ...] = sum over i with segmentIds[i] = s of x[i, ...],   s in [0, numSegments)
 *
 * where i runs over the leading `segmentIds.rank` axes of x. Ids outside
 * [0, numSegments) are dropped (as the cpu backend does). Plain JavaScript on the
 * wasm heap's typed arrays, accumulated in float64; exact up to float32 rounding
 * of the result.
 */
const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idRank = ids.shape.length;
  const inner = tf.util.sizeFromShape(x.shape.slice(idRank));
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  // Allocate first: a later allocation may grow the heap and detach earlier views.
  const out = wasm.makeOutput(outShape, x.dtype);
  const xs = wasm.typedArrayFromHeap(x);
  const is = wasm.typedArrayFromHeap(ids);
  const os = wasm.typedArrayFromHeap(out);
  const acc = new Float64Array(numSegments * inner);
  for (let i = 0; i < is.length; i++) {
    const s = is[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) acc[dst + k] += xs[src + k];
  }
  os.set(acc);
  return out;
};

/** Registers the JavaScript UnsortedSegmentSum kernel on wasm (idempotent; keeps a native one if tfjs adds it). */
export function installWasmUnsortedSegmentSum(): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, 'wasm') !== undefined) return;
  replaceKernel(tf.UnsortedSegmentSum, 'wasm', () => ({
    kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc,
  }));
}

/** Removes lipkit's wasm UnsortedSegmentSum kernel. */
export function uninstallWasmUnsortedSegmentSum(): void {
  restoreKernel(tf.UnsortedSegmentSum, 'wasm');
}
