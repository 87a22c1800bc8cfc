import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';

/** TF.js's test for weights named `layer/index` (Keras 3 saved models), whose names it maps itself. */
function kerasSavedModelNames(specs: readonly tf.io.WeightsManifestEntry[]): boolean {
  if (specs.length === 0) return false;
  const tokens = specs[0].name.split('/');
  return !Number.isNaN(parseInt(tokens[tokens.length - 1], 10));
}

/**
 * Checks, before any weight is decoded, that the manifest's model weights (`group` not
 * 'optimizer') are exactly the model's: each names a weight of the model (by TF.js's rule:
 * the original name, or the name without a cell part) with the same shape, and every model
 * weight is listed. Errors are `LipkitError(file)` naming the weight and its layer.
 */
export function checkWeightsMatch(model: tfl.LayersModel, specs: readonly tf.io.WeightsManifestEntry[], file: string): void {
  const modelSpecs = specs.filter((s) => s.group !== 'optimizer');
  if (kerasSavedModelNames(modelSpecs)) return;
  const byName = new Map<string, { layer: string; shape: number[] }>();
  for (const layer of model.layers) {
    for (const w of layer.weights) byName.set(w.originalName, { layer: layer.name, shape: w.shape as number[] });
  }
  for (const spec of modelSpecs) {
    let name = spec.name;
    if (!byName.has(name)) {
      const tokens = name.split('/');
      name = tokens.slice(0, -2).concat([tokens[tokens.length - 1]]).join('/');
    }
    const target = byName.get(name);
    if (target === undefined) throw new LipkitError(file, `the manifest lists a weight '${spec.name}' that no layer of the model has`);
    if (target.shape.length !== spec.shape.length || target.shape.some((d, i) => d !== spec.shape[i])) {
      throw new LipkitError(file, `weight '${spec.name}' of layer '${target.layer}' has shape [${target.shape.join(', ')}] in the model but [${spec.shape.join(', ')}] in the manifest`);
    }
    byName.delete(name);
  }
  const [missing] = byName;
  if (missing !== undefined) throw new LipkitError(file, `weight '${missing[0]}' of layer '${missing[1].layer}' is not in the weights manifest`);
}

/**
 * Checks that every weight of every layer is finite. A NaN or infinite weight makes the
 * model's outputs NaN, and no certificate can hold for it: `LipkitError(file)` naming the
 * layer, the weight and the first bad entry.
 */
export function checkFiniteWeights(model: tfl.LayersModel, file: string): void {
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const values = w.read().dataSync();
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!Number.isFinite(v)) {
          throw new LipkitError(file, `layer '${layer.name}' (${layer.getClassName()}): weight '${w.originalName}' holds ${v} at flat index ${i}; a model with non-finite weights cannot be certified`);
        }
      }
    }
  }
}

/**
 * Refuses a model that computes nothing: no layer besides its inputs (an empty Sequential, or
 * a functional model whose outputs are its inputs). Such a file is almost always a broken
 * export rather than the identity map its author meant, so lipkit does not certify it.
 */
export function checkHasLayers(model: tfl.LayersModel, file: string): void {
  if (model.layers.every((l) => l.getClassName() === 'InputLayer')) {
    throw new LipkitError(file, 'the model has no layers besides its inputs (an empty model or the identity map): nothing to certify');
  }
}

/**
 * True when every output of `model` at `inputs` is finite in TF.js's float32 forward pass.
 * Finite weights can still overflow (weights near 1e30 in two layers give Infinity and then
 * NaN); no bound holds for the map TF.js computes then. Leaves no tensors behind.
 */
export function outputsFinite(model: tfl.LayersModel, inputs: tf.Tensor): boolean {
  const outs = model.predict(inputs);
  const list = Array.isArray(outs) ? outs : [outs];
  try {
    return list.every((o) => (o.dataSync() as Float32Array).every((v) => Number.isFinite(v)));
  } finally {
    for (const o of list) o.dispose();
  }
}

/** Most elements per example accepted for a model input or a layer output (2^25: 32 Mi floats, 128 MiB). */
export const MAX_ACTIVATION_ELEMENTS = 2 ** 25;

function elementsPerExample(shape: (number | null)[]): number {
  return shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
}

/**
 * Refuses a model whose inputs or layer outputs hold more than `MAX_ACTIVATION_ELEMENTS`
 * elements per example (known sizes only): its weights may be tiny (a 1x1 convolution on a
 * 100000 x 100000 image), but every forward pass and every bound would need gigabytes.
 */
export function checkActivationSizes(model: tfl.LayersModel, file: string): void {
  const shapes: [string, (number | null)[]][] = model.inputs.map((t) => [`input '${t.name}'`, t.shape]);
  for (const layer of model.layers) {
    let out: unknown;
    try { out = layer.outputShape; } catch { continue; } // layers called several times have no single output shape
    const list = (Array.isArray(out) && out.length > 0 && Array.isArray(out[0]) ? out : [out]) as (number | null)[][];
    for (const s of list) if (Array.isArray(s)) shapes.push([`layer '${layer.name}' (${layer.getClassName()}) output`, s]);
  }
  for (const [what, shape] of shapes) {
    const n = elementsPerExample(shape);
    if (n > MAX_ACTIVATION_ELEMENTS) {
      throw new LipkitError(file, `${what} has shape [${shape.map((d) => d ?? '?').join(', ')}] (${n} elements per example), more than the ${MAX_ACTIVATION_ELEMENTS} lipkit handles`);
    }
  }
}
