import * as tf from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './wasmKernel.js';

/**
 * Guard against a tfjs-wasm 4.22 memory-corruption bug in BatchMatMul and _FusedMatMul.
 *
 * When both operands are single matrices (batch 1, no transposes), the wasm C++ computes
 * `a b` with an XNNPACK fully-connected operator that packs `b` (the "weights") at creation
 * and caches it in a map keyed by `(id of b's buffer, id of bias, activation)`, released only
 * when that buffer is disposed. The key omits b's shape, but Reshape (and ExpandDims,
 * Squeeze, the kernel's own rank-3 reshape) returns the *same* buffer id. So a buffer used as
 * b with shape [k1, n1] and later as b with shape [k2, n2] (e.g. `v` in `W v` as [n, 1] and
 * then in `outerProduct(u, v)` as [1, n]) reuses the operator packed for [k1, n1]: it reads
 * k1 columns of `a` and writes n1 columns of the output, whatever their real sizes. Results
 * are garbage or silently wrong, reads and writes go past the buffers, and the wasm heap is
 * corrupted ("memory access out of bounds" in later, unrelated ops).
 *
 * The guard remembers, per data id (the object reshapes share), the [k, n] shape with which
 * the buffer first reached the XNNPACK path. Used again with another shape, it is replaced by
 * a fresh copy (new buffer id, hence a new, correct operator) that the caller releases after
 * the product (which also deletes the copy's cached operator). Copies happen only on shape
 * changes of a shared buffer; the common case (the same weights, the same shape) is untouched
 * and keeps tfjs-wasm's operator cache.
 *
 * The same XNNPACK path also mishandles a broadcast bias of shape [1] in _FusedMatMul: it
 * reads n bias values (bias[0] for the first output column, whatever follows in memory for
 * the others). Such a bias is tiled to [n] first.
 */

/** The "k,n" shape under which each buffer (keyed by its shared DataId object) reached XNNPACK. */
const packedShape = new WeakMap<object, string>();

/** True when the stock wasm kernel takes its cached XNNPACK path for these (untransposed) operands. */
export function takesXnnPath(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  const batch = (t: tf.TensorInfo): number => tf.util.sizeFromShape(t.shape.slice(0, -2));
  return batch(a) === 1 && batch(b) === 1;
}

/**
 * Returns `b` itself if its buffer may safely key tfjs-wasm's XNNPACK operator cache with
 * b's current [k, n] shape, otherwise a fresh copy (pushed on `temps`; the caller disposes it
 * with `backend.disposeData` after the product).
 */
export function cacheSafeWeights(backend: WasmBackend, b: tf.TensorInfo, temps: tf.TensorInfo[]): tf.TensorInfo {
  const r = b.shape.length;
  const shape = `${b.shape[r - 2]},${b.shape[r - 1]}`;
  const key = b.dataId as object;
  const seen = packedShape.get(key);
  if (seen === undefined) {
    packedShape.set(key, shape);
    return b;
  }
  if (seen === shape) return b;
  const copy = runWasmKernel(tf.Identity, backend, { x: b });
  temps.push(copy);
  packedShape.set(copy.dataId as object, shape);
  return copy;
}

/**
 * Runs the stock wasm matMul kernel `original` on untransposed operands, swapping `b` for a
 * cache-safe copy when it would hit a stale XNNPACK operator, and tiling a size-1 bias to
 * the n output columns (see above).
 */
export function runMatMulCacheSafe(original: tf.KernelConfig, backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const temps: tf.TensorInfo[] = [];
  try {
    if (!takesXnnPath(a, b)) return original.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
    const safe: tf.NamedTensorInfoMap = { ...inputs, b: cacheSafeWeights(backend, b, temps) };
    const bias = inputs.bias as tf.TensorInfo | undefined;
    const n = b.shape[b.shape.length - 1];
    if (bias != null && bias.shape.length === 1 && bias.shape[0] === 1 && n !== 1) {
      safe.bias = runWasmKernel(tf.Tile, backend, { x: bias }, { reps: [n] });
      temps.push(safe.bias as tf.TensorInfo);
    }
    return original.kernelFunc({ inputs: safe, backend, attrs }) as tf.TensorInfo;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}
