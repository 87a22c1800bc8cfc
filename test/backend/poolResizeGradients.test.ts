import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { installAvgPoolGradients, uninstallAvgPoolGradients } from '../../src/backend/avgPoolGradients.js';
import { installResizeGradients, uninstallResizeGradients } from '../../src/backend/resizeGradients.js';
import { installDepthwiseBackpropGradients, uninstallDepthwiseBackpropGradients } from '../../src/backend/depthwiseBackpropGradients.js';
import { adjointOracle } from './linearAdjoint.js';
import { denseConvMatrix, rand } from '../estimate/conv/denseConvOracle.js';

const run = (kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor =>
  tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

function maxRelErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (scale + 1e-30));
  return worst;
}

/**
 * Exact-adjoint check: for a backward kernel L, linear in its argument a (other inputs fixed), the
 * gradient of <ddx, L(a)> in a must be Lᵀ ddx; the oracle reads L's matrix off TF.js's own kernel
 * on basis vectors (float64 sums), independent of any gradient code.
 */
function expectAdjoint(linear: (a: tf.Tensor) => tf.Tensor, aShape: number[], seed: number): void {
  const a0 = tf.tensor(rand(aShape.reduce((p, v) => p * v, 1), seed), aShape);
  const outShape = tf.tidy(() => linear(a0).shape);
  const ddx = Float32Array.from(rand(outShape.reduce((p, v) => p * v, 1), seed + 1));
  const ref = adjointOracle(linear, aShape, ddx);
  const before = tf.memory().numTensors;
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.tensor(ddx, outShape), linear(a))))(a0);
  const got = g.dataSync();
  g.dispose();
  expect(tf.memory().numTensors).toBe(before);
  a0.dispose();
  expect(got.length).toBe(ref.length);
  expect(maxRelErr(got, ref)).toBeLessThan(1e-5);
  expect(ref.some((e) => e !== 0)).toBe(true);
}

const POOLS = [
  { filterSize: 2, strides: 2, pad: 'valid' as const },
  { filterSize: 3, strides: 1, pad: 'same' as const },
  { filterSize: [3, 2] as [number, number], strides: [2, 1] as [number, number], pad: 'same' as const },
];
const RESIZES = [
  { size: [6, 4] as [number, number], alignCorners: false, halfPixelCenters: false },
  { size: [7, 5] as [number, number], alignCorners: true, halfPixelCenters: false },
  { size: [6, 6] as [number, number], alignCorners: false, halfPixelCenters: true },
];

/** Float64 dense matrix (rows: outputs) of a per-sample linear map read off TF.js's forward pass on basis vectors. */
function denseOf(linear: (a: tf.Tensor) => tf.Tensor, inShape: number[]): { M: Float64Array[]; outShape: number[] } {
  const n = inShape.reduce((p, v) => p * v, 1);
  const cols: Float32Array[] = [];
  let outShape: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = new Float32Array(n);
    e[i] = 1;
    const y = tf.tidy(() => linear(tf.tensor(e, inShape)));
    outShape = y.shape;
    cols.push(y.dataSync() as Float32Array);
    y.dispose();
  }
  const M = Array.from({ length: cols[0].length }, (_, r) => Float64Array.from(cols, (c) => c[r]));
  return { M, outShape };
}
const mv = (M: ArrayLike<number>[], x: ArrayLike<number>): Float64Array =>
  Float64Array.from(M, (row) => { let s = 0; for (let i = 0; i < x.length; i++) s += row[i] * x[i]; return s; });
const mtv = (M: ArrayLike<number>[], y: ArrayLike<number>, n: number): Float64Array => {
  const out = new Float64Array(n);
  M.forEach((row, r) => { for (let i = 0; i < n; i++) out[i] += row[i] * y[r]; });
  return out;
};

const POOL_OPS = POOLS.map((p) => ({ name: `avgPool ${JSON.stringify(p)}`, inShape: [2, 5, 6, 2], f: (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, p.filterSize, p.strides, p.pad) }));
const RESIZE_OPS = RESIZES.flatMap((r) => [
  { name: `resizeNearestNeighbor ${JSON.stringify(r)}`, inShape: [2, 3, 2, 2], f: (t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, r.size, r.alignCorners, r.halfPixelCenters) },
  { name: `resizeBilinear ${JSON.stringify(r)}`, inShape: [2, 3, 2, 2], f: (t: tf.Tensor) => tf.image.resizeBilinear(t as tf.Tensor4D, r.size, r.alignCorners, r.halfPixelCenters) },
]);
const OPS = [...POOL_OPS, ...RESIZE_OPS];

