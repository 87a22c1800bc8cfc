import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';
import { transposeLastTwo, type WasmBackend } from './wasmKernel.js';

/**
 * Fast transposed matrix products on tfjs-wasm. Its BatchMatMul and _FusedMatMul
 * kernels call the fast XNNPACK GEMM only when transposeA = transposeB = false;
 * any transposed variant (every backward pass of a dense layer uses one) takes a
 * slow fallback loop, 13-30x slower. The replacement kernels transpose the flagged
 * operand first with the wasm Transpose kernel (a copy of the last two axes,
 * O(size) work), then run the original kernel with both flags off:
 *
 *   matMul(a, b, tA, tB) = matMul(tA ? a^T : a, tB ? b^T : b, false, false)
 *
 * The result is the same product (not an approximation), broadcast batch
 * dimensions included; the transposed copies are released before returning.
 */
function wrap(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (attrs.transposeA !== true && attrs.transposeB !== true) return original.kernelFunc(args);
    const backend = args.backend as WasmBackend;
    const inputs = { ...args.inputs };
    const temps: tf.TensorInfo[] = [];
    try {
      if (attrs.transposeA === true) {
        inputs.a = transposeLastTwo(backend, inputs.a as tf.TensorInfo);
        temps.push(inputs.a);
      }
      if (attrs.transposeB === true) {
        inputs.b = transposeLastTwo(backend, inputs.b as tf.TensorInfo);
        temps.push(inputs.b);
      }
      return original.kernelFunc({
        inputs, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  return { ...original, kernelFunc };
}

const KERNELS = [tf.BatchMatMul, tf._FusedMatMul];

/**
 * Replaces the wasm BatchMatMul and _FusedMatMul kernels by versions that
 * transpose explicitly and then use the fast untransposed GEMM (exact; see above).
 * Idempotent; does nothing for kernels the wasm backend lacks.
 */
export function installWasmTransposedMatMul(): void {
  for (const name of KERNELS) {
    if (tf.getKernel(name, 'wasm') === undefined) continue;
    replaceKernel(name, 'wasm', (original) => wrap(original as tf.KernelConfig));
  }
}

/** Restores tfjs-wasm's own BatchMatMul and _FusedMatMul kernels. */
export function uninstallWasmTransposedMatMul(): void {
  for (const name of KERNELS) restoreKernel(name, 'wasm');
}
