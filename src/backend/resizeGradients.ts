import * as tf from '@tensorflow/tfjs-core';
import { replaceGradient, restoreGradient } from './registry.js';

/** Interpolation taps along one axis: output k = (1 - w1[k]) input[i0[k]] + w1[k] input[i1[k]]. */
interface Taps { i0: tf.Tensor1D; i1: tf.Tensor1D; w0: tf.Tensor4D; w1: tf.Tensor4D; m: number }

/**
 * The taps of a resize along one axis, read off the backend's own forward kernel: resizing the
 * ramp 0, 1, ..., n-1 (along that axis only) returns for each output its source position, an
 * integer for nearest neighbour, i0 + w1 for bilinear (TF.js interpolates top + (bottom - top) t,
 * with bottom = min(i0 + 1, n - 1)).
 */
function taps(bilinear: boolean, n: number, m: number, alignCorners: boolean, halfPixelCenters: boolean): Taps {
  const src = tf.tidy(() => {
    const ramp = tf.reshape(tf.range(0, n, 1, 'float32'), [1, n, 1, 1]) as tf.Tensor4D;
    return (bilinear ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor)(ramp, [m, 1], alignCorners, halfPixelCenters);
  });
  const pos = src.dataSync();
  src.dispose();
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const w1 = new Float32Array(m);
  for (let k = 0; k < m; k++) {
    const p = Math.min(Math.max(pos[k], 0), n - 1);
    i0[k] = bilinear ? Math.floor(p) : Math.round(p);
    i1[k] = Math.min(i0[k] + 1, n - 1);
    w1[k] = bilinear ? p - i0[k] : 0;
  }
  return {
    i0: tf.tensor1d(i0, 'int32'), i1: tf.tensor1d(i1, 'int32'), m,
    w0: tf.tensor4d(w1.map((w) => 1 - w), [m, 1, 1, 1]), w1: tf.tensor4d(w1, [m, 1, 1, 1]),
  };
}

/** Tᵀ along `axis` (1 = height, 2 = width) of a [b, h, w, c] tensor: the weighted scatter-add of each output to its sources. */
function adjointAlong(dy: tf.Tensor4D, axis: 1 | 2, t: Taps, n: number, bilinear: boolean): tf.Tensor4D {
  const perm = axis === 1 ? [1, 0, 2, 3] : [2, 1, 0, 3];
  const front = tf.transpose(dy, perm);
  const back = bilinear
    ? tf.add(tf.unsortedSegmentSum(tf.mul(front, t.w0), t.i0, n), tf.unsortedSegmentSum(tf.mul(front, t.w1), t.i1, n))
    : tf.unsortedSegmentSum(front, t.i0, n);
  return tf.transpose(back, perm) as tf.Tensor4D;
}

/**
 * Exact gradients of `ResizeNearestNeighbor` and `ResizeBilinear` (UpSampling2D, tf.image.resize*),
 * replacing TF.js 4.22's, which are wrong or missing: on cpu, ResizeNearestNeighborGrad reads dy at
 * the wrong batch offset (wrong for batch > 1) and ResizeBilinear's gradient throws; on cpu and wasm
 * both backward kernels ignore `halfPixelCenters`; and neither backward kernel has a gradient, so a
 * gradient penalty through UpSampling2D threw. A resize is separable and linear, y = R_h x R_wᵀ per
 * channel, each row of R having one tap (nearest) or two (bilinear):
 *
 *   dx = R_hᵀ dy R_w   as weighted scatter-adds (`unsortedSegmentSum`) along height, then width,
 *
 * with the taps read off the backend's own forward kernel (so they match what it computes). Built from
 * differentiable ops, so second- and higher-order gradients work. Exact up to float32 rounding; tested
 * against the adjoint of the forward kernel and by float64 finite differences of a gradient penalty,
 * on cpu and wasm.
 */
function resizeGradient(kernelName: string, bilinear: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved as [tf.Tensor4D];
      const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeBilinearAttrs;
      return {
        images: () => tf.tidy(() => {
          const g = dy as tf.Tensor4D;
          const [, h, w] = images.shape;
          const th = taps(bilinear, h, g.shape[1], alignCorners, halfPixelCenters);
          const tw = taps(bilinear, w, g.shape[2], alignCorners, halfPixelCenters);
          return adjointAlong(adjointAlong(g, 2, tw, w, bilinear), 1, th, h, bilinear);
        }),
      };
    },
  };
}

const nearestGradient = resizeGradient(tf.ResizeNearestNeighbor, false);
const bilinearGradient = resizeGradient(tf.ResizeBilinear, true);

/** Registers both gradients (idempotent). */
export function installResizeGradients(): void {
  replaceGradient(nearestGradient);
  replaceGradient(bilinearGradient);
}

/** Restores TF.js's gradients. */
export function uninstallResizeGradients(): void {
  restoreGradient(tf.ResizeNearestNeighbor);
  restoreGradient(tf.ResizeBilinear);
}