describe.each(['cpu', 'wasm'] as const)('gradients of average pooling and resizes on %s', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(OPS)('first order: the gradient of $name is the exact adjoint of the forward kernel', ({ f, inShape }) => {
    expectAdjoint(f, inShape, 11);
  });

  it.each(OPS)('second order: d/d(dy) <ddx, d/dx <dy, f(x)>> = f(ddx) for $name (float64 matrix of the forward kernel)', ({ f, inShape }) => {
    const { M, outShape } = denseOf((t) => f(t), [1, ...inShape.slice(1)]);
    const B = inShape[0];
    const n = inShape.slice(1).reduce((p, v) => p * v, 1);
    const x0 = tf.tensor(rand(B * n, 12), inShape);
    const dy0 = tf.tensor(rand(B * M.length, 13), [B, ...outShape.slice(1)]);
    const ddx = Float32Array.from(rand(B * n, 14));
    const before = tf.memory().numTensors;
    const g = tf.grad((dy: tf.Tensor) => tf.sum(tf.mul(tf.tensor(ddx, inShape), tf.grad((x: tf.Tensor) => tf.sum(tf.mul(dy, f(x))))(x0))))(dy0);
    const got = g.dataSync();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const ref = Array.from({ length: B }, (_, b) => Array.from(mv(M, ddx.subarray(b * n, (b + 1) * n)))).flat();
    expect(maxRelErr(got, ref)).toBeLessThan(1e-5);
    tf.dispose([x0, dy0]);
  });

  it('stock TF.js gets first-order gradients wrong (avgPool with \'same\' padding; resizes on cpu with batch 2 or throws; halfPixelCenters on wasm)', () => {
    uninstallAvgPoolGradients();
    uninstallResizeGradients();
    const wrong = (op: typeof OPS[number]): boolean => {
      try { expectAdjoint(op.f, op.inShape, 11); return false; } catch { return true; }
    };
    try {
      expect(wrong(POOL_OPS[0])).toBe(false);
      expect(wrong(POOL_OPS[1])).toBe(true);
      expect(wrong(RESIZE_OPS[5])).toBe(true);
      if (backend === 'cpu') expect(wrong(RESIZE_OPS[0]) && wrong(RESIZE_OPS[1])).toBe(true);
    } finally {
      installAvgPoolGradients();
      installResizeGradients();
    }
  });

  it('the depthwise backprop kernels are differentiated as exact adjoints in each argument', () => {
    for (const geo of [{ strides: 1, pad: 'same', dilations: 1 }, { strides: 2, pad: 'valid', dilations: 1 }, { strides: 2, pad: 'same', dilations: 1 }] as const) {
      // Dilation 1 only: TF.js's cpu BackpropInput kernel ignores dilations (lipkit's dilated-conv gradients never call it with any).
      const xShape = [2, 6, 5, 2];
      const filter = tf.tensor4d(rand(3 * 3 * 2 * 2, 31), [3, 3, 2, 2]);
      const x = tf.tensor4d(rand(2 * 6 * 5 * 2, 32), xShape as [number, number, number, number]);
      const dy = tf.tidy(() => tf.depthwiseConv2d(x, filter, geo.strides, geo.pad, 'NHWC', geo.dilations));
      const attrs = { ...geo, dimRoundingMode: undefined };
      expectAdjoint((d) => run(tf.DepthwiseConv2dNativeBackpropInput, { dy: d, filter }, { ...attrs, inputShape: xShape }), dy.shape, 33);
      expectAdjoint((f) => run(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...attrs, inputShape: xShape }), filter.shape, 34);
      expectAdjoint((xx) => run(tf.DepthwiseConv2dNativeBackpropFilter, { x: xx, dy }, { ...attrs, filterShape: filter.shape }), xShape, 35);
      expectAdjoint((d) => run(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: d }, { ...attrs, filterShape: filter.shape }), dy.shape, 36);
      tf.dispose([filter, x, dy]);
    }
  });

  it.each([
    { p: POOLS[0], bilinear: false }, { p: POOLS[1], bilinear: true },
  ])('a gradient penalty through conv -> tanh -> avgPool -> upSampling -> tanh matches float64 finite differences (%j)', ({ p, bilinear }) => {
    const resize = bilinear ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor;
    // P(K, v) = sum_b || d/dx_b sum(v_b * tanh(U A tanh(C_K x_b))) ||^2 with C_K the 3x3 valid conv
    // (denseConvMatrix, float64), A the average pooling and U the 2x upsampling (matrices read
    // off TF.js's forward ops on basis vectors), so
    // d/dx = C_Kᵀ (tanh'(z1) * Aᵀ Uᵀ (v * tanh'(U A tanh(z1)))).
    const B = 2, H = 6, W = 6, C = 2;
    const kshape = [3, 3, C, C];
    const K0 = rand(36, 41);
    const x0 = rand(B * H * W * C, 42);
    const A = denseOf((t) => tf.avgPool(t as tf.Tensor4D, p.filterSize, p.strides, p.pad), [1, 4, 4, C]);
    const U = denseOf((t) => resize(t as tf.Tensor4D, [2 * t.shape[1]!, 2 * t.shape[2]!]), A.outShape);
    const m = U.M.length;
    const v0 = rand(B * m, 43);
    const n = H * W * C;
    const penalty64 = (K: number[], v: ArrayLike<number>): number => {
      const Cm = denseConvMatrix({ kernel: K, kshape, inputShape: [H, W], strides: [1, 1], dilation: [1, 1], padding: 'valid' });
      let total = 0;
      for (let b = 0; b < B; b++) {
        const z1 = mv(Cm, x0.slice(b * n, (b + 1) * n));
        const z3 = mv(U.M, mv(A.M, z1.map(Math.tanh)));
        const s3 = z3.map((z, i) => (v[b * m + i] as number) * (1 - Math.tanh(z) ** 2));
        const s1 = mtv(A.M, mtv(U.M, s3, A.M.length), z1.length).map((s, i) => s * (1 - Math.tanh(z1[i]) ** 2));
        total += mtv(Cm, s1, n).reduce((acc, g) => acc + g * g, 0);
      }
      return total;
    };
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(x0, [B, H, W, C]);
    const [gK, gv] = tf.grads((K: tf.Tensor, v: tf.Tensor) => {
      const gx = tf.grad((z: tf.Tensor) => {
        const pooled = tf.avgPool(tf.tanh(tf.conv2d(z as tf.Tensor4D, K as tf.Tensor4D, 1, 'valid')), p.filterSize, p.strides, p.pad);
        const up = resize(pooled, [2 * pooled.shape[1], 2 * pooled.shape[2]]);
        return tf.sum(tf.mul(v, tf.tanh(up)));
      })(x);
      return tf.sum(tf.square(gx));
    })([tf.tensor4d(K0, kshape as [number, number, number, number]), tf.tensor(v0, [B, ...U.outShape.slice(1)])]);
    const gotK = gK.dataSync();
    const gotV = gv.dataSync();
    const h = 1e-6;
    const fdK = K0.map((_, k) => {
      const up = K0.slice(); up[k] += h;
      const dn = K0.slice(); dn[k] -= h;
      return (penalty64(up, v0) - penalty64(dn, v0)) / (2 * h);
    });
    const fdV = v0.filter((_, k) => k % 3 === 0).map((_, j) => {
      const k = 3 * j;
      const up = v0.slice(); up[k] += h;
      const dn = v0.slice(); dn[k] -= h;
      return (penalty64(K0, up) - penalty64(K0, dn)) / (2 * h);
    });
    expect(maxRelErr(gotK, fdK)).toBeLessThan(2e-4);
    expect(maxRelErr(Array.from(gotV).filter((_, k) => k % 3 === 0), fdV)).toBeLessThan(2e-4);
    expect(fdK.some((e) => Math.abs(e) > 1e-3)).toBe(true);
    tf.dispose([x, gK, gv]);
    tf.disposeVariables();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
  });

  it('stock TF.js throws on these second-order gradients; the fixes restore them', () => {
    const x = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 5);
    const f = tf.tensor4d(rand(18, 51), [3, 3, 2, 1]);
    const viaAvg = (): tf.Tensor => tf.grad((z: tf.Tensor) => tf.sum(tf.square(tf.grad((y: tf.Tensor) => tf.sum(tf.tanh(tf.avgPool(y as tf.Tensor4D, 2, 2, 'valid'))))(z))))(x);
    const viaUp = (): tf.Tensor => tf.grad((z: tf.Tensor) => tf.sum(tf.square(tf.grad((y: tf.Tensor) => tf.sum(tf.tanh(tf.image.resizeNearestNeighbor(y as tf.Tensor4D, [8, 8]))))(z))))(x);
    const viaDw = (): tf.Tensor => tf.grad((g: tf.Tensor) => tf.sum(tf.square(tf.grad((y: tf.Tensor) => tf.sum(tf.tanh(tf.depthwiseConv2d(y as tf.Tensor4D, g as tf.Tensor4D, 1, 'same'))))(x))))(f);
    uninstallAvgPoolGradients();
    uninstallResizeGradients();
    uninstallDepthwiseBackpropGradients();
    try {
      expect(viaAvg).toThrow(/AvgPoolGrad/);
      expect(viaUp).toThrow(/ResizeNearestNeighborGrad/);
      expect(viaDw).toThrow(/DepthwiseConv2dNativeBackpropInput/);
    } finally {
      installAvgPoolGradients();
      installResizeGradients();
      installDepthwiseBackpropGradients();
    }
    for (const g of [viaAvg(), viaUp(), viaDw()]) {
      expect(g.dataSync().every(Number.isFinite)).toBe(true);
      g.dispose();
    }
    tf.dispose([x, f]);
  });
});
