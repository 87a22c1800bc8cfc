import { LipkitError } from '../util/errors.js';
import { readRegularFile } from './modelFiles/readRegularFile.js';

/** Examples read from a `--data` file: flat float32 values and the per-example shape. */
export interface InputData {
  values: Float32Array;
  /** Number of examples. */
  count: number;
  /** Shape of one example (batch axis excluded). */
  shape: number[];
  /** Integer class labels, one per example, when the file gives `"labels"` (optional). */
  labels?: Int32Array;
}

/** Largest data file read (4096 examples of 8192 numbers in JSON stay below it). */
const MAX_DATA_BYTES = 512 * 2 ** 20;

/** Largest number of examples accepted from a data file. */
const MAX_EXAMPLES = 4096;

/**
 * Reads input examples for the empirical lower bound from a JSON file holding either
 * `{ "inputs": [...] }` or a plain array; each example is a number or nested arrays of
 * numbers. All examples must share one shape (equal to `expectedShape` when given, batch
 * excluded); values must be finite. The object form may also hold `"labels": [...]`, one
 * non-negative integer class index per example (used by `--local-radius` for certified
 * robust accuracy). Errors are `LipkitError`s naming the file.
 */
export async function readInputData(file: string, expectedShape?: (number | null)[]): Promise<InputData> {
  // a regular file only (a FIFO or a device would hang or never end), at most MAX_DATA_BYTES (issue 9)
  const bytes = await readRegularFile({ path: file, argument: file, label: 'data file' }, MAX_DATA_BYTES);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LipkitError(file, `corrupt JSON (${(e as Error).message})`);
  }
  const examples = Array.isArray(json) ? json
    : json !== null && typeof json === 'object' && Array.isArray((json as { inputs?: unknown }).inputs)
      ? (json as { inputs: unknown[] }).inputs : undefined;
  if (examples === undefined) throw new LipkitError(file, 'must hold an array of examples or an object { "inputs": [...] }');
  if (examples.length === 0) throw new LipkitError(file, 'holds no examples');
  if (examples.length > MAX_EXAMPLES) throw new LipkitError(file, `holds ${examples.length} examples, at most ${MAX_EXAMPLES} are accepted`);

  const shape = shapeOf(file, examples[0], 'inputs[0]');
  if (expectedShape !== undefined) {
    const ok = expectedShape.length === shape.length && expectedShape.every((d, i) => d === null || d === shape[i]);
    if (!ok) {
      throw new LipkitError(file, `examples have shape [${shape.join(', ')}], the model expects [${expectedShape.map((d) => d ?? '?').join(', ')}] (batch excluded)`);
    }
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) throw new LipkitError(file, 'examples must not be empty');
  const values = new Float32Array(size * examples.length);
  let offset = 0;
  examples.forEach((ex, i) => {
    offset = flatten(file, ex, shape, 0, values, offset, `inputs[${i}]`);
  });
  const labels = readLabels(file, json, examples.length);
  return labels ? { values, count: examples.length, shape, labels } : { values, count: examples.length, shape };
}

/** The optional `labels` array of the object form: one non-negative integer per example. */
function readLabels(file: string, json: unknown, count: number): Int32Array | undefined {
  if (Array.isArray(json) || json === null || typeof json !== 'object' || !('labels' in json)) return undefined;
  const labels = (json as { labels: unknown }).labels;
  if (!Array.isArray(labels)) throw new LipkitError(file, '"labels" must be an array of class indices');
  if (labels.length !== count) throw new LipkitError(file, `"labels" has ${labels.length} entries, expected one per example (${count})`);
  labels.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l > 1e6) {
      throw new LipkitError(file, `labels[${i}] must be a non-negative integer class index, got ${JSON.stringify(l) ?? String(l)}`);
    }
  });
  return Int32Array.from(labels as number[]);
}

/** Shape of a nested array, following first elements. */
function shapeOf(file: string, x: unknown, where: string): number[] {
  const shape: number[] = [];
  let cur = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) throw new LipkitError(file, `${where} contains an empty array`);
    if (shape.length > 8) throw new LipkitError(file, `${where} is nested deeper than 8 levels`);
    cur = cur[0];
  }
  return shape;
}

function flatten(file: string, x: unknown, shape: number[], axis: number, out: Float32Array, offset: number, where: string): number {
  if (axis === shape.length) {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new LipkitError(file, `${where} must be a finite number, got ${JSON.stringify(x) ?? String(x)}`);
    }
    out[offset] = x;
    return offset + 1;
  }
  if (!Array.isArray(x) || x.length !== shape[axis]) {
    throw new LipkitError(file, `${where} must be an array of length ${shape[axis]} (all examples share the shape [${shape.join(', ')}])`);
  }
  let o = offset;
  x.forEach((v, i) => { o = flatten(file, v, shape, axis + 1, out, o, `${where}[${i}]`); });
  return o;
}
