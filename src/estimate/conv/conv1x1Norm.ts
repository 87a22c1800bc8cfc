import type { ConvGeometry } from './convGeometry.js';
import type { ConvNormBound } from './convNormBound.js';
import { spectralNormUpperBound } from '../spectralNormUpperBound.js';

/** True when every spatial size of the (undilated) kernel is 1: a 1x1 (pointwise) convolution. */
export function isPointwise(g: ConvGeometry): boolean {
  return g.rawShape.slice(0, g.rank).every((k) => k === 1);
}

/**
 * Norm of a 1x1 (pointwise) convolution: the channel matrix W (cin x cout) applied at every
 * pixel. With stride 1, y = (I_pixels (x) W^T) x, whose norm is ||W||_2 whatever the spatial size
 * or padding. With stride s > 1 the layer keeps every s-th pixel: y = P (I (x) W^T) x with P a
 * coordinate projection, so ||y|| <= ||W|| ||x||, and an input supported on one kept pixel
 * attains it: the norm is again exactly ||W||_2. Dilation does not matter for a 1x1 kernel, and
 * 'same' pads nothing. CERTIFIED via `spectralNormUpperBound` (within 1 + relativeSlack of the
 * exact value); cost independent of the input size.
 */
export function conv1x1Norm(g: ConvGeometry, relativeSlack = 1e-3): ConvNormBound {
  const r = spectralNormUpperBound({ data: g.rawKernel, rows: g.cin, cols: g.cout }, { relativeSlack });
  const stride = g.strides[0] * g.strides[1] > 1 ? ` (stride ${g.strides.join('x')}: a projection after it, same norm)` : '';
  return {
    upperBound: r.upperBound,
    estimate: r.estimate,
    exact: null,
    method: `1x1 convolution = its ${g.cin}x${g.cout} channel matrix at every pixel${stride}: ${r.method}`,
  };
}
