import * as tf from '@tensorflow/tfjs-core';

/**
 * The part of the tfjs-wasm backend object (`BackendWasm`) that lipkit's wasm
 * kernels use, typed structurally so that lipkit does not depend on its internals.
 */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  incRef(dataId: tf.DataId): void;
}

/**
 * Runs the wasm kernel `kernelName` directly on the backend (as tfjs-wasm's own
 * composite kernels do): no tape, no engine bookkeeping. The caller owns the
 * returned data and must release it with `backend.disposeData(out.dataId)`.
 */
export function runWasmKernel(
  kernelName: string,
  backend: WasmBackend,
  inputs: Record<string, tf.TensorInfo>,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel === undefined) throw new Error(`lipkit: the wasm backend has no ${kernelName} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Releases intermediate results of `runWasmKernel`. */
export function disposeWasm(backend: WasmBackend, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Swaps the last two axes of `x` with the wasm Transpose kernel (a new buffer the caller owns). */
export function transposeLastTwo(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return runWasmKernel(tf.Transpose, backend, { x }, { perm });
}
