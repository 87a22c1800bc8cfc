import type { LinearPiece } from './linearPiece.js';
import {
  activationSteps, chain, constant, layerConfig, layerWeight, registerLipschitzRule, round,
  type Layer, type LayerContext, type LayerLipschitz,
} from './layerRules.js';
import { SOFTMAX_LIPSCHITZ } from './activationLipschitz.js';
import { averagePoolingNorm, maxPoolingLipschitz } from './poolingLipschitz.js';
import { bilinearAxisNorm, installRealModelRules } from './realModelRules.js';
import { depthwiseDilationApplied } from './depthwiseDilation.js';
import { installUncertaintyRules } from './uncertaintyRules.js';

/** The rules for the tfjs-layers classes lipkit certifies; installed once by `lipschitzBound`. */
let installed = false;

export function installBuiltinRules(): void {
  if (installed) return;
  installed = true;
  installRealModelRules();
  installUncertaintyRules(); // SNGP and DUQ heads (issue 15)
  const identity = (): LayerLipschitz => ({ kind: 'steps', steps: [] });
  for (const c of ['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']) {
    registerLipschitzRule(c, identity); // identity at inference
  }
  for (const c of ['Flatten', 'Reshape', 'Permute']) {
    registerLipschitzRule(c, () => ({ kind: 'steps', steps: [{ kind: 'rearrange', method: 'rearrangement (1)' }] }));
  }
  registerLipschitzRule('ZeroPadding2D', () => ({ kind: 'steps', steps: [{ kind: 'rearrange', method: 'zero padding (isometry, 1)' }] }));
  registerLipschitzRule('Cropping2D', () => ({ kind: 'steps', steps: [{ kind: 'rearrange', method: 'cropping (projection, 1)' }] }));
  registerLipschitzRule('RepeatVector', (l) => {
    const n = Number(layerConfig(l).n);
    return constant(Math.sqrt(n), `repeat x${n} (sqrt(n))`);
  });
  registerLipschitzRule('UpSampling2D', (l, ctx) => {
    const cfg = layerConfig(l);
    const shape = ctx.inputShapes[0];
    if (cfg.interpolation === 'bilinear' && shape && shape.length === 3 && shape[0] !== null && shape[1] !== null) {
      const [sh, sw] = pair(cfg.size, 2);
      const [h, w] = [shape[0], shape[1]];
      const c = bilinearAxisNorm(h, h * sh) * bilinearAxisNorm(w, w * sw);
      return constant(c, `bilinear upsampling (exact norm of TF.js's interpolation on ${h}x${w} = ${round(c)})`);
    }
    if (cfg.interpolation !== undefined && cfg.interpolation !== 'nearest') {
      return { kind: 'unsupported', reason: `UpSampling2D interpolation '${String(cfg.interpolation)}' is not supported` };
    }
    const size = pair(cfg.size, 2);
    return constant(Math.sqrt(size[0] * size[1]), `nearest upsampling (sqrt(${size[0]}*${size[1]}))`);
  });

  registerLipschitzRule('Dense', (l, ctx) => {
    const kernel = layerWeight(l, 'kernel');
    if (!kernel) return { kind: 'unsupported', reason: 'Dense layer without a kernel weight' };
    const piece: LinearPiece = { kind: 'matrix', data: kernel.data, rows: kernel.shape[0], cols: kernel.shape[1] };
    return chain({ kind: 'steps', steps: [{ kind: 'linear', piece }] }, activationSteps(layerConfig(l).activation, ctx));
  });
  for (const c of ['Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']) registerLipschitzRule(c, convRule);

  registerLipschitzRule('BatchNormalization', (l, ctx) => {
    const cfg = layerConfig(l);
    const variance = layerWeight(l, 'moving_variance');
    if (!variance) return { kind: 'unsupported', reason: 'BatchNormalization without moving_variance' };
    const gamma = cfg.scale === false ? undefined : layerWeight(l, 'gamma');
    const eps = Number(cfg.epsilon ?? 1e-3);
    const scale = variance.data.map((v, i) => (gamma ? gamma.data[i] : 1) / Math.sqrt(v + eps));
    const rank = (ctx.inputShapes[0]?.length ?? 0) + 1;
    const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis ?? -1);
    if (axis === -1 || axis === rank - 1) return { kind: 'steps', steps: [{ kind: 'linear', piece: { kind: 'diag', scale } }] };
    let m = 0;
    for (const s of scale) m = Math.max(m, Math.abs(s));
    return constant(m, 'batch norm, inference (max |gamma/sqrt(var+eps)|)');
  });

  registerLipschitzRule('Activation', (l, ctx) => activationSteps(layerConfig(l).activation, ctx));
  registerLipschitzRule('ReLU', () => constant(1, 'relu (1)'));
  registerLipschitzRule('LeakyReLU', (l) => {
    const a = Math.abs(Number(layerConfig(l).alpha ?? 0.3));
    return constant(Math.max(1, a), `leaky relu (max(1, |alpha|) = ${round(Math.max(1, a))})`);
  });
  registerLipschitzRule('ELU', (l) => {
    const a = Number(layerConfig(l).alpha ?? 1);
    return constant(Math.max(1, Math.abs(a)), `elu (max(1, |alpha|) = ${round(Math.max(1, Math.abs(a)))})`);
  });
  registerLipschitzRule('PReLU', (l) => {
    const alpha = layerWeight(l, 'alpha');
    let m = 1;
    for (const a of alpha?.data ?? []) m = Math.max(m, Math.abs(a));
    return constant(m, `prelu (max(1, max |alpha|) = ${round(m)})`);
  });
  registerLipschitzRule('ThresholdedReLU', (l) => {
    const theta = Number(layerConfig(l).theta ?? 1);
    return theta === 0 ? constant(1, 'thresholded relu with theta 0 (1)')
      : { kind: 'unsupported', reason: `ThresholdedReLU with theta ${theta} is discontinuous` };
  });
  registerLipschitzRule('Softmax', (_l, ctx) => ctx.isLast
    ? constant(SOFTMAX_LIPSCHITZ, 'softmax (1/2, last operation)')
    : { kind: 'unsupported', reason: 'softmax inside the network is not supported (only as the last operation)' });

  registerLipschitzRule('MaxPooling1D', poolRule('max', 1));
  registerLipschitzRule('MaxPooling2D', poolRule('max', 2));
  registerLipschitzRule('AveragePooling1D', poolRule('avg', 1));
  registerLipschitzRule('AveragePooling2D', poolRule('avg', 2));
  registerLipschitzRule('GlobalMaxPooling1D', () => constant(1, 'global max pooling (1)'));
  registerLipschitzRule('GlobalMaxPooling2D', () => constant(1, 'global max pooling (1)'));
  for (const [c, axes] of [['GlobalAveragePooling1D', 1], ['GlobalAveragePooling2D', 2]] as const) {
    registerLipschitzRule(c, (_l, ctx) => {
      const spatial = (ctx.inputShapes[0] ?? []).slice(0, axes);
      if (spatial.length !== axes || spatial.some((s) => s === null)) return constant(1, 'global average pooling (<= 1, size unknown)');
      const n = (spatial as number[]).reduce((a, b) => a * b, 1);
      return constant(1 / Math.sqrt(n), `global average pooling (1/sqrt(${n}), exact)`);
    });
  }

  registerLipschitzRule('Add', () => ({ kind: 'combine', rule: 'sum', method: 'add (sum of branch bounds)' }));
  registerLipschitzRule('Average', () => ({ kind: 'combine', rule: 'mean', method: 'average (mean of branch bounds)' }));
  registerLipschitzRule('Concatenate', () => ({ kind: 'combine', rule: 'stack', method: 'concatenate (sqrt of sum of squared branch bounds)' }));
  registerLipschitzRule('Maximum', () => ({ kind: 'combine', rule: 'stack', method: 'maximum (sqrt of sum of squared branch bounds)' }));
  registerLipschitzRule('Minimum', () => ({ kind: 'combine', rule: 'stack', method: 'minimum (sqrt of sum of squared branch bounds)' }));
}

