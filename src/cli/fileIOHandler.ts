import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../util/errors.js';
import { checkTopology } from './modelFiles/checkTopology.js';
import { openRegularFile, readExactly, readRegularFile, type OpenRegularFile, type RegularFileRef } from './modelFiles/readRegularFile.js';
import { resolveInside } from './modelFiles/resolveInside.js';
import { checkManifest, weightBytes } from './modelFiles/weightManifest.js';

/** The file name `save()` writes the weights to, next to model.json. */
export const WEIGHTS_FILE_NAME = 'weights.bin';

/**
 * A `tf.io.IOHandler` that reads and writes the standard TF.js Layers format on the local
 * file system (Node only; tfjs-node, which provides `file://` handlers, cannot be installed
 * here): `model.json` (topology + weights manifest) and binary weight files next to it.
 *
 * `load()` trusts nothing in the files it reads. model.json must be a regular file of at most
 * 64 MiB whose topology passes `checkTopology` (bounded nesting, feed-forward functional
 * graphs: a cycle would make TF.js spin). Every weight path of the manifest (`checkManifest`)
 * is resolved, symbolic links included, inside the real folder of model.json, and refused
 * otherwise (absolute paths, `..`, links out) before anything outside is opened; each weight
 * file must be a regular file (a FIFO, a device such as /dev/zero, a directory is refused
 * without being read); each manifest group's files must together hold exactly the bytes its
 * weights need (prod(shape) times the bytes of the dtype, or of the quantization dtype for
 * uint8 / uint16 / float16 weights, which TF.js dequantizes on decoding), compared with the
 * files' sizes before reading, and then exactly those bytes are read. Errors are
 * `LipkitError`s whose argument is `modelJsonPath`, naming the field; they state sizes only of
 * files inside the folder. `save()` writes `model.json` and one `weights.bin`, so the result
 * loads with `tf.loadLayersModel` in the browser (over http) and in tfjs-node (`file://`).
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

/** Largest model.json accepted (topologies of real models are far smaller). */
export const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;
/** Largest total of weight bytes accepted (one ArrayBuffer must hold them). */
export const MAX_WEIGHT_BYTES = 2 ** 31;

async function parseModelJson(modelJsonPath: string): Promise<Partial<tf.io.ModelJSON>> {
  const bytes = await readRegularFile({ path: modelJsonPath, argument: modelJsonPath, label: 'model.json' }, MAX_MODEL_JSON_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
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
  checkTopology(modelJsonPath, modelJSON.modelTopology);
  return modelJSON;
}

/**
 * Reads the weight files of one manifest group: every path resolved inside `root`
 * (`resolveInside`), every file opened only if regular (`openRegularFile`), their sizes
 * (fstat) compared with the group's expected bytes before anything is read, then exactly
 * those bytes read.
 */
async function readGroup(modelJsonPath: string, root: string, group: tf.io.WeightsManifestConfig[number], g: number): Promise<Uint8Array[]> {
  const opened: { file: OpenRegularFile; ref: RegularFileRef }[] = [];
  try {
    for (const [i, p] of group.paths.entries()) {
      const label = `weightsManifest[${g}].paths[${i}] (${JSON.stringify(p)})`;
      const real = await resolveInside(root, p, modelJsonPath, label);
      const ref = { path: real, argument: modelJsonPath, label };
      opened.push({ file: await openRegularFile(ref), ref });
    }
    const expected = group.weights.reduce((acc, s) => acc + weightBytes(s), 0);
    const actual = opened.reduce((acc, o) => acc + o.file.size, 0);
    if (expected !== actual) {
      throw new LipkitError(modelJsonPath, `weightsManifest[${g}] describes ${expected} bytes of weights `
        + `but ${opened.length === 0 ? 'lists no file' : `its files (${group.paths.join(', ')}) hold ${actual} bytes${actual < expected ? ' (truncated?)' : ''}`}`);
    }
    const parts: Uint8Array[] = [];
    for (const o of opened) parts.push(await readExactly(o.file, o.file.size, o.ref));
    return parts;
  } finally {
    for (const o of opened) await o.file.handle.close();
  }
}

async function loadArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const modelJSON = await parseModelJson(modelJsonPath);
  const manifest = checkManifest(modelJsonPath, modelJSON.weightsManifest ?? []);
  const specs = manifest.flatMap((group) => group.weights);
  const total = specs.reduce((acc, s) => acc + weightBytes(s), 0);
  if (total > MAX_WEIGHT_BYTES) throw new LipkitError(modelJsonPath, `weightsManifest describes ${total} bytes of weights, more than the ${MAX_WEIGHT_BYTES} lipkit loads`);
  let root: string;
  try {
    root = await fs.realpath(path.dirname(modelJsonPath));
  } catch (e) {
    throw new LipkitError(modelJsonPath, `cannot resolve the model's folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const [g, group] of manifest.entries()) {
    for (const part of await readGroup(modelJsonPath, root, group, g)) {
      weightData.set(part, offset);
      offset += part.byteLength;
    }
  }

  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJSON.modelTopology,
    format: modelJSON.format,
    generatedBy: modelJSON.generatedBy,
    convertedBy: modelJSON.convertedBy,
    weightSpecs: specs,
    weightData: weightData.buffer,
  };
  if (modelJSON.trainingConfig !== undefined) artifacts.trainingConfig = modelJSON.trainingConfig;
  if (modelJSON.signature !== undefined) artifacts.signature = modelJSON.signature;
  if (modelJSON.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = modelJSON.userDefinedMetadata;
  if (modelJSON.modelInitializer !== undefined) artifacts.modelInitializer = modelJSON.modelInitializer;
  if (modelJSON.initializerSignature !== undefined) artifacts.initializerSignature = modelJSON.initializerSignature;
  return artifacts;
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
