import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convGeometry.js';

/** A convolution as a linear map on flat vectors, with its adjoint; `dispose` frees its constants. */
export interface ConvOperator {
  /** Input dimension h * w * cin. */
  inDim: number;
  /** Output dimension oh * ow * cout. */
  outDim: number;
  /** y = A x: the convolution as tfjs-layers applies it, on x reshaped to [1, h, w, cin]. */
  apply: (x: tf.Tensor1D) => tf.Tensor1D;
  /** x = A^T y: `tf.conv2dTranspose` (Conv2DBackpropInput), then for circular padding the fold of the wrap. */
  adjoint: (y: tf.Tensor1D) => tf.Tensor1D;
  dispose: () => void;
}

/** The 0/1 matrix [n + before + after, n] of periodic padding along one axis, row-major. */
function wrapMatrix(n: number, before: number, after: number, transpose: boolean): Float32Array {
  const np = n + before + after;
  const m = new Float32Array(np * n);
  for (let i = 0; i < np; i++) {
    const src = (((i - before) % n) + n) % n;
    if (transpose) m[src * np + i] = 1;
    else m[i * n + src] = 1;
  }
  return m;
}

/**
 * Builds the convolution operator of a geometry (see `convGeometry`) and its exact adjoint
 * on the current backend. `'same'`/`'valid'` call `tf.conv2d` with tfjs's own padding split
 * (asymmetric for `'same'`: the extra row/column goes after) given as explicit pads;
 * `'circular'` pads periodically (as a product
 * with 0/1 matrices, which every backend has) and then applies a `'valid'` convolution.
 * Dilation is applied by the zeros already inserted in `geometry.kernel`.
 */
export function convOperator(geometry: ConvGeometry): ConvOperator {
  const [ah, aw] = geometry.axes;
  const { cin, cout, padding } = geometry;
  const kernel = tf.tensor4d(Float32Array.from(geometry.kernel), [ah.k, aw.k, cin, cout]);
  const strides: [number, number] = [ah.s, aw.s];
  const hp = ah.n + ah.before + ah.after;
  const wp = aw.n + aw.before + aw.after;
  const circular = padding === 'circular';
  const padH = circular && hp !== ah.n;
  const padW = circular && wp !== aw.n;
  // tfjs's own 'same'/'valid' split (convAxis reproduces computeConv2DInfo), passed as explicit
  // padding: tfjs-backend-wasm 4.22 returns zeros for conv2d with 'same' whenever
  // (out - 1) * s + k - n < 0 on an axis (stride larger than the kernel), explicit pads are right.
  const explicitPad: [[number, number], [number, number], [number, number], [number, number]] =
    [[0, 0], [ah.before, ah.after], [aw.before, aw.after], [0, 0]];
  const consts: tf.Tensor[] = [kernel];
  const ph = padH ? tf.tensor2d(wrapMatrix(ah.n, ah.before, ah.after, false), [hp, ah.n]) : null;
  const phT = padH ? tf.tensor2d(wrapMatrix(ah.n, ah.before, ah.after, true), [ah.n, hp]) : null;
  const pw = padW ? tf.tensor2d(wrapMatrix(aw.n, aw.before, aw.after, false), [wp, aw.n]) : null;
  const pwT = padW ? tf.tensor2d(wrapMatrix(aw.n, aw.before, aw.after, true), [aw.n, wp]) : null;
  for (const t of [ph, phT, pw, pwT]) if (t !== null) consts.push(t);

  /** Periodic padding of [h, w, c] to [hp, wp, c]. */
  const wrapPad = (x: tf.Tensor3D): tf.Tensor3D => {
    let t: tf.Tensor3D = x;
    if (ph !== null) t = tf.reshape(tf.matMul(ph, tf.reshape(t, [ah.n, aw.n * cin])), [hp, aw.n, cin]);
    if (pw !== null) {
      const tw = tf.reshape(tf.transpose(t, [1, 0, 2]), [aw.n, hp * cin]);
      t = tf.transpose(tf.reshape(tf.matMul(pw, tw), [wp, hp, cin]), [1, 0, 2]);
    }
    return t;
  };
  /** Adjoint of `wrapPad`: folds [hp, wp, c] back onto [h, w, c] by summing wrapped entries. */
  const wrapFold = (x: tf.Tensor3D): tf.Tensor3D => {
    let t: tf.Tensor3D = x;
    if (pwT !== null) {
      const tw = tf.reshape(tf.transpose(t, [1, 0, 2]), [wp, hp * cin]);
      t = tf.transpose(tf.reshape(tf.matMul(pwT, tw), [aw.n, hp, cin]), [1, 0, 2]);
    }
    if (phT !== null) t = tf.reshape(tf.matMul(phT, tf.reshape(t, [hp, aw.n * cin])), [ah.n, aw.n, cin]);
    return t;
  };

  const apply = (x: tf.Tensor1D): tf.Tensor1D => tf.tidy(() => {
    const x3 = tf.reshape(x, [ah.n, aw.n, cin]) as tf.Tensor3D;
    const y = circular
      ? tf.conv2d(tf.expandDims(wrapPad(x3), 0) as tf.Tensor4D, kernel, strides, 'valid')
      : tf.conv2d(tf.expandDims(x3, 0) as tf.Tensor4D, kernel, strides, explicitPad);
    return tf.reshape(y, [-1]) as tf.Tensor1D;
  });

  const adjoint = (y: tf.Tensor1D): tf.Tensor1D => tf.tidy(() => {
    const y4 = tf.reshape(y, [1, ah.out, aw.out, cout]) as tf.Tensor4D;
    if (circular) {
      const xp = tf.conv2dTranspose(y4, kernel, [1, hp, wp, cin], strides, 'valid');
      return tf.reshape(wrapFold(tf.reshape(xp, [hp, wp, cin]) as tf.Tensor3D), [-1]) as tf.Tensor1D;
    }
    const x = tf.conv2dTranspose(y4, kernel, [1, ah.n, aw.n, cin], strides, explicitPad);
    return tf.reshape(x, [-1]) as tf.Tensor1D;
  });

  return {
    inDim: ah.n * aw.n * cin,
    outDim: ah.out * aw.out * cout,
    apply,
    adjoint,
    dispose: () => consts.forEach((t) => t.dispose()),
  };
}
