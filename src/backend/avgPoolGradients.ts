import * as tf from '@tensorflow/tfjs-core';
import { replaceGradient, restoreGradient } from './registry.js';

type PoolAttrs = tf.AvgPoolAttrs;

/**
 * For each output position of an average pooling, the fraction of its window that lies inside
 * the input: count / (fh fw), as a [1, oh, ow, 1] tensor; null when every window is full ('valid'
 * padding, or 'same' with no overlap of the padding).
 */
function windowFraction(xShape: number[], attrs: PoolAttrs): tf.Tensor4D | null {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number],
    attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const inside = (start: number, f: number, n: number): number => Math.min(start + f, n) - Math.max(start, 0);
  const frac = new Float32Array(oh * ow);
  let full = true;
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const c = inside(i * sh - padInfo.top, fh, h) * inside(j * sw - padInfo.left, fw, w);
    frac[i * ow + j] = c / (fh * fw);
    if (c !== fh * fw) full = false;
  }
  return full ? null : tf.tensor4d(frac, [1, oh, ow, 1]);
}

/**
 * Exact gradients of average pooling, replacing TF.js 4.22's. With 'same' padding TF.js's forward
 * kernels (cpu, wasm) divide each window's sum by the number of input cells it covers, but its
 * backward kernel `AvgPoolGrad` divides by the full window size fh fw, so the stock gradient is
 * wrong at the borders (up to 0.27 absolute on a 5x6 input with a 3x3 window). With A = D⁻¹ S (S
 * the 0/1 window-sum matrix, D the counts) and AvgPoolGrad(g) = Sᵀ g / (fh fw):
 *
 *   d/dx <dy, A x> = Aᵀ dy = AvgPoolGrad(dy ⊘ f),   f = count / (fh fw) per output position,
 *
 * and the gradient of the (linear) AvgPoolGrad kernel itself, which TF.js lacks (second-order
 * gradients, e.g. a gradient penalty through AveragePooling2D / AveragePooling1D):
 *
 *   d/d(g) <ddx, Sᵀ g / (fh fw)> = S ddx / (fh fw) = avgPool(ddx) ⊙ f,   d/d(input) = 0.
 *
 * Exact (linear maps; no approximation). Tested against the adjoint of the forward kernel and by
 * float64 finite differences of a gradient penalty, on cpu and wasm. Explicit padding arrays are not
 * supported (tfjs-layers uses 'valid' or 'same').
 */
const avgPoolGradient: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const a = attrs as unknown as PoolAttrs;
    return {
      x: () => tf.tidy(() => {
        const frac = windowFraction(x.shape, a);
        const g = frac === null ? (dy as tf.Tensor) : tf.div(dy as tf.Tensor, frac);
        return tf.engine().runKernel(tf.AvgPoolGrad, { dy: g, input: x } as unknown as tf.NamedTensorMap,
          { filterSize: a.filterSize, strides: a.strides, pad: a.pad } as unknown as tf.NamedAttrMap) as tf.Tensor;
      }),
    };
  },
};

const avgPoolGradGradient: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const a = attrs as unknown as PoolAttrs;
    return {
      dy: () => tf.tidy(() => {
        if (typeof a.pad === 'object') throw new Error('lipkit: the gradient of AvgPoolGrad supports padding \'valid\', \'same\' or a number');
        const pooled = tf.avgPool(ddx as tf.Tensor4D, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
        const frac = windowFraction(x.shape, a);
        return frac === null ? pooled : tf.mul(pooled, frac);
      }),
      input: () => tf.zerosLike(x),
    };
  },
};

/** Registers both gradients (idempotent). */
export function installAvgPoolGradients(): void {
  replaceGradient(avgPoolGradient);
  replaceGradient(avgPoolGradGradient);
}

/** Restores TF.js's AvgPool gradient and removes the AvgPoolGrad one. */
export function uninstallAvgPoolGradients(): void {
  restoreGradient(tf.AvgPool);
  restoreGradient(tf.AvgPoolGrad);
}
