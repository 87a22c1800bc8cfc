import * as tfl from '@tensorflow/tfjs-layers';
import { layerConfig, layerWeight, type Layer } from '../network/layerRules.js';
import type { ChainActivation, ChainLinear, ChainResult } from './chainTypes.js';
import { convMatrix } from './convMatrix.js';
import { gamma } from '../linalg64.js';
import { activationSlopes, eluSlopes, leakyReluSlopes } from './slopeBounds.js';

/** Largest dense matrix (entries) a convolution is expanded to. */
const MAX_CONV_ENTRIES = 2e7;

type Op =
  | { kind: 'affine'; lin: ChainLinear }
  | { kind: 'act'; act: ChainActivation; layer: string }
  | { kind: 'post'; factor: number; note: string }
  /** Inference batch norm: x -> scale * x + shift per entry (float64 scale: relative rounding <= 4u). */
  | { kind: 'scale'; scale: Float64Array; shift: Float64Array; layer: string };

/**
 * Reads a feed-forward model as the chain `f(x) = c W_m s_{m-1}(... s_1(W_1 x + b_1) ...) + b_m`
 * that the tight global methods (Combettes-Pesquet, ECLipsE, LipSDP-Neuron, exact planar) work on.
 * Accepted: a single-input single-output chain of Dense (on flat inputs), Conv1D / Conv2D
 * ('same' / 'valid', expanded to their exact dense matrix when the input shape is known and the
 * matrix has at most 2e7 entries), BatchNormalization (inference, last axis), Flatten / Reshape,
 * Dropout-like identities, and slope-restricted activations (see `activationSlopes`).
 * Consecutive affine maps are merged in float64 (with a bound on the merge rounding); an
 * activation not preceded by an affine map gets an identity block; activations after the last
 * block and a final softmax become the certified `postFactor` (max slope; 1/2).
 * Anything else returns `{ ok: false, reason }` naming the layer.
 */
export function extractLayerChain(model: tfl.LayersModel, options: { inputShape?: number[] } = {}): ChainResult {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return { ok: false, reason: 'the model has several inputs or outputs' };
  let shape: (number | null)[] = options.inputShape ?? model.inputs[0].shape.slice(1);
  const ops: Op[] = [];
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1 || nodes[0].inputTensors.length !== 1) return { ok: false, reason: `layer '${layer.name}' is not part of a simple chain` };
    const prev = i === 0 ? model.inputs[0] : layers[i - 1].output;
    if (nodes[0].inputTensors[0] !== prev) return { ok: false, reason: `layer '${layer.name}' does not follow the previous layer (branches are not supported)` };
    const r = layerOps(layer, shape, i === layers.length - 1);
    if ('reason' in r) return { ok: false, reason: `layer '${layer.name}' (${layer.getClassName()}): ${r.reason}` };
    ops.push(...r.ops);
    shape = r.shape;
  }
  return fold(ops, shape);
}

