import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { S4D, type S4DConfig } from '../../src/models/S4D.js';
import { s4dInitialParameters, s4dKernel } from '../../src/models/s4dKernel.js';
import { causalConvolution } from '../../src/models/causalConvolution.js';
import { seededGaussian } from '../../src/util/random.js';
import { LipkitError } from '../../src/util/errors.js';
import { roundTrip, maxAbsDiff } from '../layers/helpers.js';
import { gelu, scan, type ScanParams } from './S4DOracle.js';

const B = 2;
const L = 40;
const H = 3;
const N = 8;
const P = N / 2;

/** Builds a layer on [B, L, H] and replaces its SSM weights by random values away from the init (so the oracle sees generic parameters). */
function randomLayer(config: S4DConfig, seed: number): S4D {
  const layer = new S4D({ stateSize: N, activation: 'linear', projection: 'none', seed, ...config });
  layer.build([null, L, H]);
  const g = (n: number, s: number): Float32Array => seededGaussian(n, seed * 100 + s);
  const values: Record<string, Float32Array> = {
    logDt: g(H, 1).map((v) => Math.log(0.05) + 0.8 * v),
    logAReal: g(H * P, 2).map((v) => Math.log(0.5) + 0.5 * v),
    aImag: g(H * P, 3).map((v, i) => (config.init === 'inv' ? 4 : 1) * (i % P) * Math.PI + v),
    cReal: g(H * P, 4), cImag: g(H * P, 5), cRealReverse: g(H * P, 6), cImagReverse: g(H * P, 7), D: g(H, 8),
  };
  layer.setWeights(layer.weights.map((w) => {
    const name = w.originalName.split('/').pop() as string;
    return values[name] !== undefined ? tf.tensor(values[name], w.shape as number[]) : tf.tensor(w.read().dataSync(), w.shape as number[]);
  }));
  return layer;
}

function params(layer: S4D): ScanParams & Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const w of layer.weights) out[w.originalName.split('/').pop() as string] = Float64Array.from(w.read().dataSync());
  return out as unknown as ScanParams & Record<string, Float64Array>;
}

const short = (w: { originalName: string }): string => w.originalName.split('/').pop() as string;

/** Disposes a layer's weights (Layer.dispose refuses layers only called on concrete tensors). */
function release(layer: S4D): void {
  layer.weights.forEach((w) => w.dispose());
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`S4D on ${backend}`, () => {
    beforeAll(async () => { await setBackend(backend); });

    for (const init of ['lin', 'inv'] as const) {
      for (const bidirectional of [false, true]) {
        it(`convolution view equals the float64 recurrent scan (init ${init}, bidirectional ${bidirectional})`, () => {
          const layer = randomLayer({ init, bidirectional }, init === 'lin' ? 3 : 4);
          const uData = seededGaussian(B * L * H, 11);
          const u = tf.tensor3d(uData, [B, L, H]);
          const before = tf.memory().numTensors;
          const y = layer.apply(u) as tf.Tensor;
          const got = y.dataSync();
          y.dispose();
          expect(tf.memory().numTensors).toBe(before);
          const want = scan(params(layer), uData, B, L, H, P);
          let err = 0;
          for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
          expect(maxAbs(want)).toBeGreaterThan(0.5); // a non-trivial output
          expect(err).toBeLessThan(1e-4 * Math.max(1, maxAbs(want)));
          u.dispose();
          release(layer);
        });
      }
    }

    it('all causal convolution methods agree and equal a direct float64 sum', () => {
      const k = tf.tensor2d(seededGaussian(H * L, 21), [H, L]);
      const uData = seededGaussian(B * L * H, 22);
      const u = tf.tensor3d(uData, [B, L, H]);
      const kData = k.dataSync();
      const want = new Float64Array(B * L * H);
      for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) for (let h = 0; h < H; h++) {
        let s = 0;
        for (let j = 0; j <= t; j++) s += kData[h * L + (t - j)] * uData[(b * L + j) * H + h];
        want[(b * L + t) * H + h] = s;
      }
      const before = tf.memory().numTensors;
      for (const method of ['depthwise', 'toeplitz', 'toeplitzBroadcast', 'direct'] as const) {
        const y = causalConvolution(u, k, method);
        const got = y.dataSync();
        let err = 0;
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
        expect(err, method).toBeLessThan(1e-4 * maxAbs(want));
        y.dispose();
      }
      // gradients of the three methods agree (depthwise has a custom gradient)
      const w = tf.tensor3d(seededGaussian(B * L * H, 23), [B, L, H]);
      const grads = (['depthwise', 'toeplitz', 'toeplitzBroadcast', 'direct'] as const).map((method) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(causalConvolution(a as tf.Tensor3D, b as tf.Tensor2D, method), w)))([u, k]));
      for (const g of grads.slice(1)) {
        expect(maxAbsDiff(g[0], grads[0][0])).toBeLessThan(1e-4 * maxAbs(grads[0][0].dataSync()));
        expect(maxAbsDiff(g[1], grads[0][1])).toBeLessThan(1e-4 * maxAbs(grads[0][1].dataSync()));
      }
      grads.forEach((g) => tf.dispose(g));
      w.dispose();
      expect(tf.memory().numTensors).toBe(before);
      u.dispose();
      k.dispose();
    });
  });
}