function pair(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.map(Number);
  return new Array<number>(n).fill(Number(v ?? 1));
}

function convRule(layer: Layer, ctx: LayerContext): LayerLipschitz {
  const cls = layer.getClassName();
  const cfg = layerConfig(layer);
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
    return { kind: 'unsupported', reason: `${cls} with dataFormat '${String(cfg.dataFormat)}' is not supported (channelsLast only)` };
  }
  const dims = cls === 'Conv1D' ? 1 : 2;
  const built = convKernel(layer, cls);
  if ('reason' in built) return { kind: 'unsupported', reason: built.reason };
  const strides = pair(cfg.strides, dims);
  // tfjs-layers 4.22's DepthwiseConv2D ignores its dilation: bound the map it applies (probed once).
  const dilation = cls === 'DepthwiseConv2D' && !depthwiseDilationApplied() ? [1, 1] : pair(cfg.dilationRate, dims);
  let padding = String(cfg.padding ?? 'valid');
  let inputShape: number[] | null = null;
  const shape = ctx.inputShapes[0];
  if (shape && shape.length === dims + 1 && shape.every((s) => s !== null)) inputShape = [...(shape as number[])];
  if (padding === 'causal') {
    // Causal = 'valid' after left zero padding of (k-1)*d: an isometric embedding, so the
    // norm of the 'valid' conv on the longer input bounds it.
    if (inputShape) inputShape[0] += (built.shape[0] - 1) * dilation[0];
    padding = 'valid';
  }
  if (padding !== 'same' && padding !== 'valid') return { kind: 'unsupported', reason: `${cls} padding '${padding}' is not supported` };
  const piece: LinearPiece = {
    kind: 'conv', kernel: built.data, kernelShape: built.shape, inputShape, strides, padding, dilation,
  };
  return chain({ kind: 'steps', steps: [{ kind: 'linear', piece }] }, activationSteps(cfg.activation, ctx));
}

