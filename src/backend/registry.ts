import * as tf from '@tensorflow/tfjs-core';

/**
 * Bookkeeping for lipkit's replacements of TF.js gradients and kernels: each swap
 * remembers what it replaced, so that it is idempotent (installing twice keeps the
 * first original) and reversible (for tests and for users who want stock TF.js).
 */

const originalGradients = new Map<string, tf.GradConfig | undefined>();
const originalKernels = new Map<string, tf.KernelConfig | undefined>();

/** Replaces the registered gradient of `config.kernelName` by `config` (no warning, idempotent). */
export function replaceGradient(config: tf.GradConfig): void {
  const current = tf.getGradient(config.kernelName);
  if (current === config) return;
  if (!originalGradients.has(config.kernelName)) originalGradients.set(config.kernelName, current);
  if (current !== undefined) tf.unregisterGradient(config.kernelName);
  tf.registerGradient(config);
}

/** Puts back the gradient that `replaceGradient` replaced (or removes ours if there was none). */
export function restoreGradient(kernelName: string): void {
  if (!originalGradients.has(kernelName)) return;
  const original = originalGradients.get(kernelName);
  originalGradients.delete(kernelName);
  if (tf.getGradient(kernelName) !== undefined) tf.unregisterGradient(kernelName);
  if (original !== undefined) tf.registerGradient(original);
}

/** The gradient TF.js had registered before lipkit replaced it (undefined if none or not replaced). */
export function originalGradient(kernelName: string): tf.GradConfig | undefined {
  return originalGradients.get(kernelName);
}

const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

/**
 * Registers `make(original)` as the kernel `kernelName` on `backendName`, where
 * `original` is the kernel registered before lipkit's first replacement (undefined
 * if the backend lacks it). Idempotent: a second call keeps the first replacement.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  make: (original: tf.KernelConfig | undefined) => tf.KernelConfig,
): void {
  const k = key(kernelName, backendName);
  if (originalKernels.has(k)) return;
  const original = tf.getKernel(kernelName, backendName);
  originalKernels.set(k, original);
  if (original !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(make(original));
}

/** Puts back the kernel that `replaceKernel` replaced (or removes ours if there was none). */
export function restoreKernel(kernelName: string, backendName: string): void {
  const k = key(kernelName, backendName);
  if (!originalKernels.has(k)) return;
  const original = originalKernels.get(k);
  originalKernels.delete(k);
  if (tf.getKernel(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
  if (original !== undefined) tf.registerKernel(original);
}
