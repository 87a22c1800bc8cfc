import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { spectralNormUpperBound } from '../spectralNormUpperBound.js';
import { lipschitzBound } from '../network/lipschitzBound.js';
import { intervalBounds, type Box } from './intervalBounds.js';
import { jacobianBounds } from './jacobianBounds.js';
import { spectralExpansionBounds } from './spectralExpansionBound.js';
import { localGraph, type LocalGraph } from './localGraph.js';

/** Options of `localLipschitzBound`. */
export interface LocalLipschitzOptions {
  /** Radius of the l2 ball around each input (>= 0). Required. */
  radius: number;
  /** The norm of the ball and of the Jacobian; only 'l2'. Default 'l2'. */
  norm?: 'l2';
  /** Pre-activation bounds: 'linear' (CROWN-style linear bounds intersected with intervals, default) or 'interval' (faster, looser). */
  relaxation?: 'linear' | 'interval';
  /** A certified global bound of the model to cap the local ones with; default `lipschitzBound(model, { method: 'product' }).upperBound` (cheap; Infinity when that throws): pass `lipschitzBound(model).upperBound` for the tight cap. */
  globalBound?: number;
  /** A layer the local bounds cannot handle: 'throw' (default, a `LipkitError` naming it) or 'global' (report the global bound for every input, flagged in `methods` and `notes`). */
  onUnsupported?: 'throw' | 'global';
}

/** The result of `localLipschitzBound`. */
export interface LocalLipschitzResult {
  /** CERTIFIED per input: max ||J(z)||_2 over ||z - x||_2 <= radius is at most this (min of local and global). */
  bounds: Float64Array;
  /** The local bound alone (before the min with the global bound). */
  localBounds: Float64Array;
  /** The certified global bound used as a cap (Infinity when none was available). */
  globalBound: number;
  /** Per input: true when the global bound was the smaller one. */
  usedGlobal: boolean[];
  /** Per input: the local bound that was smallest ('fast-lip |C|+R', 'fast-lip ||C||+||R||', 'spectral expansion'), or 'global'. */
  methods: (LocalMethod | 'global')[];
  radius: number;
  norm: 'l2';
  relaxation: 'linear' | 'interval';
  /** True when a final softmax was bounded as 1/2 times the logits' Jacobian bound. */
  softmaxStripped: boolean;
  /** What was computed, in words. */
  method: string;
  notes: string[];
}

/** Which local bound was the smallest. */
export type LocalMethod = 'fast-lip |C|+R' | 'fast-lip ||C||+||R||' | 'spectral expansion';

/** Internal: one input's bound on the graph's own output (the logits when a softmax was stripped). */
export interface GraphBound {
  local: number;
  winner: LocalMethod;
  /** With `top`: per class j, a bound on ||grad (f_top - f_j)||_2 over the ball (0 at j = top). */
  pairs?: Float64Array;
  boxes: Box[];
}

/** Relative guard for float64 rounding of parameters (batch norm scales, 1/n of average pooling). */
const PARAM_GUARD = 1 + 1e-12;

/**
 * Local bound of the graph's output at `x` over the ball of `radius`: pre-activation bounds
 * (`intervalBounds`), the interval Jacobian (`jacobianBounds`), then
 * ||J|| <= min(|| |C| + R ||_2, ||C||_2 + ||R||_2) (|J| <= |C| + R entrywise, and
 * J = C + E with |E| <= R), each by `spectralNormUpperBound` (certified), and, for chains,
 * `spectralExpansionBound`; the smallest is returned. With `top`, the same passes also bound
 * the gradients of f_top - f_j (rows e_top - e_j of the seed, vector norm || |c| + r ||_2; and
 * the expansion's row differences).
 */
