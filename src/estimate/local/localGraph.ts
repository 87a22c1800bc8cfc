import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { layerConfig, layerWeight, type Layer } from '../network/layerRules.js';
import { localActivation, type LocalActivation } from './localActivations.js';
import { channelAffine, denseKernelMatrix, type SparseAffine } from './sparseMatrix.js';
import { convMatrix, poolWindows, averagePoolMatrix, type Windows } from './layerMatrices.js';

/** One operation of a network flattened for the local bounds (tensors are flat, row-major NHWC). */
export type LocalOp =
  | { kind: 'input'; size: number; shape: number[]; layer: string }
  | { kind: 'affine'; src: number; m: SparseAffine; size: number; shape: number[]; layer: string }
  | { kind: 'act'; src: number; act: LocalActivation; size: number; shape: number[]; layer: string }
  | { kind: 'sum'; srcs: number[]; coef: number[]; size: number; shape: number[]; layer: string }
  | { kind: 'max'; src: number; windows: Windows; size: number; shape: number[]; layer: string };

/** A model as a list of operations in topological order; the last one is the output. */
export interface LocalGraph {
  ops: LocalOp[];
  /** True when a final softmax was stripped: the graph computes the logits. */
  softmaxStripped: boolean;
}

type Shape = number[];
type SymbolicTensor = tfl.SymbolicTensor;

const IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Flatten', 'Reshape', 'InputLayer']);

/**
 * Flattens a single-input, single-output `tf.LayersModel` into float64 operations: Dense,
 * Conv1D/Conv2D (sparse operator matrices for the model's input size), BatchNormalization
 * (inference), average pooling (matrices), max pooling (window selections), Add / Average /
 * Subtract, Flatten / Reshape / Dropout (identities at inference), and the activations of
 * `localActivation`. A softmax as the very last operation is stripped (`softmaxStripped`).
 * Anything else is a `LipkitError` naming the layer.
 */
