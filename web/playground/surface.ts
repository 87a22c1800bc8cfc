import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The plane shown: [-VIEW, VIEW]^2. */
export const VIEW = 2;
/** Grid cells per side of the decision surface. */
export const GRID = 64;

let gridInputs: tf.Tensor2D | null = null;

function grid(): tf.Tensor2D {
  if (gridInputs === null) {
    const v = new Float32Array(2 * GRID * GRID);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const i = r * GRID + c;
        v[2 * i] = -VIEW + (2 * VIEW * (c + 0.5)) / GRID;
        v[2 * i + 1] = VIEW - (2 * VIEW * (r + 0.5)) / GRID;
      }
    }
    gridInputs = tf.keep(tf.tensor2d(v, [GRID * GRID, 2]));
  }
  return gridInputs;
}

/** Colour of probability p of class 1: orange (class 0) through white to blue (class 1). */
function colour(p: number): [number, number, number] {
  const a = [230, 120, 40];
  const b = [40, 110, 210];
  const w = 1 - Math.abs(2 * p - 1);
  const end = p < 0.5 ? a : b;
  return [0, 1, 2].map((k) => Math.round(end[k] * (1 - w) + 250 * w)) as [number, number, number];
}

/**
 * Draws the model's probability of class 1 over the plane (GRID x GRID cells, softmax of the
 * two logits) and the data points on `canvas`. Returns the number of cells drawn.
 */
export function drawSurface(canvas: HTMLCanvasElement, model: tfl.LayersModel, points: Float32Array, labels: Int32Array): number {
  const probs = tf.tidy(() => tf.slice(tf.softmax(model.predict(grid()) as tf.Tensor), [0, 1], [-1, 1]).dataSync());
  const ctx = canvas.getContext('2d');
  if (ctx === null) return 0;
  const cells = new ImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    const [r, g, b] = colour(probs[i]);
    cells.data.set([r, g, b, 255], 4 * i);
  }
  const off = document.createElement('canvas');
  off.width = GRID;
  off.height = GRID;
  off.getContext('2d')?.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  const scale = canvas.width / (2 * VIEW);
  for (let i = 0; i < labels.length; i++) {
    const x = (points[2 * i] + VIEW) * scale;
    const y = (VIEW - points[2 * i + 1]) * scale;
    ctx.beginPath();
    ctx.arc(x, y, 3, 0, 2 * Math.PI);
    ctx.fillStyle = labels[i] === 1 ? 'rgb(20,70,160)' : 'rgb(190,80,10)';
    ctx.fill();
    ctx.strokeStyle = 'white';
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  return GRID * GRID;
}
