import type * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';

/** Bytes per stored element, by weight dtype (or by quantization dtype when quantized), as tf.io.decodeWeights reads them. */
export const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2,
};

const WEIGHT_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/** Largest element count accepted for one weight (2^30, i.e. 4 GiB of float32). */
const MAX_WEIGHT_ELEMENTS = 2 ** 30;
/** Largest rank accepted for one weight. */
const MAX_WEIGHT_RANK = 8;
/** Largest number of weight groups, weight files and weights in one manifest. */
const MAX_MANIFEST_ENTRIES = 100_000;

/**
 * Checks the `weightsManifest` of a model.json (`file`, named in every error) and returns it
 * typed: an array of groups `{ paths, weights }`, every path a non-empty relative file path (no
 * URL, no absolute path: where it leads is checked when it is opened), every weight a named
 * entry with a non-negative integer shape of rank <= 8 and at most 2^30 elements, dtype
 * float32, int32 or bool, and an optional quantization as the TF.js converters write it:
 * `{ dtype: 'uint8' | 'uint16', scale, min }` (finite numbers; float32 or int32 weights;
 * value = q * scale + min) or `{ dtype: 'float16' }` (float32 weights). Weight names are unique.
 */
export function checkManifest(file: string, manifest: unknown): tf.io.WeightsManifestConfig {
  const where = 'weightsManifest';
  if (!Array.isArray(manifest)) throw new LipkitError(file, `${where} must be an array of groups`);
  if (manifest.length > MAX_MANIFEST_ENTRIES) throw new LipkitError(file, `${where} has ${manifest.length} groups, more than ${MAX_MANIFEST_ENTRIES}`);
  const names = new Set<string>();
  let count = 0;
  manifest.forEach((group: unknown, g) => {
    const gr = group as Partial<tf.io.WeightsManifestConfig[number]> | null;
    if (gr === null || typeof gr !== 'object' || !Array.isArray(gr.paths) || !Array.isArray(gr.weights)) {
      throw new LipkitError(file, `${where}[${g}] must be an object with "paths" and "weights" arrays`);
    }
    count += gr.paths.length + gr.weights.length;
    if (count > MAX_MANIFEST_ENTRIES) throw new LipkitError(file, `${where} lists more than ${MAX_MANIFEST_ENTRIES} files and weights`);
    gr.paths.forEach((p: unknown, i) => {
      const at = `${where}[${g}].paths[${i}]`;
      if (typeof p !== 'string' || p === '' || p.includes('\0')) throw new LipkitError(file, `${at} must be a non-empty file name`);
      if (/^[a-z][a-z0-9+.-]*:/i.test(p)) throw new LipkitError(file, `${at} is a URL (${JSON.stringify(p)}); lipkit reads only files inside the model's folder`);
    });
    gr.weights.forEach((w: unknown, i) => {
      const name = checkWeightSpec(file, `${where}[${g}].weights[${i}]`, w);
      if (names.has(name)) throw new LipkitError(file, `${where}[${g}].weights[${i}]: weight '${name}' is listed twice`);
      names.add(name);
    });
  });
  return manifest as tf.io.WeightsManifestConfig;
}

function checkWeightSpec(file: string, where: string, w: unknown): string {
  const spec = w as Partial<tf.io.WeightsManifestEntry> | null;
  if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string' || spec.name === '') {
    throw new LipkitError(file, `${where} must be an object with a non-empty string "name"`);
  }
  const label = `${where} ('${spec.name}')`;
  if (!Array.isArray(spec.shape) || spec.shape.length > MAX_WEIGHT_RANK
    || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new LipkitError(file, `${label} has an invalid shape ${JSON.stringify(spec.shape)}; expected up to ${MAX_WEIGHT_RANK} non-negative integers`);
  }
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  if (elements > MAX_WEIGHT_ELEMENTS) {
    throw new LipkitError(file, `${label} has an absurd shape [${spec.shape.join(', ')}] (${elements} elements, limit ${MAX_WEIGHT_ELEMENTS})`);
  }
  if (typeof spec.dtype !== 'string' || !WEIGHT_DTYPES.includes(spec.dtype)) {
    throw new LipkitError(file, `${label} has unsupported dtype ${JSON.stringify(spec.dtype)}; supported: ${WEIGHT_DTYPES.join(', ')}`);
  }
  if (spec.quantization !== undefined) checkQuantization(file, label, spec.dtype, spec.quantization);
  return spec.name;
}

function checkQuantization(file: string, label: string, dtype: string, q: unknown): void {
  const quant = q as { dtype?: unknown; scale?: unknown; min?: unknown } | null;
  const bad = (why: string): never => { throw new LipkitError(file, `${label} has unsupported quantization ${JSON.stringify(q)}: ${why}`); };
  if (quant === null || typeof quant !== 'object') bad('must be an object { dtype, scale, min } or { dtype: "float16" }');
  if (quant!.dtype === 'uint8' || quant!.dtype === 'uint16') {
    if (dtype !== 'float32' && dtype !== 'int32') bad(`${quant!.dtype as string} quantizes float32 or int32 weights, not ${dtype}`);
    if (typeof quant!.scale !== 'number' || !Number.isFinite(quant!.scale) || typeof quant!.min !== 'number' || !Number.isFinite(quant!.min)) {
      bad('"scale" and "min" must be finite numbers');
    }
  } else if (quant!.dtype === 'float16') {
    if (dtype !== 'float32') bad(`float16 quantizes float32 weights, not ${dtype}`);
  } else {
    bad('supported quantization dtypes: uint8, uint16, float16');
  }
}

/** Stored bytes of one weight: prod(shape) * bytes per (quantized) element. */
export function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[stored];
}

/** Number of elements of one weight: prod(shape). */
export function weightElements(spec: tf.io.WeightsManifestEntry): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}