function layerOps(layer: Layer, shape: (number | null)[], isLast: boolean): { ops: Op[]; shape: (number | null)[] } | { reason: string } {
  const cls = layer.getClassName();
  const cfg = layerConfig(layer);
  const flat = shape.every((s) => s !== null) ? (shape as number[]).reduce((a, b) => a * b, 1) : null;
  switch (cls) {
    case 'Dropout': case 'GaussianNoise': case 'GaussianDropout': case 'AlphaDropout': case 'SpatialDropout1D':
      return { ops: [], shape };
    case 'Flatten': return flat === null ? { reason: 'unknown input size' } : { ops: [], shape: [flat] };
    case 'Reshape': return flat === null ? { reason: 'unknown input size' } : { ops: [], shape: (cfg.targetShape as number[]).map((d) => (d === -1 ? null : d)) };
    case 'Dense': {
      if (shape.length !== 1 || shape[0] === null) return { reason: 'Dense on a non-flat or unknown-size input' };
      const k = layerWeight(layer, 'kernel');
      if (!k) return { reason: 'no kernel' };
      const [rin, out] = k.shape;
      const weight = new Float64Array(out * rin);
      for (let a = 0; a < rin; a++) for (let b = 0; b < out; b++) weight[b * rin + a] = k.data[a * out + b];
      const bias = layerWeight(layer, 'bias')?.data ?? new Float64Array(out);
      const act = activationOp(cfg.activation, layer.name, isLast);
      if ('reason' in act) return act;
      return { ops: [{ kind: 'affine', lin: { weight, bias, rows: out, cols: rin, mergeError: 0, layers: [layer.name] } }, ...act.ops], shape: [out] };
    }
    case 'Conv1D': case 'Conv2D': {
      const dims = cls === 'Conv1D' ? 1 : 2;
      if (shape.length !== dims + 1 || flat === null) return { reason: 'input shape unknown (pass inputShape)' };
      if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') return { reason: 'channelsFirst is not supported' };
      const padding = String(cfg.padding ?? 'valid');
      if (padding !== 'same' && padding !== 'valid') return { reason: `padding '${padding}' is not supported` };
      const k = layerWeight(layer, 'kernel');
      if (!k) return { reason: 'no kernel' };
      const pair = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : new Array<number>(dims).fill(Number(v ?? 1)));
      const st = pair(cfg.strides);
      const dl = pair(cfg.dilationRate);
      const s = shape as number[];
      const kshape = (dims === 1 ? [1, ...k.shape] : k.shape) as [number, number, number, number];
      const input = (dims === 1 ? [1, s[0], s[1]] : s) as [number, number, number];
      const m = convMatrix(k.data, kshape, input, (dims === 1 ? [1, st[0]] : st) as [number, number], (dims === 1 ? [1, dl[0]] : dl) as [number, number], padding, MAX_CONV_ENTRIES);
      if (m === null) return { reason: `its dense matrix would have more than ${MAX_CONV_ENTRIES} entries` };
      const cb = layerWeight(layer, 'bias')?.data;
      const cout = kshape[3];
      const bias = new Float64Array(m.rows).map((_, r) => (cb ? cb[r % cout] : 0));
      const act = activationOp(cfg.activation, layer.name, isLast);
      if ('reason' in act) return act;
      const outShape = dims === 1 ? [m.outShape[1], m.outShape[2]] : m.outShape;
      return { ops: [{ kind: 'affine', lin: { weight: m.weight, bias, rows: m.rows, cols: m.cols, mergeError: 0, layers: [layer.name] } }, ...act.ops], shape: outShape };
    }
    case 'BatchNormalization': {
      if (flat === null) return { reason: 'unknown input size' };
      const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis ?? -1);
      if (axis !== -1 && axis !== shape.length) return { reason: 'only the last axis is supported' };
      const v = layerWeight(layer, 'moving_variance');
      const mu = layerWeight(layer, 'moving_mean');
      if (!v || !mu) return { reason: 'missing moving statistics' };
      const g = cfg.scale === false ? undefined : layerWeight(layer, 'gamma');
      const b = cfg.center === false ? undefined : layerWeight(layer, 'beta');
      const eps = Number(cfg.epsilon ?? 1e-3);
      const c = v.data.length;
      const scale = new Float64Array(flat);
      const shift = new Float64Array(flat);
      for (let i = 0; i < flat; i++) {
        const ch = i % c;
        scale[i] = (g ? g.data[ch] : 1) / Math.sqrt(v.data[ch] + eps);
        shift[i] = (b ? b.data[ch] : 0) - mu.data[ch] * scale[i];
      }
      return { ops: [{ kind: 'scale', scale, shift, layer: layer.name }], shape };
    }
    case 'Activation': {
      const a = activationOp(cfg.activation, layer.name, isLast);
      return 'reason' in a ? a : { ops: a.ops, shape };
    }
    case 'ReLU': {
      if (cfg.maxValue != null) return { ops: [{ kind: 'act', act: { name: 'relu6', alpha: 0, beta: 1, negativeSlope: null }, layer: layer.name }], shape };
      return { ops: [{ kind: 'act', act: activationSlopes('relu') as ChainActivation, layer: layer.name }], shape };
    }
    case 'LeakyReLU': return { ops: [{ kind: 'act', act: leakyReluSlopes(Number(cfg.alpha ?? 0.3)), layer: layer.name }], shape };
    case 'ELU': {
      const e = eluSlopes(Number(cfg.alpha ?? 1));
      return e ? { ops: [{ kind: 'act', act: e, layer: layer.name }], shape } : { reason: 'ELU with negative alpha' };
    }
    case 'Softmax':
      return isLast ? { ops: [{ kind: 'post', factor: 0.5, note: 'softmax (1/2, last operation)' }], shape } : { reason: 'softmax inside the network' };
    default:
      return { reason: 'not a Dense / Conv / BatchNorm / slope-restricted activation layer' };
  }
}

function activationOp(name: unknown, layer: string, isLast: boolean): { ops: Op[] } | { reason: string } {
  const act = typeof name === 'string' ? name : 'linear';
  if (act === 'linear') return { ops: [] };
  if (act === 'softmax') return isLast ? { ops: [{ kind: 'post', factor: 0.5, note: 'softmax (1/2, last operation)' }] } : { reason: 'softmax inside the network' };
  const s = activationSlopes(act);
  return s ? { ops: [{ kind: 'act', act: s, layer }] } : { reason: `activation '${act}' has no slope bounds` };
}