describe('S4D gradients, initialization, model use (cpu unless stated)', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  for (const bidirectional of [false, true]) {
    it(`gradients wrt log_dt, A, C, D equal central differences of the float64 scan (bidirectional ${bidirectional})`, () => {
      const layer = randomLayer({ init: 'lin', bidirectional }, 5);
      const uData = seededGaussian(B * L * H, 31);
      const wData = seededGaussian(B * L * H, 32);
      const u = tf.tensor3d(uData, [B, L, H]);
      const w = tf.tensor3d(wData, [B, L, H]);
      const before = tf.memory().numTensors;
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(u) as tf.Tensor, w)) as tf.Scalar,
        layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val));
      const p = params(layer);
      const loss = (q: ScanParams): number => {
        const y = scan(q, uData, B, L, H, P);
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i] * wData[i];
        return s;
      };
      expect(Math.abs(value.dataSync()[0] - loss(p))).toBeLessThan(1e-4 * Math.max(1, Math.abs(loss(p))));
      const names = ['logDt', 'logAReal', 'aImag', 'cReal', 'cImag', 'D', ...(bidirectional ? ['cRealReverse', 'cImagReverse'] : [])];
      for (const name of names) {
        const v = layer.trainableWeights.find((t) => short(t) === name);
        expect(v, name).toBeDefined();
        const got = grads[(v as unknown as { val: tf.Variable }).val.name].dataSync();
        const base = p[name];
        const fd = new Float64Array(base.length);
        for (let i = 0; i < base.length; i++) {
          const eps = 1e-6;
          const plus = Float64Array.from(base); plus[i] += eps;
          const minus = Float64Array.from(base); minus[i] -= eps;
          fd[i] = (loss({ ...p, [name]: plus }) - loss({ ...p, [name]: minus })) / (2 * eps);
        }
        let err = 0;
        for (let i = 0; i < fd.length; i++) err = Math.max(err, Math.abs(got[i] - fd[i]));
        expect(maxAbs(fd), name).toBeGreaterThan(1e-3);
        expect(err, name).toBeLessThan(2e-3 * maxAbs(fd));
      }
      tf.dispose(grads);
      value.dispose();
      expect(tf.memory().numTensors).toBe(before);
      u.dispose(); w.dispose(); release(layer);
    });
  }

  it('default gelu + GLU output equals the float64 scan composed with GELU and GLU', () => {
    const layer = new S4D({ stateSize: N, seed: 9, bidirectional: true });
    const uData = seededGaussian(B * L * H, 41);
    const u = tf.tensor3d(uData, [B, L, H]);
    const got = tf.tidy(() => (layer.apply(u) as tf.Tensor).dataSync());
    const p = params(layer);
    const y = scan(p, uData, B, L, H, P).map(gelu);
    const W = p.outputKernel;
    const b = p.outputBias;
    let err = 0;
    let scale = 0;
    for (let r = 0; r < B * L; r++) {
      for (let j = 0; j < H; j++) {
        let a = b[j];
        let g = b[H + j];
        for (let i = 0; i < H; i++) { a += y[r * H + i] * W[i * 2 * H + j]; g += y[r * H + i] * W[i * 2 * H + H + j]; }
        const want = a / (1 + Math.exp(-g));
        err = Math.max(err, Math.abs(got[r * H + j] - want));
        scale = Math.max(scale, Math.abs(want));
      }
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(err).toBeLessThan(1e-4 * Math.max(1, scale));
    u.dispose(); release(layer);
  });

  it('initialization: S4D-Lin and S4D-Inv imaginary parts, Re A = -1/2, log dt in range, seeded', () => {
    const lin = s4dInitialParameters(5, 16, { init: 'lin', dtMin: 1e-3, dtMax: 1e-1, seed: 1 });
    const inv = s4dInitialParameters(5, 16, { init: 'inv', seed: 1 });
    for (let h = 0; h < 5; h++) {
      expect(lin.logDt[h]).toBeGreaterThanOrEqual(Math.log(1e-3));
      expect(lin.logDt[h]).toBeLessThanOrEqual(Math.log(1e-1));
      for (let n = 0; n < 8; n++) {
        expect(-Math.exp(lin.logAReal[h * 8 + n])).toBeCloseTo(-0.5, 12);
        expect(lin.aImag[h * 8 + n]).toBeCloseTo(Math.PI * n, 12);
        expect(inv.aImag[h * 8 + n]).toBeCloseTo((16 / Math.PI) * (16 / (2 * n + 1) - 1), 10);
      }
    }
    expect(new Set(Array.from(lin.logDt)).size).toBe(5);
    expect(Array.from(s4dInitialParameters(5, 16, { seed: 1 }).cReal)).toEqual(Array.from(lin.cReal));
    expect(Array.from(s4dInitialParameters(5, 16, { seed: 2 }).cReal)).not.toEqual(Array.from(lin.cReal));
    // C ~ complex standard normal: each part has variance 1/2
    const big = s4dInitialParameters(50, 64, { seed: 3 });
    const v = big.cReal.reduce((s, x) => s + x * x, 0) / big.cReal.length;
    expect(v).toBeGreaterThan(0.4);
    expect(v).toBeLessThan(0.6);
  });

  it('s4dKernel equals the float64 closed form and leaks nothing', () => {
    const p = s4dInitialParameters(2, 6, { init: 'inv', seed: 4 });
    const f = (a: Float64Array, shape: number[]): tf.Tensor => tf.tensor(Float32Array.from(a), shape);
    const t = { logDt: f(p.logDt, [2]), logAReal: f(p.logAReal, [2, 3]), aImag: f(p.aImag, [2, 3]), cReal: f(p.cReal, [2, 3]), cImag: f(p.cImag, [2, 3]) };
    const before = tf.memory().numTensors;
    // lengths that are and are not perfect squares (the kernel splits l = q c + r, c = ceil(sqrt(L)))
    for (const L of [1, 2, 30, 37, 200]) {
      const k = s4dKernel(t, L);
      expect(k.shape).toEqual([2, L]);
      // kernel = response of the scan to a unit impulse (D = 0)
      const impulse = new Float64Array(L * 2);
      impulse[0] = 1; impulse[1] = 1;
      const y = scan({ ...p, D: [0, 0] }, impulse, 1, L, 2, 3);
      const got = k.dataSync();
      for (let h = 0; h < 2; h++) for (let l = 0; l < L; l++) expect(Math.abs(got[h * L + l] - y[l * 2 + h])).toBeLessThan(1e-5);
      k.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t));
  });

  it('s4dKernel gradients in every parameter equal central differences of the float64 closed form (rel. 1e-5)', () => {
    const Hk = 2; const Pk = 3; const Lk = 37;
    const p = s4dInitialParameters(Hk, 2 * Pk, { init: 'lin', seed: 6 });
    const g = seededGaussian(Hk * Pk * 5, 61);
    // parameters away from the initialization, rounded to float32 (the tensors' values)
    const q: Record<string, Float64Array> = {
      logDt: Float64Array.from(Float32Array.from(p.logDt.map((v, i) => v + 0.3 * g[i]))),
      logAReal: Float64Array.from(Float32Array.from(p.logAReal.map((v, i) => v + 0.4 * g[Hk + i]))),
      aImag: Float64Array.from(Float32Array.from(p.aImag.map((v, i) => v + g[Hk + Pk + i]))),
      cReal: Float64Array.from(Float32Array.from(p.cReal)), cImag: Float64Array.from(Float32Array.from(p.cImag)),
    };
    const G = Float64Array.from(Float32Array.from(seededGaussian(Hk * Lk, 62)));
    // closed form with exp/cos/sin per l (not the implementation's repeated products)
    const loss = (r: Record<string, Float64Array>): number => {
      let total = 0;
      for (let h = 0; h < Hk; h++) for (let n = 0; n < Pk; n++) {
        const j = h * Pk + n;
        const dt = Math.exp(r.logDt[h]);
        const ar = -Math.exp(r.logAReal[j]);
        const ai = r.aImag[j];
        const m = Math.exp(dt * ar);
        const [zr, zi] = [m * Math.cos(dt * ai) - 1, m * Math.sin(dt * ai)];
        const a2 = ar * ar + ai * ai;
        const [br, bi] = [(zr * ar + zi * ai) / a2, (zi * ar - zr * ai) / a2];
        const [wr, wi] = [r.cReal[j] * br - r.cImag[j] * bi, r.cReal[j] * bi + r.cImag[j] * br];
        for (let l = 0; l < Lk; l++) {
          const e = Math.exp(dt * ar * l);
          total += G[h * Lk + l] * 2 * (wr * e * Math.cos(dt * ai * l) - wi * e * Math.sin(dt * ai * l));
        }
      }
      return total;
    };
    const shapes: Record<string, number[]> = { logDt: [Hk], logAReal: [Hk, Pk], aImag: [Hk, Pk], cReal: [Hk, Pk], cImag: [Hk, Pk] };
    const names = Object.keys(shapes);
    const ts = names.map((n) => tf.tensor(Float32Array.from(q[n]), shapes[n]));
    const Gt = tf.tensor2d(Float32Array.from(G), [Hk, Lk]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) => tf.sum(tf.mul(s4dKernel({ logDt: a[0], logAReal: a[1], aImag: a[2], cReal: a[3], cImag: a[4] }, Lk), Gt)) as tf.Scalar)(ts);
    expect(Math.abs(value.dataSync()[0] - loss(q))).toBeLessThan(1e-5 * Math.max(1, Math.abs(loss(q))));
    names.forEach((name, k) => {
      const { err, scale } = centralDifferenceError(grads[k].dataSync(), q, name, loss);
      expect(scale, name).toBeGreaterThan(1e-2);
      expect(err, name).toBeLessThan(1e-5 * scale);
    });
    tf.dispose([value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    // second order (a gradient penalty): P = ||d/dcReal sum(G K)||^2, a function of dt and A only;
    // d/dcReal_j sum(G K) is sum(G K) with C = e_j (the kernel is linear in C)
    const P = (r: Record<string, Float64Array>): number => {
      let total = 0;
      for (let j = 0; j < Hk * Pk; j++) {
        const e = new Float64Array(Hk * Pk); e[j] = 1;
        total += loss({ ...r, cReal: e, cImag: new Float64Array(Hk * Pk) }) ** 2;
      }
      return total;
    };
    const second = tf.grads((...a: tf.Tensor[]) => {
      const inner = tf.grads((cr: tf.Tensor) => tf.sum(tf.mul(s4dKernel({ logDt: a[0], logAReal: a[1], aImag: a[2], cReal: cr, cImag: ts[4] }, Lk), Gt)))([ts[3]])[0];
      return tf.sum(tf.square(inner));
    })(ts.slice(0, 3));
    ['logDt', 'logAReal', 'aImag'].forEach((name, k) => {
      const { err, scale } = centralDifferenceError(second[k].dataSync(), q, name, P);
      expect(scale, name).toBeGreaterThan(1e-3);
      expect(err, name).toBeLessThan(2e-3 * scale);
    });
    tf.dispose(second);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...ts, Gt]);
  });

  it('trains in model.fit on wasm without leaks; save/load gives identical outputs', async () => {
    await setBackend('wasm');
    const input = tfl.input({ shape: [24, 2] });
    let h = tfl.layers.dense({ units: 4 }).apply(input) as tfl.SymbolicTensor;
    h = new S4D({ stateSize: 8, bidirectional: true, seed: 2 }).apply(h) as tfl.SymbolicTensor;
    h = new S4D({ stateSize: 8, init: 'inv', seed: 3 }).apply(h) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1 }).apply(tfl.layers.globalAveragePooling1d().apply(h)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.tensor3d(seededGaussian(32 * 24 * 2, 51), [32, 24, 2]);
    const yTarget = tf.tidy(() => tf.mean(tf.slice(x, [0, 0, 0], [32, 24, 1]), [1]));
    const h1 = await model.fit(x, yTarget, { epochs: 1, batchSize: 16, verbose: 0 });
    const before = tf.memory().numTensors;
    const weightsBefore = model.getWeights().map((w) => w.dataSync().slice());
    const h2 = await model.fit(x, yTarget, { epochs: 15, batchSize: 16, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const losses = h2.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan((h1.history.loss as number[])[0]);
    const logDt = model.layers[2].getWeights()[0].dataSync();
    expect(Array.from(logDt)).not.toEqual(Array.from(weightsBefore[2]));
    const loaded = await roundTrip(model);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    const cfg = (loaded.layers[2] as S4D);
    expect([cfg.stateSize, cfg.bidirectional, cfg.init, cfg.seed]).toEqual([8, true, 'lin', 2]);
    tf.dispose([a, b, x, yTarget]);
    model.dispose();
    loaded.dispose();
    await setBackend('cpu');
  });

  it('rejects bad configuration and input with LipkitErrors naming the field', () => {
    const bad: Array<[S4DConfig, string]> = [
      [{ stateSize: 7 }, 'config.stateSize'], [{ stateSize: 0 }, 'config.stateSize'],
      [{ init: 'foo' as 'lin' }, 'config.init'], [{ dtMin: 0.5, dtMax: 0.1 }, 'config.dtMin'],
      [{ dtMin: -1 }, 'config.dtMin'], [{ activation: 'tanh' as 'gelu' }, 'config.activation'],
      [{ projection: 'dense' as 'glu' }, 'config.projection'], [{ method: 'fft' as 'toeplitz' }, 'config.method'],
      [{ bidirectional: 1 as unknown as boolean }, 'config.bidirectional'], [{ seed: 1.5 }, 'config.seed'],
    ];
    for (const [config, field] of bad) {
      let err: unknown;
      try { new S4D(config); } catch (e) { err = e; }
      expect(err, field).toBeInstanceOf(LipkitError);
      expect((err as LipkitError).argument).toBe(field);
    }
    expect(() => new S4D({}).build([null, 5])).toThrow(LipkitError);
    const u = tf.zeros([1, 4, 2]) as tf.Tensor3D;
    const k = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => causalConvolution(u, k)).toThrow(LipkitError);
    expect(() => s4dInitialParameters(2, 5)).toThrow(LipkitError);
    tf.dispose([u, k]);
  });
});

/** Largest |got_i - central difference of f in q[name]_i| (step 1e-6) and the largest |difference|. */
function centralDifferenceError(got: ArrayLike<number>, q: Record<string, Float64Array>, name: string, f: (r: Record<string, Float64Array>) => number): { err: number; scale: number } {
  let err = 0; let scale = 0;
  for (let i = 0; i < got.length; i++) {
    const eps = 1e-6;
    const plus = Float64Array.from(q[name]!); plus[i] += eps;
    const minus = Float64Array.from(q[name]!); minus[i] -= eps;
    const fd = (f({ ...q, [name]: plus }) - f({ ...q, [name]: minus })) / (2 * eps);
    err = Math.max(err, Math.abs((got[i] as number) - fd)); scale = Math.max(scale, Math.abs(fd));
  }
  return { err, scale };
}
