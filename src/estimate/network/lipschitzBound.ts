import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { BOUND_METHODS, tightBounds, type BoundMethod, type MethodBounds } from '../global/boundMethods.js';
import { combine, type CombineRule } from './compose.js';
import { installBuiltinRules } from './builtinRules.js';
import { mergePieces, pieceNorm, type ConvNormMethod, type LinearPiece, type PieceNorm } from './linearPiece.js';
import { lipschitzRuleFor, round, type Layer, type LayerLipschitz } from './layerRules.js';

/** One row of the per-layer table. */
export interface LayerBound {
  name: string;
  className: string;
  /** The layer's own certified constant (NaN for a skipped layer). */
  lipschitz: number;
  method: string;
  certified: boolean;
}

/** Options of `lipschitzBound`. */
export interface LipschitzBoundOptions {
  /** Input shape without the batch axis; overrides the model's (needed for conv operator norms when it has unknown sizes). */
  inputShape?: number[];
  /** Treat layers without a finite bound as 1 and report `certified: false` instead of throwing. Default false. */
  skipUnsupported?: boolean;
  /** Merge consecutive linear layers (Dense/Dense, Dense/BatchNorm, Conv/BatchNorm, ...) before taking norms. Default true. */
  merge?: boolean;
  /** How convolution norms are certified (see `ConvNormMethod`): 'fast' (default, structure-aware) or 'dft-power' (the older route). */
  convNorm?: ConvNormMethod;
  /** Called after each layer's own norm is known: `done` of `total` layers (input layers excluded), `label` the layer's name. */
  onProgress?: (p: { stage: string; done: number; total: number; label: string }) => void;
  /**
   * Global method (issue 11, see `tightBounds`): 'auto' (default: the product plus every tight method
   * predicted to fit in `budget`; the smallest certified bound wins and `method` says which),
   * 'product' (the layer-norm product alone: cheap, use it inside training loops and per-step
   * tracking), 'combettes-pesquet', 'eclipse-fast', 'lipsdp', or 'exact' (2-D inputs).
   */
  method?: BoundMethod;
  /** Seconds the tight methods may take (method 'auto' / 'lipsdp'). Default 3. */
  budget?: number;
}

/** The result of `lipschitzBound`. */
export interface LipschitzBoundResult {
  /** One row per layer (input layers excluded), in the model's order. */
  layers: LayerBound[];
  /** The composed certified upper bound of the model's l2 Lipschitz constant (from its input to its output). */
  upperBound: number;
  /** The same composition without merging linear layers (the plain product along the graph), for contrast. */
  unmergedBound: number;
  /** False when a layer was skipped: then `upperBound` is not a certificate. */
  certified: boolean;
  /** Merges performed, skipped layers, fallbacks used. */
  notes: string[];
  /** Every method's certified bound (`product` always); `upperBound` is the smallest. */
  bounds: MethodBounds;
  /** The method that gave `upperBound`. */
  method: keyof MethodBounds;
  /** Seconds per tight method. */
  methodSeconds: Partial<Record<keyof MethodBounds, number>>;
}

type SymbolicTensor = tfl.SymbolicTensor;
interface TensorState { bound: number; pending: { piece: LinearPiece; layers: string[] } | null }
type Shape = (number | null)[];

/**
 * A **certified** upper bound on the l2 Lipschitz constant of a `tf.LayersModel`
 * (Sequential or functional), in inference mode.
 *
 * Each layer is turned into steps by its rule (see `registerLipschitzRule`): linear maps
 * (Dense kernels, convolutions as operators on the model's actual input shape, batch norm
 * scales) and certified constants (activations: relu 1, tanh 1, sigmoid 1/4, gelu 1.12891, ...;
 * pooling; softmax 1/2 as the last operation). Composition: series multiply, Add sums the
 * branch bounds, Concatenate takes the root sum of squares. Consecutive linear maps are
 * merged (their product is formed in float64) before a norm is taken, so the bound is at most
 * the plain product of layer norms, and often much smaller. Every norm is a certified upper
 * bound (trace-power bound on the Gram matrix; DFT of the kernel for convolutions), never a
 * power-iteration estimate. Layers without a finite bound (softmax inside the network,
 * attention, LayerNormalization, embeddings, recurrent and unknown layers) throw a
 * `LipkitError` naming the layer, unless `skipUnsupported` is set.
 *
 * By default (`method: 'auto'`) the tight global methods of issue 11 run after the product on
 * feed-forward chains (Dense / Conv / BatchNorm with slope-restricted activations): Combettes &
 * Pesquet, ECLipsE-Fast and LipSDP-Neuron (optimized multipliers certified in float64), and the
 * exact constant for 2-D inputs, each only when predicted to fit in `budget` seconds (3 by
 * default). All are CERTIFIED; `upperBound` is the smallest, `bounds` lists each and `method`
 * names the winner. Calls in loops (every step or epoch) should pass `method: 'product'`.
 */
