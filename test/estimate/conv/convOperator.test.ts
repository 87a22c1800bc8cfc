import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { setBackend } from '../../../src/backend/setBackend.js';
import { convGeometry, type ConvPadding } from '../../../src/estimate/conv/convGeometry.js';
import { convOperator } from '../../../src/estimate/conv/convOperator.js';

interface FixtureCase {
  name: string; kernelShape: number[]; kernel: number[]; inputShape: number[];
  strides: number[]; dilation: number[]; padding: ConvPadding; outputShape: number[];
  operatorNorm: number; reshapedNorm: number; x: number[]; y: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/conv_fixture.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
function rand(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`convOperator on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });
    afterAll(() => { tf.disposeVariables(); });

    it('applies exactly the convolution of the PyTorch fixture (tfjs padding rules, dilation, strides)', () => {
      for (const c of fixture.cases) {
        const kernel = tf.tensor(c.kernel, c.kernelShape);
        const op = convOperator(convGeometry(kernel, c.inputShape, { strides: c.strides, padding: c.padding, dilation: c.dilation }));
        const before = tf.memory().numTensors;
        const x = tf.tensor1d(c.x);
        const y = op.apply(x);
        expect(y.shape, c.name).toEqual([c.y.length]);
        const got = y.dataSync();
        const scale = Math.max(...c.y.map(Math.abs));
        for (let i = 0; i < c.y.length; i++) expect(Math.abs(got[i] - c.y[i]), `${c.name} [${i}]`).toBeLessThan(1e-5 * scale + 1e-6);
        x.dispose();
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
        op.dispose();
        kernel.dispose();
      }
    });

    it('adjoint satisfies <A x, y> = <x, A^T y> for every padding, stride and dilation, odd and even sizes', () => {
      let seed = 1;
      let checked = 0;
      for (const padding of ['same', 'valid', 'circular'] as const) {
        for (const [h, w] of [[5, 7], [6, 6], [9, 4]]) {
          for (const [kh, kw] of [[3, 3], [2, 4], [1, 3]]) {
            for (const strides of [[1, 1], [2, 2], [3, 2]]) {
              for (const dilation of [[1, 1], [2, 1]]) {
                const cin = 2;
                const cout = 3;
                const kernel = tf.tensor4d(rand(kh * kw * cin * cout, seed++), [kh, kw, cin, cout]);
                let geom;
                try {
                  geom = convGeometry(kernel, [h, w, cin], { strides, padding, dilation });
                } catch {
                  kernel.dispose();
                  continue; // kernel larger than the input with 'valid'
                }
                const op = convOperator(geom);
                const before = tf.memory().numTensors;
                const x = tf.tensor1d(rand(op.inDim, seed++));
                const y = tf.tensor1d(rand(op.outDim, seed++));
                const ax = op.apply(x);
                const aty = op.adjoint(y);
                expect(ax.shape).toEqual([op.outDim]);
                expect(aty.shape).toEqual([op.inDim]);
                const lhs = dot(ax.dataSync(), y.dataSync());
                const rhs = dot(x.dataSync(), aty.dataSync());
                const scale = Math.sqrt(dot(ax.dataSync(), ax.dataSync()) * op.outDim);
                const label = `${padding} ${h}x${w} k${kh}x${kw} s${strides} d${dilation}`;
                expect(Math.abs(lhs - rhs), label).toBeLessThan(1e-5 * scale + 1e-6);
                tf.dispose([x, y, ax, aty]);
                expect(tf.memory().numTensors).toBe(before);
                op.dispose();
                kernel.dispose();
                checked++;
              }
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('matches tfjs-layers Conv2D and Conv1D layers (same kernel, no bias)', () => {
      const configs: { rank: 1 | 2; padding: 'same' | 'valid'; strides: number; dilation: number }[] = [
        { rank: 2, padding: 'same', strides: 2, dilation: 1 },
        { rank: 2, padding: 'valid', strides: 1, dilation: 2 },
        { rank: 2, padding: 'same', strides: 1, dilation: 2 },
        { rank: 1, padding: 'same', strides: 2, dilation: 1 },
        { rank: 1, padding: 'valid', strides: 1, dilation: 3 },
      ];
      let seed = 100;
      for (const cfg of configs) {
        const inputShape = cfg.rank === 2 ? [7, 6, 2] : [11, 2];
        const kshape = cfg.rank === 2 ? [3, 2, 2, 3] : [3, 2, 3];
        const kernel = tf.tensor(rand(kshape.reduce((a, b) => a * b), seed++), kshape);
        const common = { filters: 3, kernelSize: cfg.rank === 2 ? [3, 2] : 3, strides: cfg.strides, padding: cfg.padding, dilationRate: cfg.dilation, useBias: false, inputShape };
        const layer = cfg.rank === 2 ? tfl.layers.conv2d(common) : tfl.layers.conv1d(common);
        const model = tfl.sequential({ layers: [layer] });
        layer.setWeights([kernel]);
        const x = tf.tensor(rand(inputShape.reduce((a, b) => a * b), seed++), [1, ...inputShape]);
        const expected = model.predict(x) as tf.Tensor;
        const op = convOperator(convGeometry(kernel, inputShape, { strides: cfg.strides, padding: cfg.padding, dilation: cfg.dilation }));
        const flat = tf.reshape(x, [-1]) as tf.Tensor1D;
        const got = op.apply(flat);
        const e = expected.dataSync();
        const g = got.dataSync();
        expect(g.length, JSON.stringify(cfg)).toBe(e.length);
        for (let i = 0; i < e.length; i++) expect(Math.abs(g[i] - e[i]), JSON.stringify(cfg)).toBeLessThan(1e-5);
        tf.dispose([x, expected, flat, got, kernel]);
        op.dispose();
        model.layers.forEach((l) => l.dispose());
      }
    });
  });
}
