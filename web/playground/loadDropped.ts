import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

/** Bytes per stored element of a weight (its quantized dtype if quantized). */
function bytesPer(spec: { dtype?: string; quantization?: { dtype?: string } }): number | null {
  const d = spec.quantization?.dtype ?? spec.dtype ?? 'float32';
  return ({ float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[d] ?? null;
}

const base = (p: string): string => p.split('/').pop() ?? p;

/** A dropped model that failed the checks: one sentence for the page. */
export class DropError extends Error {}

interface Manifest { paths?: unknown; weights?: unknown }

/**
 * Checks dropped files as a TF.js Layers model (one model.json with `modelTopology` and a
 * `weightsManifest` whose files are all present and exactly as long as the manifest's weights
 * need) and loads it. Throws a `DropError` with one clear sentence otherwise; nothing is kept
 * of a model that fails (it is disposed).
 */
export async function loadDropped(files: readonly File[]): Promise<tfl.LayersModel> {
  const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (jsons.length !== 1) {
    throw new DropError(`Drop one model.json together with its weight files (got ${jsons.length} .json files among ${files.length} files).`);
  }
  const json = jsons[0];
  let parsed: { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown };
  try {
    parsed = JSON.parse(await json.text()) as typeof parsed;
  } catch (e) {
    throw new DropError(`${json.name} is not valid JSON (${(e as Error).message}).`);
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.modelTopology !== 'object' || parsed.modelTopology === null) {
    throw new DropError(`${json.name} is not a TF.js Layers model: it has no modelTopology.`);
  }
  if (parsed.format === 'graph-model' || (parsed.modelTopology as { node?: unknown }).node !== undefined) {
    throw new DropError(`${json.name} is a TF.js graph model, not a Layers model; only Layers models can be certified.`);
  }
  if (!Array.isArray(parsed.weightsManifest)) {
    throw new DropError(`${json.name} is not a TF.js Layers model with weights: it has no weightsManifest.`);
  }
  const byName = new Map(files.filter((f) => f !== json).map((f) => [f.name, f]));
  const weightFiles: File[] = [];
  (parsed.weightsManifest as Manifest[]).forEach((group, g) => {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new DropError(`${json.name}: weightsManifest[${g}] has no paths or weights list.`);
    }
    let need = 0;
    for (const w of group.weights as { name?: string; shape?: number[]; dtype?: string; quantization?: { dtype?: string } }[]) {
      const per = bytesPer(w);
      if (per === null || !Array.isArray(w.shape)) throw new DropError(`${json.name}: weight ${w.name ?? '?'} has an unknown dtype or no shape.`);
      need += per * w.shape.reduce((a, b) => a * b, 1);
    }
    let have = 0;
    for (const p of group.paths as string[]) {
      const f = byName.get(base(p));
      if (f === undefined) throw new DropError(`The weight file ${base(p)} named in ${json.name} was not dropped with it.`);
      have += f.size;
      weightFiles.push(f);
    }
    if (have !== need) {
      throw new DropError(`The weights do not match the manifest: ${(group.paths as string[]).map(base).join(', ')} hold ${have} bytes, ` +
        `the ${(group.weights as unknown[]).length} weights of ${json.name} need ${need} bytes.`);
    }
  });
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.browserFiles([json, ...weightFiles]));
  } catch (e) {
    throw new DropError(`The model could not be loaded: ${(e as Error).message}`);
  }
  return model;
}