function fold(ops: Op[], finalShape: (number | null)[]): ChainResult {
  const linears: ChainLinear[] = [];
  const activations: ChainActivation[] = [];
  const notes: string[] = [];
  let postFactor = 1;
  let pendingAct: ChainActivation[] = []; // activations after the last affine block
  let dim: number | null = null;
  const firstAffine = ops.find((o) => o.kind === 'affine');
  if (!firstAffine || firstAffine.kind !== 'affine') return { ok: false, reason: 'the model has no Dense or Conv layer' };
  const inputDim = firstAffine.lin.cols;
  for (const op0 of ops) {
    let op = op0;
    if (op.kind === 'scale') {
      const { scale, shift } = op;
      if (linears.length > 0 && pendingAct.length === 0) {
        const prev = linears.pop() as ChainLinear;
        linears.push(scaleRows(prev, scale, shift, op.layer));
        notes.push(`merged ${prev.layers.join(' -> ')} -> ${op.layer}`);
        continue;
      }
      const n = scale.length;
      if (n * n > MAX_CONV_ENTRIES) return { ok: false, reason: `batch norm '${op.layer}' after an activation on ${n} features is too large to expand` };
      const weight = new Float64Array(n * n);
      for (let i = 0; i < n; i++) weight[i * n + i] = scale[i];
      op = { kind: 'affine', lin: { weight, bias: Float64Array.from(shift), rows: n, cols: n, mergeError: 4 * 2 ** -53 * Math.sqrt(frob2(scale)), layers: [op.layer] } };
    }
    if (op.kind === 'post') { postFactor *= op.factor; notes.push(op.note); continue; }
    if (op.kind === 'act') {
      if (linears.length === 0 || pendingAct.length > 0) {
        const n = linears.length === 0 ? inputDim : (dim as number);
        linears.push(identity(n, op.layer));
        if (pendingAct.length) activations.push(pendingAct.pop() as ChainActivation);
        notes.push(`identity block inserted before activation of '${op.layer}'`);
      }
      pendingAct.push(op.act);
      continue;
    }
    const lin = op.lin;
    if (linears.length > 0 && pendingAct.length === 0) {
      const prev = linears.pop() as ChainLinear;
      if (prev.rows !== lin.cols) return { ok: false, reason: `shape mismatch merging ${prev.layers.join(',')} and ${lin.layers.join(',')}` };
      linears.push(mergeAffine(prev, lin));
      notes.push(`merged ${[...prev.layers, ...lin.layers].join(' -> ')}`);
    } else {
      if (pendingAct.length) activations.push(pendingAct.pop() as ChainActivation);
      if (linears.length > 0 && (linears[linears.length - 1].rows !== lin.cols)) return { ok: false, reason: `shape mismatch before ${lin.layers.join(',')}` };
      linears.push(lin);
    }
    dim = lin.rows;
  }
  for (const a of pendingAct) {
    const c = Math.max(Math.abs(a.alpha), Math.abs(a.beta));
    postFactor *= c;
    notes.push(`final activation ${a.name}: factor ${c}`);
  }
  void finalShape;
  return { ok: true, chain: { inputDim, linears, activations, postFactor, notes } };
}

function scaleRows(lin: ChainLinear, scale: Float64Array, shift: Float64Array, layer: string): ChainLinear {
  const { rows, cols } = lin;
  const weight = new Float64Array(rows * cols);
  const bias = new Float64Array(rows);
  let smax = 0;
  for (let i = 0; i < rows; i++) {
    smax = Math.max(smax, Math.abs(scale[i]));
    bias[i] = lin.bias[i] * scale[i] + shift[i];
    for (let j = 0; j < cols; j++) weight[i * cols + j] = lin.weight[i * cols + j] * scale[i];
  }
  // Rounding of the scale (4u relative) and of the product (u): 5u ||W||_F max|s|, plus the propagated error.
  const mergeError = (5 * 2 ** -53 * Math.sqrt(frob2(lin.weight)) * smax + lin.mergeError * smax * (1 + 5 * 2 ** -53)) * (1 + 1e-12);
  return { weight, bias, rows, cols, mergeError, layers: [...lin.layers, layer] };
}

function identity(n: number, layer: string): ChainLinear {
  const weight = new Float64Array(n * n);
  for (let i = 0; i < n; i++) weight[i * n + i] = 1;
  return { weight, bias: new Float64Array(n), rows: n, cols: n, mergeError: 0, layers: [`identity before ${layer}`] };
}

/** second o first in float64: W = W2 W1, b = W2 b1 + b2, with the merge-rounding bound (see ChainLinear.mergeError). */
export function mergeAffine(first: ChainLinear, second: ChainLinear): ChainLinear {
  const { rows, cols } = { rows: second.rows, cols: first.cols };
  const k = first.rows;
  const weight = new Float64Array(rows * cols);
  const bias = Float64Array.from(second.bias);
  for (let i = 0; i < rows; i++) {
    const oo = i * cols;
    for (let p = 0; p < k; p++) {
      const a = second.weight[i * k + p];
      if (a === 0) continue;
      bias[i] += a * first.bias[p];
      const bo = p * cols;
      for (let j = 0; j < cols; j++) weight[oo + j] += a * first.weight[bo + j];
    }
  }
  const fa = Math.sqrt(frob2(second.weight)) * (1 + 1e-12);
  const fb = Math.sqrt(frob2(first.weight)) * (1 + 1e-12);
  // ||fl(A B) - A_exact B_exact||_F <= gamma_k ||A||_F ||B||_F + e_A ||B||_F + ||A||_F e_B + e_A e_B.
  const mergeError = (gamma(k) * fa * fb + second.mergeError * fb + fa * first.mergeError + second.mergeError * first.mergeError) * (1 + 1e-12);
  return { weight, bias, rows, cols, mergeError, layers: [...first.layers, ...second.layers] };
}

function frob2(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
