import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { setBackend } from '../../../src/backend/setBackend.js';
import { localLipschitzBound } from '../../../src/estimate/local/localLipschitzBound.js';
import { intervalBounds } from '../../../src/estimate/local/intervalBounds.js';
import { jacobianBounds } from '../../../src/estimate/local/jacobianBounds.js';
import { localGraph } from '../../../src/estimate/local/localGraph.js';
import { lipschitzBound } from '../../../src/estimate/network/lipschitzBound.js';
import { expectError } from '../../expectLipkitError.js';
import { mulberry32, normOf, oracleForward, oracleLayers, pointInBall } from './mlpOracle.js';

function mlp(seed: number, widths: number[], activation: string): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [];
  for (let i = 1; i < widths.length; i++) {
    layers.push(tfl.layers.dense({
      units: widths[i], inputShape: i === 1 ? [widths[0]] : undefined,
      activation: (i === widths.length - 1 ? 'linear' : activation) as 'relu',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: seed * 10 + i }),
      biasInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: seed * 10 + i + 100 }),
    }));
  }
  return tfl.sequential({ layers });
}

describe('localLipschitzBound', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('is >= every Jacobian norm and difference quotient found inside the ball, and <= the global bound (property, float64 oracle)', () => {
    const acts = ['relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'swish', 'selu', 'softsign'];
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e6 }), fc.constantFrom(...acts), fc.integer({ min: 2, max: 5 }),
      fc.array(fc.integer({ min: 2, max: 8 }), { minLength: 1, maxLength: 3 }), fc.double({ min: 0.005, max: 2, noNaN: true }),
      fc.constantFrom('linear', 'interval'),
      (seed, act, d, hidden, radius, relaxation) => {
        const model = mlp(seed, [d, ...hidden, 3], act);
        const rand = mulberry32(seed);
        const x = Float64Array.from({ length: d }, () => 2 * rand() - 1);
        const xt = tf.tensor2d([Array.from(x)]);
        const before = tf.memory().numTensors;
        const res = localLipschitzBound(model, xt, { radius, relaxation: relaxation as 'linear' });
        expect(tf.memory().numTensors).toBe(before);
        const bound = res.bounds[0];
        const global = lipschitzBound(model, { method: 'product' }).upperBound;
        expect(bound).toBeLessThanOrEqual(global);
        const layers = oracleLayers(model);
        // Pre-activation boxes contain every sampled pre-activation (float64 oracle).
        const graph = localGraph(model, [d]);
        const boxes = intervalBounds(graph, x, radius, { relaxation: relaxation as 'linear' });
        const preOps = graph.ops.map((op, i) => (op.kind === 'affine' ? i : -1)).filter((i) => i >= 0);
        let best = 0;
        let bestZ: Float64Array = x;
        const pts: Float64Array[] = [];
        for (let s = 0; s < 60; s++) pts.push(pointInBall(x, radius, rand, s % 3 === 0));
        const jb = jacobianBounds(graph, boxes);
        for (const z of pts) {
          const o = oracleForward(layers, z);
          // The interval Jacobian contains the exact Jacobian entrywise.
          o.jac.forEach((row, r) => row.forEach((v, k) => {
            const c = jb.c[r * d + k];
            const w = jb.r[r * d + k];
            if (v < c - w - 1e-12 || v > c + w + 1e-12) expect.unreachable(`J[${r}, ${k}] = ${v} outside [${c - w}, ${c + w}]`);
          }));
          o.pre.forEach((p, l) => p.forEach((v, j) => {
            const b = boxes[preOps[l]];
            if (v < b.lo[j] || v > b.hi[j]) expect.unreachable(`pre-activation ${l}/${j} = ${v} outside [${b.lo[j]}, ${b.hi[j]}]`);
          }));
          const n = normOf(o.jac);
          if (n > best) { best = n; bestZ = z; }
        }
        // Hill-climb on ||J(z)|| inside the ball (ascent by random steps, projected).
        for (let s = 0; s < 40; s++) {
          const step = pointInBall(bestZ, radius * 0.2, rand);
          const dz = step.map((v, i) => v - x[i]);
          const nz = Math.hypot(...dz);
          const z = nz > radius ? Float64Array.from(dz, (v, i) => x[i] + (v * radius) / nz) : step;
          const n = normOf(oracleForward(layers, z).jac);
          if (n > best) { best = n; bestZ = z; }
        }
        expect(bound).toBeGreaterThanOrEqual(best * (1 - 1e-9));
        // Realized difference quotients of pairs inside the ball.
        for (let s = 0; s + 1 < pts.length; s += 2) {
          const ya = oracleForward(layers, pts[s]).y;
          const yb = oracleForward(layers, pts[s + 1]).y;
          const q = Math.hypot(...ya.map((v, i) => v - yb[i])) / Math.hypot(...pts[s].map((v, i) => v - pts[s + 1][i]));
          expect(bound).toBeGreaterThanOrEqual(q * (1 - 1e-9));
        }
        xt.dispose();
        model.dispose();
      },
    ), { seed: 11, numRuns: 25 });
  });

  it('tends to the Jacobian norm at x as the radius shrinks (ReLU and tanh nets, away from kinks)', () => {
    for (const act of ['relu', 'tanh']) {
      const model = mlp(3, [5, 16, 16, 4], act);
      const rand = mulberry32(5);
      const xs = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => 2 * rand() - 1));
      const layers = oracleLayers(model);
      const xt = tf.tensor2d(xs);
      const small = localLipschitzBound(model, xt, { radius: 1e-7 });
      const bigger = localLipschitzBound(model, xt, { radius: 0.3 });
      xs.forEach((x, i) => {
        const exact = normOf(oracleForward(layers, x).jac);
        expect(small.localBounds[i]).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
        expect(small.localBounds[i]).toBeLessThanOrEqual(exact * (1 + 1e-5));
        expect(bigger.localBounds[i]).toBeGreaterThanOrEqual(small.localBounds[i] * (1 - 1e-9));
      });
      xt.dispose();
      model.dispose();
    }
  });

  it('first layer boxes are exact over the l2 ball (x_i ± r ||W_i||_2, float64 oracle)', () => {
    const model = mlp(7, [3, 4, 2], 'relu');
    const x = Float64Array.from([0.3, -0.2, 0.9]);
    const graph = localGraph(model, [3]);
    const boxes = intervalBounds(graph, x, 0.25, { relaxation: 'interval' });
    const [L] = oracleLayers(model);
    const c = oracleForward([L], x).pre[0];
    for (let o = 0; o < 4; o++) {
      let n2 = 0;
      for (let i = 0; i < 3; i++) n2 += L.w[i * 4 + o] ** 2;
      const r = 0.25 * Math.sqrt(n2);
      expect(boxes[1].lo[o]).toBeCloseTo(c[o] - r, 12);
      expect(boxes[1].hi[o]).toBeCloseTo(c[o] + r, 12);
      expect(boxes[1].lo[o]).toBeLessThanOrEqual(c[o] - r);
    }
    model.dispose();
  });

  it('linear relaxation boxes lie inside the interval boxes and are strictly tighter on a deeper net', () => {
    const model = mlp(9, [6, 24, 24, 24, 5], 'relu');
    const graph = localGraph(model, [6]);
    const rand = mulberry32(2);
    let tighter = 0;
    for (let t = 0; t < 3; t++) {
      const x = Float64Array.from({ length: 6 }, () => 2 * rand() - 1);
      const lin = intervalBounds(graph, x, 0.2, { relaxation: 'linear' });
      const ibp = intervalBounds(graph, x, 0.2, { relaxation: 'interval' });
      lin.forEach((b, i) => b.lo.forEach((lo, j) => {
        expect(lo).toBeGreaterThanOrEqual(ibp[i].lo[j] - 1e-12);
        expect(b.hi[j]).toBeLessThanOrEqual(ibp[i].hi[j] + 1e-12);
        if (b.hi[j] - lo < 0.9 * (ibp[i].hi[j] - ibp[i].lo[j])) tighter++;
      }));
    }
    expect(tighter).toBeGreaterThan(10);
    model.dispose();
  });

  it('handles conv, batch norm, max/average pooling, residual Add and a final softmax, above TF.js gradients and quotients', () => {
    const inp = tfl.input({ shape: [6, 6, 2] });
    const c1 = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }), biasInitializer: tfl.initializers.randomNormal({ seed: 2, stddev: 0.3 }) }).apply(inp) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: 3 }), movingMeanInitializer: tfl.initializers.randomNormal({ seed: 4, stddev: 0.2 }) }).apply(c1) as tfl.SymbolicTensor;
    const c2 = tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }).apply(bn) as tfl.SymbolicTensor;
    const add = tfl.layers.add().apply([bn, c2]) as tfl.SymbolicTensor;
    const mp = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(add) as tfl.SymbolicTensor;
    const ap = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(mp) as tfl.SymbolicTensor;
    const c3 = tfl.layers.conv1d({ filters: 2, kernelSize: 2, activation: 'elu' }).apply(tfl.layers.reshape({ targetShape: [9, 3] }).apply(ap) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }).apply(tfl.layers.flatten().apply(c3) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: out });
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 9);
    const radius = 0.3;
    const before = tf.memory().numTensors;
    const res = localLipschitzBound(model, x, { radius });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.softmaxStripped).toBe(true);
    expect(res.bounds[0]).toBeLessThanOrEqual(lipschitzBound(model, { method: 'product' }).upperBound);
    const rand = mulberry32(3);
    const xs = x.arraySync() as number[][][][];
    for (let i = 0; i < 2; i++) {
      const flat = xs[i].flat(2);
      let best = 0;
      for (let s = 0; s < 12; s++) {
        const z = pointInBall(flat, radius, rand, s % 2 === 0);
        const w = pointInBall(flat, radius, rand);
        const jn = tf.tidy(() => {
          const zt = tf.tensor(Array.from(z), [1, 6, 6, 2]);
          const rows: number[][] = [];
          for (let k = 0; k < 3; k++) {
            const g = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(model.apply(t) as tf.Tensor, [0, k], [1, 1])))(zt);
            rows.push(Array.from(g.dataSync()));
          }
          return normOf(rows.map((r) => Float64Array.from(r)));
        });
        const q = tf.tidy(() => {
          const y = model.predict(tf.tensor([Array.from(z), Array.from(w)].flat(), [2, 6, 6, 2])) as tf.Tensor;
          const v = y.dataSync();
          return Math.hypot(v[0] - v[3], v[1] - v[4], v[2] - v[5]) / Math.hypot(...z.map((t, k) => t - w[k]));
        });
        best = Math.max(best, jn, q);
      }
      expect(res.bounds[i]).toBeGreaterThanOrEqual(best * (1 - 1e-4));
    }
    x.dispose();
    model.dispose();
  });

  it('rejects bad arguments and unsupported layers by name', () => {
    const model = mlp(1, [3, 4, 2], 'relu');
    const x = tf.zeros([1, 3]);
    expectError(() => localLipschitzBound(model, x, { radius: -1 }), 'options.radius');
    expectError(() => localLipschitzBound(model, x, { radius: Number.NaN }), 'options.radius');
    expectError(() => localLipschitzBound(model, x, { radius: 1, norm: 'linf' as 'l2' }), 'options.norm');
    const bad = tf.zeros([1, 4]);
    expectError(() => localLipschitzBound(model, bad, { radius: 1 }), 'x');
    const ln = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3] }), tfl.layers.layerNormalization({ name: 'myNorm' })] });
    expect(() => localLipschitzBound(ln, x, { radius: 1 })).toThrow(/myNorm/);
    const fallback = localLipschitzBound(ln, x, { radius: 1, onUnsupported: 'global', globalBound: 3 });
    expect(Array.from(fallback.bounds)).toEqual([3]);
    expect(fallback.methods).toEqual(['global']);
    expect(fallback.notes[0]).toMatch(/fell back to the global bound: .*myNorm/);
    expectError(() => localLipschitzBound(model, x, { radius: 1, onUnsupported: 'skip' as 'global' }), 'options.onUnsupported');
    x.dispose(); bad.dispose(); model.dispose(); ln.dispose();
  });
});
