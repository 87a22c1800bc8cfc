import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of lipkit's stop-gradient op: the backend's own Identity kernel, with a zero gradient. */
export const STOP_GRADIENT = 'LipkitStopGradient';

let gradientRegistered = false;

function ensureKernel(backend: string): void {
  if (!gradientRegistered) {
    tf.registerGradient({ kernelName: STOP_GRADIENT, inputsToSave: [], gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) });
    gradientRegistered = true;
  }
  if (tf.getKernel(STOP_GRADIENT, backend)) return;
  const identity = tf.getKernel('Identity', backend);
  if (!identity) throw new Error(`stopGradient: backend '${backend}' has no Identity kernel`);
  tf.registerKernel({ kernelName: STOP_GRADIENT, backendName: backend, kernelFunc: identity.kernelFunc });
}

/**
 * The identity in the forward pass, with a zero gradient (TF.js has no stop_gradient op).
 * A real kernel (the backend's Identity, registered under its own name on first use), so it
 * costs one copy and no gradient tape closure; works on any backend that has Identity.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  ensureKernel(tf.getBackend());
  return tf.engine().runKernel(STOP_GRADIENT, { x }) as T;
}