export function lipschitzBound(model: tfl.LayersModel, options: LipschitzBoundOptions = {}): LipschitzBoundResult {
  installBuiltinRules();
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel (Sequential or functional)');
  const { skipUnsupported = false, merge = true, convNorm = 'fast', onProgress } = options;
  if (typeof skipUnsupported !== 'boolean') throw new LipkitError('options.skipUnsupported', 'must be a boolean');
  if (convNorm !== 'fast' && convNorm !== 'dft-power') throw new LipkitError('options.convNorm', `must be 'fast' or 'dft-power', got ${JSON.stringify(convNorm)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new LipkitError('options.onProgress', 'must be a function');
  if (typeof merge !== 'boolean') throw new LipkitError('options.merge', 'must be a boolean');
  const caches: Caches = { rules: new Map(), norms: new Map() };
  const result = evaluate(model, options, merge, caches);
  // The same graph without merging, reusing the cached per-layer norms.
  const unmergedBound = merge ? evaluate(model, { ...options, onProgress: undefined }, false, caches).upperBound : result.upperBound;
  // Tight global methods (issue 11): only on a certified product, as their chain has no skipped layers.
  const { method = 'auto', budget = 3 } = options;
  if (!(BOUND_METHODS as readonly string[]).includes(method)) throw new LipkitError('options.method', `must be one of ${BOUND_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  if (typeof budget !== 'number' || !(budget > 0) || !Number.isFinite(budget)) throw new LipkitError('options.budget', `must be a positive number of seconds, got ${JSON.stringify(budget)}`);
  const tight = tightBounds(model, result.upperBound, { method: result.certified ? method : 'product', budget, inputShape: options.inputShape });
  return {
    ...result, unmergedBound, upperBound: tight.upperBound, bounds: tight.bounds, method: tight.method,
    methodSeconds: tight.seconds, notes: [...result.notes, ...tight.notes],
  };
}

interface Caches { rules: Map<string, LayerLipschitz>; norms: Map<LinearPiece, PieceNorm> }

function evaluate(
  model: tfl.LayersModel, options: LipschitzBoundOptions, merge: boolean, caches: Caches,
): Omit<LipschitzBoundResult, 'unmergedBound' | 'bounds' | 'method' | 'methodSeconds'> {
  const { inputShape, skipUnsupported = false } = options;
  const shapes = inputShapes(model, inputShape);
  const notes: string[] = [];
  const rows = new Map<Layer, LayerBound>();
  const ruleCache = caches.rules;
  const normCache = caches.norms;
  const norm = (p: LinearPiece): PieceNorm => {
    let n = normCache.get(p);
    if (!n) { n = pieceNorm(p, options.convNorm); normCache.set(p, n); }
    return n;
  };
  let certified = true;
  const outputs = new Set(model.outputs.map((t) => t.id));
  const shapeMemo = new Map<number, Shape>();

  const shapeOf = (t: SymbolicTensor): Shape => {
    const known = shapeMemo.get(t.id);
    if (known) return known;
    let s: Shape = t.shape;
    const idx = model.inputs.findIndex((i) => i.id === t.id);
    if (idx >= 0) s = [null, ...shapes[idx]];
    else if (inputShape) {
      const node = t.sourceLayer.inboundNodes[t.nodeIndex];
      const ins = node.inputTensors.map(shapeOf);
      try {
        const out = t.sourceLayer.computeOutputShape(ins.length === 1 ? ins[0] : ins) as Shape | Shape[];
        s = Array.isArray(out[0]) ? (out as Shape[])[t.tensorIndex] : (out as Shape);
      } catch { s = t.shape; }
    }
    shapeMemo.set(t.id, s);
    return s;
  };

  const ruleOf = (layer: Layer, ins: Shape[], isLast: boolean): LayerLipschitz => {
    const key = `${layer.name}|${JSON.stringify(ins)}|${isLast}`;
    let r = ruleCache.get(key);
    if (r) return r;
    if (layer instanceof tfl.LayersModel) {
      const inner = lipschitzBound(layer, { inputShape: noNulls(ins[0]?.slice(1)), skipUnsupported, merge, convNorm: options.convNorm, method: 'product' });
      if (!inner.certified) certified = false;
      r = { kind: 'steps', steps: [{ kind: 'constant', lipschitz: inner.upperBound, method: `nested model (${round(inner.upperBound)})` }] };
    } else {
      const rule = lipschitzRuleFor(layer.getClassName());
      r = rule ? rule(layer, { inputShapes: ins.map((s) => s.slice(1)), isLast })
        : { kind: 'unsupported', reason: `no Lipschitz rule for class ${layer.getClassName()}` };
    }
    ruleCache.set(key, r);
    return r;
  };

  const flush = (s: TensorState): number => {
    if (!s.pending) return s.bound;
    const n = norm(s.pending.piece);
    if (s.pending.layers.length > 1) notes.push(`merged ${s.pending.layers.join(' -> ')}: norm ${round(n.upperBound)}`);
    return s.bound * n.upperBound;
  };

  const memo = new Map<number, TensorState>();
  const stateOf = (t: SymbolicTensor): TensorState => {
    const known = memo.get(t.id);
    if (known) return known;
    let state: TensorState;
    if (model.inputs.some((i) => i.id === t.id)) {
      state = { bound: 1, pending: null };
    } else {
      const layer = t.sourceLayer;
      const node = layer.inboundNodes[t.nodeIndex];
      const inStates = node.inputTensors.map(stateOf);
      const rule = ruleOf(layer, node.inputTensors.map(shapeOf), outputs.has(t.id));
      recordRow(layer, rule);
      if (node.outputTensors.length > 1 && rule.kind !== 'unsupported') {
        state = unsupported(layer, 'layers with several outputs are not supported', inStates);
      } else if (rule.kind === 'unsupported') {
        state = unsupported(layer, rule.reason, inStates);
      } else if (rule.kind === 'combine') {
        state = { bound: combine(rule.rule, inStates.map(flush)), pending: null };
      } else {
        state = inStates[0];
        for (const step of rule.steps) {
          if (step.kind === 'linear') {
            const merged = merge && state.pending ? mergePieces(state.pending.piece, step.piece) : null;
            state = merged && state.pending
              ? { bound: state.bound, pending: { piece: merged, layers: [...state.pending.layers, layer.name] } }
              : { bound: flush(state), pending: { piece: step.piece, layers: [layer.name] } };
          } else {
            state = { bound: flush(state) * (step.kind === 'constant' ? step.lipschitz : 1), pending: null };
          }
        }
      }
    }
    memo.set(t.id, state);
    return state;
  };

  const unsupported = (layer: Layer, reason: string, inStates: TensorState[]): TensorState => {
    if (!skipUnsupported) {
      throw new LipkitError('model', `layer '${layer.name}' (${layer.getClassName()}) has no certified bound: ${reason}; pass skipUnsupported to bound the rest`);
    }
    certified = false;
    notes.push(`skipped layer '${layer.name}' (${layer.getClassName()}): ${reason}; counted as 1, bound NOT certified`);
    return { bound: combine('sum', inStates.map(flush)), pending: null };
  };

  const totalLayers = model.layers.filter((l) => l.getClassName() !== 'InputLayer').length;
  const recordRow = (layer: Layer, rule: LayerLipschitz): void => {
    if (rows.has(layer)) return;
    rows.set(layer, rowFor(layer, rule, norm));
    options.onProgress?.({ stage: 'layer norms', done: rows.size, total: totalLayers, label: layer.name });
  };

  const outStates = model.outputs.map(stateOf);
  const upperBound = combine('stack', outStates.map(flush));

  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => rows.get(l))
    .filter((r): r is LayerBound => r !== undefined);
  // A tensor read by several layers (a residual branch) is flushed once per reader: list each merge once.
  return { layers, upperBound, certified, notes: [...new Set(notes)] };
}

function rowFor(layer: Layer, rule: LayerLipschitz, norm: (p: LinearPiece) => PieceNorm): LayerBound {
  const name = layer.name;
  const className = layer.getClassName();
  if (rule.kind === 'unsupported') return { name, className, lipschitz: NaN, method: `unsupported: ${rule.reason}`, certified: false };
  if (rule.kind === 'combine') return { name, className, lipschitz: combineOwn(rule.rule, layer), method: rule.method, certified: true };
  let lipschitz = 1;
  const methods: string[] = [];
  for (const step of rule.steps) {
    if (step.kind === 'linear') {
      const n = norm(step.piece);
      lipschitz *= n.upperBound;
      methods.push(`${n.method} (estimate ${round(n.estimate)})`);
    } else {
      if (step.kind === 'constant') lipschitz *= step.lipschitz;
      methods.push(step.method);
    }
  }
  return { name, className, lipschitz, method: methods.length ? methods.join('; ') : 'identity at inference (1)', certified: true };
}

/** The merge layer's own constant as a map of its stacked inputs: sum sqrt(n), mean 1/sqrt(n), stack 1. */
function combineOwn(rule: CombineRule, layer: Layer): number {
  const n = layer.inboundNodes[0]?.inputTensors.length ?? 1;
  return rule === 'sum' ? Math.sqrt(n) : rule === 'mean' ? 1 / Math.sqrt(n) : 1;
}

function noNulls(s: Shape | undefined): number[] | undefined {
  return s && s.every((d) => d !== null) ? (s as number[]) : undefined;
}

function inputShapes(model: tfl.LayersModel, override: number[] | undefined): Shape[] {
  const shapes = model.inputs.map((t) => t.shape.slice(1));
  if (override === undefined) return shapes;
  if (!Array.isArray(override) || override.some((d) => !Number.isInteger(d) || d <= 0 || d > 1e7)) {
    throw new LipkitError('options.inputShape', `must be an array of positive integers, got ${JSON.stringify(override)}`);
  }
  if (model.inputs.length !== 1) throw new LipkitError('options.inputShape', 'can only be given for single-input models');
  if (override.length !== shapes[0].length) {
    throw new LipkitError('options.inputShape', `has rank ${override.length}, the model's input has rank ${shapes[0].length} (batch excluded)`);
  }
  shapes[0].forEach((d, i) => {
    if (d !== null && d !== override[i]) {
      throw new LipkitError('options.inputShape', `[${override.join(', ')}] contradicts the model's input shape [${shapes[0].join(', ')}]`);
    }
  });
  return [override];
}