export function graphLocalBound(graph: LocalGraph, x: Float64Array, radius: number, relaxation: 'linear' | 'interval', top?: number): GraphBound {
  const boxes = intervalBounds(graph, x, radius, { relaxation });
  const no = graph.ops[graph.ops.length - 1].size;
  let seed: { rows: number; data: Float64Array } | undefined;
  if (top !== undefined) {
    const rows = 2 * no;
    const data = new Float64Array(rows * no);
    for (let o = 0; o < no; o++) {
      data[o * no + o] = 1;
      if (o !== top) { data[(no + o) * no + top] = 1; data[(no + o) * no + o] = -1; }
    }
    seed = { rows, data };
  }
  const j = jacobianBounds(graph, boxes, seed);
  const d = j.cols;
  const full = no * d;
  const abs = new Float64Array(full);
  for (let k = 0; k < full; k++) abs[k] = (Math.abs(j.c[k]) + j.r[k]) * (1 + 2 ** -52);
  const b1 = spectralNormUpperBound({ data: abs, rows: no, cols: d }).upperBound;
  const b2 = spectralNormUpperBound({ data: j.c.subarray(0, full), rows: no, cols: d }).upperBound
    + spectralNormUpperBound({ data: j.r.subarray(0, full), rows: no, cols: d }).upperBound;
  const expansion = spectralExpansionBounds(graph, boxes, top);
  const candidates: [number, LocalMethod][] = [[b1, 'fast-lip |C|+R'], [b2 * (1 + 2 ** -51), 'fast-lip ||C||+||R||'], [expansion.bound, 'spectral expansion']];
  const [best, winner] = candidates.reduce((a, c) => (c[0] < a[0] ? c : a));
  const local = best * PARAM_GUARD;
  if (top === undefined) return { local, winner, boxes };
  const pairs = new Float64Array(no);
  const expansionPairs = expansion.pairs ?? new Float64Array(no).fill(Infinity);
  const g = 1 + (d + 4) * 2 ** -52;
  for (let o = 0; o < no; o++) {
    if (o === top) continue;
    let s = 0;
    for (let k = (no + o) * d; k < (no + o + 1) * d; k++) s += (Math.abs(j.c[k]) + j.r[k]) ** 2;
    pairs[o] = Math.min(Math.sqrt(s) * g, expansionPairs[o]) * PARAM_GUARD;
  }
  return { local, winner, pairs, boxes };
}

/** Validated common inputs: the graph, the inputs as float64 rows, and the global cap. */
export function prepareLocal(model: tfl.LayersModel, x: tf.Tensor, globalBound: number | undefined): {
  graph: LocalGraph; rows: Float64Array[]; global: number; notes: string[];
} {
  if (!(x instanceof tf.Tensor)) throw new LipkitError('x', 'must be a tf.Tensor with a batch axis');
  if (!(model instanceof tfl.LayersModel) || model.inputs.length !== 1) throw new LipkitError('model', 'must be a single-input tf.LayersModel');
  const expected = model.inputs[0].shape.slice(1);
  if (x.rank !== expected.length + 1 || x.shape[0] === 0 || expected.some((d, i) => d !== null && d !== x.shape[i + 1])) {
    throw new LipkitError('x', `has shape [${x.shape.join(', ')}], the model expects [batch, ${expected.map((d) => d ?? '?').join(', ')}]`);
  }
  const graph = localGraph(model, x.shape.slice(1));
  const values = x.dataSync();
  const d = x.size / x.shape[0];
  const rows: Float64Array[] = [];
  for (let i = 0; i < x.shape[0]; i++) {
    const row = Float64Array.from(values.subarray(i * d, (i + 1) * d));
    row.forEach((v, k) => { if (!Number.isFinite(v)) throw new LipkitError('x', `entry ${i * d + k} is not finite`); });
    rows.push(row);
  }
  const notes: string[] = [];
  let global = globalBound ?? NaN;
  if (globalBound === undefined) {
    try {
      global = lipschitzBound(model, { method: 'product' }).upperBound;
    } catch (e) {
      global = Infinity;
      notes.push(`no global bound to cap with (${(e as Error).message})`);
    }
  } else {
    checkNumber('options.globalBound', globalBound, { min: 0 });
  }
  checkGraph(model, graph, x, rows);
  return { graph, rows, global, notes };
}

/**
 * Guards the conversion: the float64 graph evaluated at the inputs (the midpoint of the
 * radius-0 boxes) must agree with TF.js's own prediction to float32 accuracy.
 */
function checkGraph(model: tfl.LayersModel, graph: LocalGraph, x: tf.Tensor, rows: Float64Array[]): void {
  const n = Math.min(rows.length, 4);
  const pred = tf.tidy(() => {
    const p = model.predict(tf.slice(x, 0, n)) as tf.Tensor;
    return graph.softmaxStripped ? tf.log(tf.maximum(p, 1e-30)) : p;
  });
  const tfOut = pred.dataSync();
  pred.dispose();
  const no = graph.ops[graph.ops.length - 1].size;
  for (let i = 0; i < n; i++) {
    const out = intervalBounds(graph, rows[i], 0, { relaxation: 'interval' })[graph.ops.length - 1];
    const v = out.lo.map((l, k) => 0.5 * (l + out.hi[k]));
    if (graph.softmaxStripped) {
      // compare log-softmax of our logits with log of TF's probabilities
      const m = Math.max(...v);
      const lse = m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
      for (let k = 0; k < no; k++) v[k] -= lse;
    }
    let scale = 0;
    for (let k = 0; k < no; k++) scale = Math.max(scale, Math.abs(v[k]));
    for (let k = 0; k < no; k++) {
      const t = tfOut[i * no + k];
      if (tfOut[i * no + k] > -60 && Math.abs(v[k] - t) > 1e-3 * (1 + scale)) {
        throw new LipkitError('model', `the local bounds' float64 copy of the model disagrees with TF.js at input ${i}, output ${k} (${v[k]} vs ${t}): a layer option is not understood`);
      }
    }
  }
}

