import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';

/** Bytes per stored element, by weight dtype (or by quantization dtype when quantized). */
const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2,
};

const WEIGHT_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];
const QUANTIZATION_DTYPES: readonly string[] = ['uint8', 'uint16', 'float16'];

/** Largest element count accepted for one weight (2^30, i.e. 4 GiB of float32). */
const MAX_WEIGHT_ELEMENTS = 2 ** 30;
/** Largest rank accepted for one weight. */
const MAX_WEIGHT_RANK = 8;

/** The file name `save()` writes the weights to, next to model.json. */
export const WEIGHTS_FILE_NAME = 'weights.bin';

/**
 * A `tf.io.IOHandler` that reads and writes the standard TF.js Layers format on the local
 * file system (Node only; tfjs-node, which provides `file://` handlers, cannot be installed
 * here): `model.json` (topology + weights manifest) and binary weight files next to it.
 *
 * `load()` reads model.json, reads every weight file listed in its `weightsManifest`
 * (paths relative to model.json's folder), checks that the files' total size equals the
 * manifest's (sum over weights of prod(shape) * bytes per dtype, quantization honoured) and
 * concatenates them. `save()` writes `model.json` and one `weights.bin`, so the result loads
 * with `tf.loadLayersModel` in the browser (over http) and in tfjs-node (`file://`).
 *
 * Errors are `LipkitError`s naming the offending file (missing, unreadable, corrupt JSON),
 * or `weights` (size mismatch, unsupported dtype, absurd shape).
 *
 * @example
 * const model = await tfl.loadLayersModel(fileIOHandler('examples/models/mlp/model.json'));
 * await model.save(fileIOHandler('out/model.json'));
 */
export function fileIOHandler(modelJsonPath: string): tf.io.IOHandler {
  if (typeof modelJsonPath !== 'string' || modelJsonPath.trim() === '') {
    throw new LipkitError('modelJsonPath', 'must be a non-empty file path');
  }
  return {
    load: () => loadArtifacts(modelJsonPath),
    save: (artifacts: tf.io.ModelArtifacts) => saveArtifacts(modelJsonPath, artifacts),
  };
}

async function readFileOrThrow(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new LipkitError(file, `${what} not found`);
    if (code === 'EISDIR') throw new LipkitError(file, `${what} is a directory, expected a file`);
    throw new LipkitError(file, `cannot read ${what} (${code ?? (e as Error).message})`);
  }
}