/** The layer's map as one full convolution kernel [.., cin, cout] (depthwise and separable expanded). */
function convKernel(layer: Layer, cls: string): { data: Float64Array; shape: number[] } | { reason: string } {
  if (cls === 'Conv1D' || cls === 'Conv2D') {
    return layerWeight(layer, 'kernel') ?? { reason: `${cls} without a kernel weight` };
  }
  const depth = layerWeight(layer, 'depthwise_kernel');
  if (!depth) return { reason: `${cls} without a depthwise kernel` };
  const [kh, kw, cin, mult] = depth.shape;
  const full = new Float64Array(kh * kw * cin * cin * mult);
  for (let t = 0; t < kh * kw; t++) {
    for (let c = 0; c < cin; c++) {
      for (let m = 0; m < mult; m++) full[(t * cin + c) * cin * mult + c * mult + m] = depth.data[(t * cin + c) * mult + m];
    }
  }
  if (cls === 'DepthwiseConv2D') return { data: full, shape: [kh, kw, cin, cin * mult] };
  const point = layerWeight(layer, 'pointwise_kernel');
  if (!point) return { reason: `${cls} without a pointwise kernel` };
  const cout = point.shape[3];
  const mid = cin * mult;
  const out = new Float64Array(kh * kw * cin * cout);
  for (let t = 0; t < kh * kw; t++) {
    for (let c = 0; c < cin; c++) {
      for (let j = 0; j < mid; j++) {
        const a = full[(t * cin + c) * mid + j];
        if (a === 0) continue;
        for (let o = 0; o < cout; o++) out[(t * cin + c) * cout + o] += a * point.data[j * cout + o];
      }
    }
  }
  return { data: out, shape: [kh, kw, cin, cout] };
}

function poolRule(mode: 'max' | 'avg', dims: number) {
  return (layer: Layer, ctx: LayerContext): LayerLipschitz => {
    const cfg = layerConfig(layer);
    const pool = pair(cfg.poolSize, dims);
    const strides = cfg.strides == null ? pool : pair(cfg.strides, dims);
    const padding = String(cfg.padding ?? 'valid');
    if (mode === 'max') {
      const c = maxPoolingLipschitz(pool, strides);
      return constant(c, `max pooling (sqrt of windows per input = ${round(c)})`);
    }
    const shape = ctx.inputShapes[0];
    const spatial = shape && shape.length === dims + 1 && shape.slice(0, dims).every((s) => s !== null)
      ? (shape.slice(0, dims) as number[]) : null;
    const r = averagePoolingNorm(pool, strides, padding === 'same' ? 'same' : 'valid', spatial);
    return constant(r.lipschitz, r.method);
  };
}
