import type * as tfl from '@tensorflow/tfjs-layers';
import type { CombineRule } from './compose.js';
import type { LinearPiece } from './linearPiece.js';
import { activationLipschitz, SOFTMAX_LIPSCHITZ } from './activationLipschitz.js';

/** A tfjs-layers layer (any class). */
export type Layer = tfl.layers.Layer;

/** One step of a layer's map: a linear piece (kept for merging) or a certified constant. */
export type LipschitzStep =
  | { kind: 'linear'; piece: LinearPiece }
  | { kind: 'constant'; lipschitz: number; method: string }
  /** A norm-preserving rearrangement (Flatten, Reshape, Permute): constant 1, ends a merge chain. */
  | { kind: 'rearrange'; method: string };

/** What a rule says of a layer. */
export type LayerLipschitz =
  | { kind: 'steps'; steps: LipschitzStep[] }
  | { kind: 'combine'; rule: CombineRule; method: string }
  | { kind: 'unsupported'; reason: string };

/** What a rule may know of the layer's place in the network. */
export interface LayerContext {
  /** Concrete input shapes without the batch axis (null entries where unknown). */
  inputShapes: (number | null)[][];
  /** True when nothing follows this layer on its path to the output. */
  isLast: boolean;
}

/**
 * A rule turns a layer into steps with certified constants. lipkit's own layers and user
 * layers are made known to `lipschitzBound` with `registerLipschitzRule(className, rule)`.
 */
export type LipschitzRule = (layer: Layer, context: LayerContext) => LayerLipschitz;

const rules = new Map<string, LipschitzRule>();

/** Makes a layer class known to `lipschitzBound` (replaces an earlier rule for the class). */
export function registerLipschitzRule(className: string, rule: LipschitzRule): void {
  rules.set(className, rule);
}

/** The rule for a layer's class, or undefined. */
export function lipschitzRuleFor(className: string): LipschitzRule | undefined {
  return rules.get(className);
}

/** A layer's config as a plain record. */
export function layerConfig(layer: Layer): Record<string, unknown> {
  return layer.getConfig() as unknown as Record<string, unknown>;
}

/** The float64 values of a layer weight whose name ends with `/suffix`, or undefined. */
export function layerWeight(layer: Layer, suffix: string): { data: Float64Array; shape: number[] } | undefined {
  const values = layer.getWeights();
  for (let i = 0; i < layer.weights.length; i++) {
    const name = layer.weights[i].originalName;
    if (name === suffix || name.endsWith(`/${suffix}`)) {
      return { data: Float64Array.from(values[i].dataSync()), shape: values[i].shape };
    }
  }
  return undefined;
}

/** The steps for an `activation` config entry (none for linear). */
export function activationSteps(name: unknown, context: LayerContext): LayerLipschitz {
  const act = typeof name === 'string' ? name : 'linear';
  if (act === 'linear') return { kind: 'steps', steps: [] };
  if (act === 'softmax') {
    if (!context.isLast) return { kind: 'unsupported', reason: 'softmax inside the network is not supported (only as the last operation)' };
    return { kind: 'steps', steps: [{ kind: 'constant', lipschitz: SOFTMAX_LIPSCHITZ, method: 'softmax (1/2, last operation)' }] };
  }
  const c = activationLipschitz(act);
  if (c === undefined) return { kind: 'unsupported', reason: `activation '${act}' has no certified constant in lipkit` };
  return { kind: 'steps', steps: [{ kind: 'constant', lipschitz: c, method: `${act} (${round(c)})` }] };
}

/** Concatenates step lists, propagating the first unsupported result. */
export function chain(...parts: LayerLipschitz[]): LayerLipschitz {
  const steps: LipschitzStep[] = [];
  for (const p of parts) {
    if (p.kind === 'unsupported') return p;
    if (p.kind === 'combine') throw new Error('chain: a combine rule cannot be chained');
    steps.push(...p.steps);
  }
  return { kind: 'steps', steps };
}

/** A single constant step. */
export function constant(lipschitz: number, method: string): LayerLipschitz {
  return { kind: 'steps', steps: [{ kind: 'constant', lipschitz, method }] };
}

/** Rounds for display. */
export function round(x: number): string {
  return Number(x.toPrecision(6)).toString();
}
