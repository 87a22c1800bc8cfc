import * as tf from '@tensorflow/tfjs-core';
import { exactSingularValues } from '../exactSingularValues.js';
import { convGeometryOf } from '../conv/convGeometry.js';
import { convFastNorm } from '../conv/convFastNorm.js';
import { constant, layerConfig, layerWeight, registerLipschitzRule, round, type Layer, type LayerContext, type LayerLipschitz } from './layerRules.js';

/**
 * Rules for layers of Keras application models that the core rules do not cover (issue 10):
 * Rescaling, Conv2DTranspose and bilinear UpSampling2D. Installed by
 * `installBuiltinRules`.
 */
export function installRealModelRules(): void {
  registerLipschitzRule('Rescaling', (l) => {
    const scale = Number(layerConfig(l).scale ?? 1);
    return constant(Math.abs(scale), `rescaling x * ${round(scale)} + offset (|scale|)`);
  });
  registerLipschitzRule('Conv2DTranspose', conv2dTransposeRule);
}

/**
 * Conv2DTranspose computes `tf.conv2dTranspose(x, K, outShape, strides, padding)`, the adjoint of
 * the convolution `conv2d(., K, strides, padding)` on inputs of the layer's output shape
 * (kernel `[kh, kw, filters, cin]` read as a forward kernel filters -> cin). An operator and its
 * adjoint have the same norm, so the forward convolution's certified norm (`convFastNorm`) bounds
 * it. tfjs-layers 4.22 passes no dilation to `conv2dTranspose`, so none is applied here either.
 * The norm is taken here (not merged with neighbours: the channel axes are swapped).
 */
function conv2dTransposeRule(layer: Layer, ctx: LayerContext): LayerLipschitz {
  const cfg = layerConfig(layer);
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
    return { kind: 'unsupported', reason: `Conv2DTranspose with dataFormat '${String(cfg.dataFormat)}' is not supported (channelsLast only)` };
  }
  const kernel = layerWeight(layer, 'kernel');
  if (!kernel) return { kind: 'unsupported', reason: 'Conv2DTranspose without a kernel weight' };
  const shape = ctx.inputShapes[0];
  if (!shape || shape.length !== 3 || shape.some((s) => s === null)) {
    return { kind: 'unsupported', reason: 'Conv2DTranspose needs a known input shape (pass --input-shape)' };
  }
  const out = layer.computeOutputShape([null, ...shape]) as (number | null)[];
  const padding = String(cfg.padding ?? 'valid');
  if (padding !== 'same' && padding !== 'valid') return { kind: 'unsupported', reason: `Conv2DTranspose padding '${padding}' is not supported` };
  const strides = Array.isArray(cfg.strides) ? cfg.strides.map(Number) : [Number(cfg.strides ?? 1), Number(cfg.strides ?? 1)];
  const g = convGeometryOf(kernel.data, kernel.shape, [Number(out[1]), Number(out[2]), kernel.shape[2]], { strides, padding });
  const r = convFastNorm(g);
  const act = String(cfg.activation ?? 'linear');
  const steps: LayerLipschitz = constant(r.upperBound, `transposed convolution = adjoint of a convolution on ${out.slice(1).join('x')}: ${r.method}`);
  if (act === 'linear') return steps;
  return { kind: 'unsupported', reason: `Conv2DTranspose with a fused activation '${act}' is not supported (use a separate Activation layer)` };
}

/**
 * Certified norm of `tf.image.resizeBilinear` from n to m along one axis, as TF.js computes it:
 * the 1-D interpolation matrix is read off the op itself (a `[1, n, 1, n]` identity resized to
 * `[1, m, 1, n]`, float32 weights such as 1/4, 3/4), and its exact top singular value (float64
 * Jacobi) times 1 + 1e-6 for float32 rounding of the weights. Bilinear resizing is the tensor
 * product of the two axes' interpolations (identity on channels), so the layer's norm is the
 * product of the two axes' norms.
 */
export function bilinearAxisNorm(n: number, m: number): number {
  const values = tf.tidy(() => {
    const eye = tf.reshape(tf.eye(n), [1, n, 1, n]);
    return tf.image.resizeBilinear(eye as tf.Tensor4D, [m, 1]).dataSync();
  });
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) rows.push(Array.from(values.subarray(i * n, (i + 1) * n)));
  return exactSingularValues(rows)[0] * (1 + 1e-6);
}