/**
 * CERTIFIED local Lipschitz bound of a `tf.LayersModel` around each input: an upper bound on
 * max ||J(z)||_2 over the l2 ball ||z - x||_2 <= radius (J the Jacobian of the model's output),
 * hence on its Lipschitz constant on that ball. Pre-activation bounds by interval arithmetic and
 * CROWN-style linear relaxations, then the Fast-Lip interval recursion on the Jacobian (Weng et
 * al. 2018, "Towards Fast Computation of Certified Robustness for ReLU Networks"; RecurJac,
 * Zhang et al. 2019, bounds the same interval Jacobian; its sign refinement is not done here).
 * Supports Dense, Conv1D/2D, BatchNormalization, average and max pooling, Add/Average/Subtract,
 * Flatten/Reshape/Dropout and the slope-restricted activations (relu, relu6, leaky relu, elu,
 * selu, tanh, sigmoid, hardSigmoid, softplus, softsign, swish, gelu); a final softmax counts 1/2.
 * Float64 with outward rounding margins. Each bound is capped by the global certified bound
 * (`lipschitzBound`), so it is never larger; `localBounds` keeps the uncapped values.
 * As radius -> 0 on a ReLU network away from kinks the bound tends to ||J(x)||_2.
 * Unsupported layers throw a `LipkitError` naming the layer (or, with
 * `onUnsupported: 'global'`, every input gets the global bound, flagged).
 */
export function localLipschitzBound(model: tfl.LayersModel, x: tf.Tensor, options: LocalLipschitzOptions): LocalLipschitzResult {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'must be an object with a radius');
  const { radius, norm = 'l2', relaxation = 'linear', globalBound } = options;
  checkNumber('options.radius', radius, { min: 0 });
  if (norm !== 'l2') throw new LipkitError('options.norm', `only 'l2' is supported, got ${JSON.stringify(norm)}`);
  if (relaxation !== 'linear' && relaxation !== 'interval') {
    throw new LipkitError('options.relaxation', `must be 'linear' or 'interval', got ${JSON.stringify(relaxation)}`);
  }
  const { onUnsupported = 'throw' } = options;
  if (onUnsupported !== 'throw' && onUnsupported !== 'global') {
    throw new LipkitError('options.onUnsupported', `must be 'throw' or 'global', got ${JSON.stringify(onUnsupported)}`);
  }
  let prepared: ReturnType<typeof prepareLocal>;
  try {
    prepared = prepareLocal(model, x, globalBound);
  } catch (e) {
    if (onUnsupported === 'throw' || !(e instanceof LipkitError) || e.argument !== 'model' || !/is not supported by the local bounds/.test(e.message)) throw e;
    const global = globalBound ?? lipschitzBound(model, { method: 'product' }).upperBound;
    const n = x.shape[0];
    return {
      bounds: new Float64Array(n).fill(global), localBounds: new Float64Array(n).fill(Infinity), globalBound: global,
      usedGlobal: new Array<boolean>(n).fill(true), methods: new Array<'global'>(n).fill('global'), radius, norm, relaxation,
      softmaxStripped: false, method: 'global bound only (fallback)',
      notes: [`fell back to the global bound: ${e.message.replace(/^model: /, '')}`],
    };
  }
  const { graph, rows, global, notes } = prepared;
  const factor = graph.softmaxStripped ? 0.5 : 1;
  const results = rows.map((row) => graphLocalBound(graph, row, radius, relaxation));
  const localBounds = Float64Array.from(results.map((r) => factor * r.local));
  const bounds = localBounds.map((b) => Math.min(b, global));
  const usedGlobal = Array.from(localBounds, (b) => b > global);
  const methods = results.map((r, i) => (usedGlobal[i] ? 'global' as const : r.winner));
  if (graph.softmaxStripped) notes.push('final softmax: bound = 1/2 x the logits\' local bound (softmax is 1/2-Lipschitz)');
  if (usedGlobal.some(Boolean)) notes.push(`${usedGlobal.filter(Boolean).length} of ${rows.length} inputs: the global bound ${global} was smaller and is reported`);
  return {
    bounds, localBounds, globalBound: global, usedGlobal, methods, radius, norm, relaxation, softmaxStripped: graph.softmaxStripped,
    method: `${relaxation === 'linear' ? 'interval + CROWN-style linear' : 'interval'} pre-activation bounds; min of the Fast-Lip interval Jacobian norms (|| |C|+R ||, ||C|| + ||R||), the spectral expansion (chains) and the global bound`,
    notes,
  };
}
