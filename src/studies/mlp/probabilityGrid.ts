import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { readValues } from '../../util/readValues.js';

/** Options of `probabilityGrid`. */
export interface ProbabilityGridOptions {
  /** [min, max] of the first input coordinate. Default [-1.5, 2.5] (two moons). */
  xRange?: [number, number];
  /** [min, max] of the second input coordinate. Default [-1, 1.5]. */
  yRange?: [number, number];
  /** Cells along x. Default 60. */
  nx?: number;
  /** Cells along y. Default 40. */
  ny?: number;
  /** Class whose softmax probability is reported. Default 1. */
  classIndex?: number;
  /** The model sees `inputScale * (x, y)` (a model trained on scaled data, plotted in the original units). Default 1. */
  inputScale?: number;
}

/** One grid cell: its corners in plot units and the class probability at its centre. */
export interface GridCell {
  x: number;
  x2: number;
  y: number;
  y2: number;
  p: number;
}

function checkRange(name: string, r: unknown, fallback: [number, number]): [number, number] {
  const v = r ?? fallback;
  if (!Array.isArray(v) || v.length !== 2) throw new LipkitError(name, 'must be [min, max]');
  checkNumber(`${name}[0]`, v[0]);
  checkNumber(`${name}[1]`, v[1], { min: v[0] as number, exclusiveMin: true });
  return [v[0] as number, v[1] as number];
}

/**
 * The softmax probability of one class over a regular grid of a 2-D input plane, in inference
 * mode (a decision surface; cells are row-major from the bottom-left). Leaves no tensors behind.
 */
export function probabilityGrid(model: tfl.LayersModel, options: ProbabilityGridOptions = {}): GridCell[] {
  if (!(model instanceof tfl.LayersModel)) throw new LipkitError('model', 'must be a tf.LayersModel');
  const [x0, x1] = checkRange('options.xRange', options.xRange, [-1.5, 2.5]);
  const [y0, y1] = checkRange('options.yRange', options.yRange, [-1, 1.5]);
  const nx = checkNumber('options.nx', options.nx ?? 60, { min: 1, max: 2000, integer: true });
  const ny = checkNumber('options.ny', options.ny ?? 40, { min: 1, max: 2000, integer: true });
  const k = checkNumber('options.classIndex', options.classIndex ?? 1, { min: 0, integer: true });
  const scale = checkNumber('options.inputScale', options.inputScale ?? 1, { min: 0, exclusiveMin: true });
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  const centres = new Float32Array(2 * nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const c = j * nx + i;
      centres[2 * c] = scale * (x0 + (i + 0.5) * dx);
      centres[2 * c + 1] = scale * (y0 + (j + 0.5) * dy);
    }
  }
  const p = readValues(() => {
    const logits = model.apply(tf.tensor2d(centres, [nx * ny, 2]), { training: false }) as tf.Tensor;
    if (logits.rank !== 2 || k >= (logits.shape[1] as number)) {
      throw new LipkitError('options.classIndex', `must index the model's ${logits.shape[1]} outputs, got ${k}`);
    }
    return tf.slice(tf.softmax(logits), [0, k], [-1, 1]);
  });
  const cells: GridCell[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      cells.push({ x: x0 + i * dx, x2: x0 + (i + 1) * dx, y: y0 + j * dy, y2: y0 + (j + 1) * dy, p: p[j * nx + i] });
    }
  }
  return cells;
}
