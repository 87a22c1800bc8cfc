import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, restoreKernel } from './registry.js';
import { transposeLastTwo, type WasmBackend } from './wasmKernel.js';
import { runMatMulCacheSafe } from './wasmMatMulWeights.js';

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
 *
 * Batched products (more than one batch matrix) with at least `PER_MATRIX_GEMM_MIN_WORK`
 * multiply-adds per matrix run as one XNNPACK GEMM per batch matrix (`perBatch`): the
 * stock kernel sends every batched product to its plain loop, ~4x slower at attention sizes.
 *
 * It also fixes a stock tfjs-wasm bug: _FusedMatMul with a bias (or prelu
 * weights) and more than one batch matrix returns wrong values for every batch
 * matrix but the first; such products are run one batch matrix at a time.
 *
 * Every product that reaches tfjs-wasm's cached XNNPACK path goes through
 * `runMatMulCacheSafe` (wasmMatMulWeights.ts), which avoids a stale-operator bug of
 * that cache (wrong results and wasm heap corruption when a buffer is reused as the
 * right operand with another shape, as reshapes do).
 */
/**
 * Per-matrix work m k n from which a batched product runs as one XNNPACK GEMM per batch matrix
 * (below it the stock batched loop is cheaper than creating an XNNPACK operator per matrix).
 */
export const PER_MATRIX_GEMM_MIN_WORK = 1 << 16;

/**
 * Untransposed batched product (a [ba, m, k], b [bb, k, n], ba, bb in {1, batch}) as one stock
 * 2-D product per batch matrix, with the other inputs (a fused product's bias or prelu weights)
 * passed as they are. Serves two cases: a plain product with enough work per matrix (the fast
 * XNNPACK GEMM; tfjs-wasm runs batched products on a plain loop, ~4x slower at attention sizes)
 * and a fused product with a bias (stock tfjs-wasm gets every batch matrix but the first wrong).
 * Each operand matrix is copied into a fresh buffer (a fresh XNNPACK operator, released with
 * it), a broadcast one is used as is.
 */
function perBatch(original: tf.KernelConfig, backend: WasmBackend, inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap): tf.TensorInfo {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const [ba, m, k] = a.shape;
  const [bb, , n] = b.shape;
  const batch = Math.max(ba, bb);
  const out = backend.makeOutput([batch, m, n], 'float32');
  for (let i = 0; i < batch; i++) {
    const temps: tf.TensorInfo[] = [];
    try {
      const pick = (t: tf.TensorInfo, rows: number, cols: number): tf.TensorInfo => {
        if (t.shape[0] === 1) return t;
        const s = backend.makeOutput([1, rows, cols], 'float32');
        temps.push(s);
        // views taken after the allocation (a growing heap detaches older views)
        backend.typedArrayFromHeap(s).set(backend.typedArrayFromHeap(t).subarray(i * rows * cols, (i + 1) * rows * cols));
        return s;
      };
      const r = runMatMulCacheSafe(original, backend, { ...inputs, a: pick(a, m, k), b: pick(b, k, n) }, attrs);
      temps.push(r);
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(r), i * m * n);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }
  return out;
}

/** True for a plain (not fused) batched product of rank-3 operands with enough work per matrix for `perBatch`. */
function perMatrix(fused: boolean, inputs: tf.NamedTensorInfoMap): boolean {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  if (fused || a.shape.length !== 3 || b.shape.length !== 3 || a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  const batch = Math.max(a.shape[0], b.shape[0]);
  if (batch < 2 || (a.shape[0] !== batch && a.shape[0] !== 1) || (b.shape[0] !== batch && b.shape[0] !== 1)) return false;
  return a.shape[1] * a.shape[2] * b.shape[2] >= PER_MATRIX_GEMM_MIN_WORK;
}

function wrap(original: tf.KernelConfig): tf.KernelConfig {
  const fused = original.kernelName === tf._FusedMatMul;
  const kernelFunc: tf.KernelFunc = (args) => {
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const backend = args.backend as WasmBackend;
    const needsSplit = fused && (args.inputs.bias != null || args.inputs.preluActivationWeights != null) &&
      Math.max((args.inputs.a as tf.TensorInfo).shape[0], (args.inputs.b as tf.TensorInfo).shape[0]) > 1;
    if (attrs.transposeA !== true && attrs.transposeB !== true && !needsSplit) {
      if (perMatrix(fused, args.inputs)) return perBatch(original, backend, args.inputs, args.attrs ?? {});
      return runMatMulCacheSafe(original, backend, args.inputs, args.attrs ?? {});
    }
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
      const flat = { ...args.attrs, transposeA: false, transposeB: false };
      if (needsSplit || perMatrix(fused, inputs)) return perBatch(original, backend, inputs, flat);
      return runMatMulCacheSafe(original, backend, inputs, flat);
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