export function localGraph(model: tfl.LayersModel, inputShape: number[]): LocalGraph {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel (Sequential or functional)');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new LipkitError('model', `local bounds need one input and one output, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const ops: LocalOp[] = [];
  const memo = new Map<number, number>();
  const outputId = model.outputs[0].id;
  let softmaxStripped = false;
  const push = (op: LocalOp): number => { ops.push(op); return ops.length - 1; };
  const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

  const visit = (t: SymbolicTensor): number => {
    const known = memo.get(t.id);
    if (known !== undefined) return known;
    let id: number;
    if (t.id === model.inputs[0].id) {
      id = push({ kind: 'input', size: size(inputShape), shape: inputShape, layer: model.inputs[0].sourceLayer.name });
    } else {
      const layer = t.sourceLayer;
      if (layer instanceof tfl.LayersModel) throw unsupported(layer, 'nested models are not supported by the local bounds');
      const node = layer.inboundNodes[t.nodeIndex];
      const srcs = node.inputTensors.map(visit);
      id = convert(layer, srcs, t.id === outputId);
    }
    memo.set(t.id, id);
    return id;
  };

  const convert = (layer: Layer, srcs: number[], isLast: boolean): number => {
    const cls = layer.getClassName();
    const cfg = layerConfig(layer);
    const name = layer.name;
    const inShape = ops[srcs[0]].shape;
    const withActivation = (id: number, act: unknown): number => {
      const a = typeof act === 'string' ? act : 'linear';
      if (a === 'linear') return id;
      return activationOp(layer, id, a, undefined, isLast);
    };
    if (IDENTITY.has(cls)) {
      if (cls === 'Flatten' || cls === 'Reshape') {
        const target = cls === 'Flatten' ? [ops[srcs[0]].size] : (cfg.targetShape as number[]).map(Number);
        const known = target.filter((d) => d > 0).reduce((a, b) => a * b, 1);
        const shape = target.map((d) => (d > 0 ? d : ops[srcs[0]].size / known));
        return push({ kind: 'sum', srcs: [srcs[0]], coef: [1], size: ops[srcs[0]].size, shape, layer: name });
      }
      return srcs[0];
    }
    switch (cls) {
      case 'Dense': {
        const kernel = layerWeight(layer, 'kernel');
        if (!kernel) throw unsupported(layer, 'no kernel weight');
        const [inDim, outDim] = kernel.shape;
        const bias = cfg.useBias === false ? null : layerWeight(layer, 'bias')?.data ?? null;
        const positions = ops[srcs[0]].size / inDim;
        const m = denseKernelMatrix(kernel.data, inDim, outDim, positions, bias);
        const shape = [...inShape.slice(0, -1), outDim];
        return withActivation(push({ kind: 'affine', src: srcs[0], m, size: m.rows, shape, layer: name }), cfg.activation);
      }
      case 'Conv1D':
      case 'Conv2D': {
        const built = convMatrix(layer, inShape);
        return withActivation(push({ kind: 'affine', src: srcs[0], m: built.m, size: built.m.rows, shape: built.shape, layer: name }), cfg.activation);
      }
      case 'BatchNormalization': {
        const axis = Number(Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis ?? -1);
        if (axis !== -1 && axis !== inShape.length) throw unsupported(layer, `batch norm over axis ${axis} (only the last axis)`);
        const variance = layerWeight(layer, 'moving_variance');
        const mean = layerWeight(layer, 'moving_mean');
        if (!variance || !mean) throw unsupported(layer, 'no moving statistics');
        const gamma = cfg.scale === false ? undefined : layerWeight(layer, 'gamma');
        const beta = cfg.center === false ? undefined : layerWeight(layer, 'beta');
        const eps = Number(cfg.epsilon ?? 1e-3);
        const scale = variance.data.map((v, i) => (gamma ? gamma.data[i] : 1) / Math.sqrt(v + eps));
        const shift = scale.map((s, i) => (beta ? beta.data[i] : 0) - mean.data[i] * s);
        const m = channelAffine(scale, shift, ops[srcs[0]].size / scale.length);
        return push({ kind: 'affine', src: srcs[0], m, size: m.rows, shape: inShape, layer: name });
      }
      case 'Activation': return activationOp(layer, srcs[0], String(cfg.activation), undefined, isLast);
      case 'ReLU': {
        if (cfg.maxValue != null && Number(cfg.maxValue) !== 6) throw unsupported(layer, `ReLU with maxValue ${String(cfg.maxValue)} (only none or 6)`);
        return activationOp(layer, srcs[0], cfg.maxValue == null ? 'relu' : 'relu6', undefined, isLast);
      }
      case 'LeakyReLU': return activationOp(layer, srcs[0], 'leakyRelu', Number(cfg.alpha ?? 0.3), isLast);
      case 'ELU': return activationOp(layer, srcs[0], 'elu', Number(cfg.alpha ?? 1), isLast);
      case 'Softmax': return activationOp(layer, srcs[0], 'softmax', undefined, isLast);
      case 'Add': case 'Average': case 'Subtract': {
        const n = srcs.length;
        const coef = cls === 'Add' ? srcs.map(() => 1) : cls === 'Average' ? srcs.map(() => 1 / n) : [1, -1];
        return push({ kind: 'sum', srcs, coef, size: ops[srcs[0]].size, shape: inShape, layer: name });
      }
      case 'MaxPooling1D': case 'MaxPooling2D': case 'GlobalMaxPooling1D': case 'GlobalMaxPooling2D': {
        const p = poolWindows(layer, cls, inShape);
        return push({ kind: 'max', src: srcs[0], windows: p.windows, size: p.windows.ptr.length - 1, shape: p.shape, layer: name });
      }
      case 'AveragePooling1D': case 'AveragePooling2D': case 'GlobalAveragePooling1D': case 'GlobalAveragePooling2D': {
        const p = poolWindows(layer, cls, inShape);
        const m = averagePoolMatrix(p.windows, ops[srcs[0]].size);
        return push({ kind: 'affine', src: srcs[0], m, size: m.rows, shape: p.shape, layer: name });
      }
      default:
        throw unsupported(layer, 'this layer class has no local bound rule');
    }
  };

  const activationOp = (layer: Layer, src: number, name: string, alpha: number | undefined, isLast: boolean): number => {
    if (name === 'softmax') {
      if (!isLast) throw unsupported(layer, 'softmax inside the network (only as the last operation)');
      softmaxStripped = true;
      return src;
    }
    const act = localActivation(name, alpha);
    if (!act) throw unsupported(layer, `activation '${name}'`);
    const s = ops[src];
    return push({ kind: 'act', src, act, size: s.size, shape: s.shape, layer: layer.name });
  };

  visit(model.outputs[0]);
  return { ops, softmaxStripped };
}

function unsupported(layer: Layer, reason: string): LipkitError {
  return new LipkitError('model', `layer '${layer.name}' (${layer.getClassName()}) is not supported by the local bounds: ${reason}`);
}