async function loadArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const text = (await readFileOrThrow(modelJsonPath, 'model.json')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LipkitError(modelJsonPath, `corrupt JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new LipkitError(modelJsonPath, 'must hold a JSON object with modelTopology and weightsManifest');
  }
  const modelJSON = json as Partial<tf.io.ModelJSON>;
  if (modelJSON.modelTopology === null || typeof modelJSON.modelTopology !== 'object') {
    throw new LipkitError(modelJsonPath, 'has no modelTopology object; is this a TF.js model.json?');
  }
  const manifest = checkManifest(modelJsonPath, modelJSON.weightsManifest ?? []);
  const dir = path.dirname(modelJsonPath);

  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  const files: string[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      const buf = await readFileOrThrow(file, `weights file (listed in ${path.basename(modelJsonPath)})`);
      buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      files.push(p);
    }
    specs.push(...group.weights);
  }
  const expected = specs.reduce((acc, s) => acc + weightBytes(s), 0);
  const actual = buffers.reduce((acc, b) => acc + b.byteLength, 0);
  if (expected !== actual) {
    throw new LipkitError('weights', `the manifest of ${modelJsonPath} describes ${expected} bytes of weights `
      + `but ${files.length === 0 ? 'no file is listed' : `the files (${files.join(', ')}) hold ${actual} bytes`}`
      + `${actual < expected ? ' (truncated?)' : ''}`);
  }

  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJSON.modelTopology,
    format: modelJSON.format,
    generatedBy: modelJSON.generatedBy,
    convertedBy: modelJSON.convertedBy,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(buffers),
  };
  if (modelJSON.trainingConfig !== undefined) artifacts.trainingConfig = modelJSON.trainingConfig;
  if (modelJSON.signature !== undefined) artifacts.signature = modelJSON.signature;
  if (modelJSON.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = modelJSON.userDefinedMetadata;
  if (modelJSON.modelInitializer !== undefined) artifacts.modelInitializer = modelJSON.modelInitializer;
  if (modelJSON.initializerSignature !== undefined) artifacts.initializerSignature = modelJSON.initializerSignature;
  return artifacts;
}

function checkManifest(modelJsonPath: string, manifest: unknown): tf.io.WeightsManifestConfig {
  const where = `${modelJsonPath}: weightsManifest`;
  if (!Array.isArray(manifest)) throw new LipkitError('weights', `${where} must be an array of groups`);
  manifest.forEach((group: unknown, g) => {
    const gr = group as Partial<tf.io.WeightsManifestConfig[number]> | null;
    if (gr === null || typeof gr !== 'object' || !Array.isArray(gr.paths) || !Array.isArray(gr.weights)) {
      throw new LipkitError('weights', `${where}[${g}] must be an object with "paths" and "weights" arrays`);
    }
    gr.paths.forEach((p: unknown, i) => {
      if (typeof p !== 'string' || p === '') throw new LipkitError('weights', `${where}[${g}].paths[${i}] must be a non-empty string`);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) throw new LipkitError('weights', `${where}[${g}].paths[${i}] is a URL (${p}); only local relative paths are read`);
    });
    gr.weights.forEach((w: unknown, i) => checkWeightSpec(`${where}[${g}].weights[${i}]`, w));
  });
  return manifest as tf.io.WeightsManifestConfig;
}

function checkWeightSpec(where: string, w: unknown): void {
  const spec = w as Partial<tf.io.WeightsManifestEntry> | null;
  if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string') {
    throw new LipkitError('weights', `${where} must be an object with a string "name"`);
  }
  const label = `${where} ('${spec.name}')`;
  if (!Array.isArray(spec.shape) || spec.shape.length > MAX_WEIGHT_RANK
    || spec.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new LipkitError('weights', `${label} has an invalid shape ${JSON.stringify(spec.shape)}; expected up to ${MAX_WEIGHT_RANK} non-negative integers`);
  }
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  if (elements > MAX_WEIGHT_ELEMENTS) {
    throw new LipkitError('weights', `${label} has an absurd shape [${spec.shape.join(', ')}] (${elements} elements, limit ${MAX_WEIGHT_ELEMENTS})`);
  }
  if (typeof spec.dtype !== 'string' || !WEIGHT_DTYPES.includes(spec.dtype)) {
    throw new LipkitError('weights', `${label} has unsupported dtype ${JSON.stringify(spec.dtype)}; supported: ${WEIGHT_DTYPES.join(', ')}`);
  }
  const q = spec.quantization;
  if (q !== undefined && (q === null || typeof q !== 'object' || !QUANTIZATION_DTYPES.includes(q.dtype))) {
    throw new LipkitError('weights', `${label} has unsupported quantization ${JSON.stringify(q)}; supported dtypes: ${QUANTIZATION_DTYPES.join(', ')}`);
  }
}

/** Stored bytes of one weight: prod(shape) * bytes per (quantized) element. */
function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[stored];
}

async function saveArtifacts(modelJsonPath: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new LipkitError('artifacts.modelTopology', 'binary (GraphDef) topologies are not supported; save a Layers model');
  }
  const dir = path.dirname(modelJsonPath);
  const weightsPath = path.join(dir, WEIGHTS_FILE_NAME);
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0)
    : tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE_NAME}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig !== undefined) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer !== undefined) modelJSON.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature !== undefined) modelJSON.initializerSignature = artifacts.initializerSignature;
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(weightsPath, new Uint8Array(weightData));
    await fs.writeFile(modelJsonPath, JSON.stringify(modelJSON));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new LipkitError(modelJsonPath, `cannot write the model (${code ?? (e as Error).message})`);
  }
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
}
