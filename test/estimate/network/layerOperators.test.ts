import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../../src/backend/setBackend.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../../src/estimate/network/lipschitzLowerBound.js';
import { exactSingularValues } from '../../../src/estimate/exactSingularValues.js';
import { LAYER_CASES, type LayerCase } from './layerCases.js';
import { rng } from '../denseLinalg.js';

interface Built { model: tfl.LayersModel; layer: tfl.layers.Layer; sizes: number[] }

function build(c: LayerCase): Built {
  const inputs = c.inputs.map((s) => tfl.input({ shape: s }));
  const layer = c.make();
  const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tfl.SymbolicTensor;
  return { model: tfl.model({ inputs, outputs: out }), layer, sizes: c.inputs.map((s) => s.reduce((a, b) => a * b, 1)) };
}

/** The model on a batch of flat concatenated inputs [n, sum sizes], as flat outputs [n, m] (float64). */
function evaluate({ model, sizes }: Built, c: LayerCase, flat: number[][]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(flat);
    let offset = 0;
    const parts = sizes.map((s, i) => {
      const p = tf.reshape(tf.slice(x, [0, offset], [-1, s]), [flat.length, ...c.inputs[i]]);
      offset += s;
      return p;
    });
    const y = model.predict(parts.length === 1 ? parts[0] : parts) as tf.Tensor;
    return tf.reshape(y, [flat.length, -1]).arraySync() as number[][];
  });
}

/** Exact operator norm of an affine layer: columns f(e_i) - f(0) from its own forward pass, float64 Jacobi SVD. */
function linearNorm(b: Built, c: LayerCase): number {
  const d = b.sizes.reduce((a, v) => a + v, 0);
  const basis = [new Array<number>(d).fill(0), ...Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)))];
  const y = evaluate(b, c, basis);
  const cols = y.slice(1).map((row) => row.map((v, j) => v - y[0][j]));
  return exactSingularValues(cols)[0];
}

/** Largest realized quotient: random pairs at several distances, and lipschitzLowerBound's search for one input. */
function realizedQuotient(b: Built, c: LayerCase): number {
  const d = b.sizes.reduce((a, v) => a + v, 0);
  const r = rng(99);
  const g = (): number => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  const scale = c.scale ?? 2;
  let best = 0;
  for (const step of [1, 0.1, 0.01]) {
    const xs = Array.from({ length: 64 }, () => Array.from({ length: d }, () => scale * g()));
    const ys = xs.map((x) => x.map((v) => v + step * scale * g()));
    const fx = evaluate(b, c, xs);
    const fy = evaluate(b, c, ys);
    xs.forEach((x, i) => {
      const num = Math.hypot(...fx[i].map((v, j) => v - fy[i][j]));
      const den = Math.hypot(...x.map((v, j) => v - ys[i][j]));
      best = Math.max(best, num / den);
    });
  }
  if (b.sizes.length === 1) {
    const x = tf.mul(tf.randomNormal([8, ...c.inputs[0]], 0, 1, 'float32', 5), scale);
    best = Math.max(best, lipschitzLowerBound(b.model, x, { steps: 10 }).lowerBound);
    x.dispose();
  }
  return best;
}

describe.each(['cpu', 'wasm'] as const)('every layer rule against the operator the layer computes (%s)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(LAYER_CASES)('$name', (c) => {
    const b = build(c);
    const row = lipschitzBound(b.model).layers.find((l) => l.name === b.layer.name);
    expect(row, 'the layer has a row').toBeDefined();
    const constant = row!.lipschitz;
    const measured = c.linear ? linearNorm(b, c) : realizedQuotient(b, c);
    expect(measured).toBeGreaterThan(0);
    expect(constant, `${row!.method}: rule ${constant} vs measured ${measured}`).toBeGreaterThanOrEqual(measured * (1 - 1e-5));
    if (c.tight) expect(constant, `${row!.method}: rule ${constant} vs exact ${measured}`).toBeLessThanOrEqual(measured * 1.002);
    b.model.dispose();
  });
});
