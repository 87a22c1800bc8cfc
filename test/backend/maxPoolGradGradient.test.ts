import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { installMaxPoolGradGradient, uninstallMaxPoolGradGradient } from '../../src/backend/maxPoolGradGradient.js';

type Pool = { size: number; stride: number; pad: 'valid' | 'same' };
const H = 5, W = 6, C = 2, B = 2;

/** Float64 reference: first-max argmax per output (TF.js's rule), for x [B, H, W, C] row-major. */
function positions(x: Float64Array, p: Pool): { oh: number; ow: number; pos: Int32Array } {
  const oh = p.pad === 'same' ? Math.ceil(H / p.stride) : Math.floor((H - p.size) / p.stride) + 1;
  const ow = p.pad === 'same' ? Math.ceil(W / p.stride) : Math.floor((W - p.size) / p.stride) + 1;
  const padT = p.pad === 'same' ? Math.floor(Math.max((oh - 1) * p.stride + p.size - H, 0) / 2) : 0;
  const padL = p.pad === 'same' ? Math.floor(Math.max((ow - 1) * p.stride + p.size - W, 0) / 2) : 0;
  const pos = new Int32Array(B * oh * ow * C);
  for (let b = 0; b < B; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < C; c++) {
    let best = -Infinity; let at = -1;
    for (let r = i * p.stride - padT; r < i * p.stride - padT + p.size; r++) for (let s = j * p.stride - padL; s < j * p.stride - padL + p.size; s++) {
      if (r < 0 || s < 0 || r >= H || s >= W) continue;
      const k = ((b * H + r) * W + s) * C + c;
      if ((x[k] as number) > best) { best = x[k] as number; at = k; }
    }
    pos[((b * oh + i) * ow + j) * C + c] = at;
  }
  return { oh, ow, pos };
}

/** P(x, v) = || d/dx sum(v * tanh(maxPool(x))) ||^2 in float64. */
function penalty64(x: Float64Array, v: Float64Array, p: Pool): number {
  const { pos } = positions(x, p);
  const g = new Float64Array(x.length);
  pos.forEach((k, o) => { const t = Math.tanh(x[k] as number); g[k] += (v[o] as number) * (1 - t * t); });
  return g.reduce((s, e) => s + e * e, 0);
}

const POOLS: Pool[] = [{ size: 2, stride: 2, pad: 'valid' }, { size: 3, stride: 1, pad: 'same' }, { size: 3, stride: 2, pad: 'valid' }];

describe.each(['cpu', 'wasm'] as const)('gradient of MaxPoolGrad on %s (oracle: float64 finite differences)', (backend) => {
  beforeAll(async () => { await setBackend(backend); });

  it.each(POOLS)('second-order gradient of a gradient penalty through maxPool %j', (p) => {
    const x0 = Float64Array.from(tf.randomNormal([B, H, W, C], 0, 1, 'float32', 7).dataSync());
    const { oh, ow } = positions(x0, p);
    const v0 = Float64Array.from(tf.randomNormal([B, oh, ow, C], 0, 1, 'float32', 8).dataSync());
    const before = tf.memory().numTensors;
    const pen = (x: tf.Tensor, v: tf.Tensor): tf.Scalar => {
      const gx = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(v, tf.tanh(tf.maxPool(z as tf.Tensor4D, p.size, p.stride, p.pad)))))(x);
      return tf.sum(tf.square(gx));
    };
    const x = tf.tensor4d(Float32Array.from(x0), [B, H, W, C]);
    const v = tf.tensor4d(Float32Array.from(v0), [B, oh, ow, C]);
    const [dx, dv] = tf.grads((a: tf.Tensor, b: tf.Tensor) => pen(a, b))([x, v]);
    const gx = dx!.dataSync();
    const gv = dv!.dataSync();
    // Central differences in float64: P is quadratic in v (exact up to rounding) and smooth in x
    // away from argmax changes (h = 1e-6).
    const h = 1e-6;
    let worst = 0;
    for (let k = 0; k < v0.length; k += 3) {
      const up = Float64Array.from(v0); up[k] += h;
      const dn = Float64Array.from(v0); dn[k] -= h;
      const fd = (penalty64(x0, up, p) - penalty64(x0, dn, p)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - (gv[k] as number)) / (1 + Math.abs(fd)));
    }
    for (let k = 0; k < x0.length; k += 5) {
      const up = Float64Array.from(x0); up[k] += h;
      const dn = Float64Array.from(x0); dn[k] -= h;
      const fd = (penalty64(up, v0, p) - penalty64(dn, v0, p)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - (gx[k] as number)) / (1 + Math.abs(fd)));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(gv.some((e) => e !== 0)).toBe(true);
    tf.dispose([x, v, dx!, dv!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a gradient penalty through a Conv2D + MaxPooling2D model trains (stock TF.js throws)', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.flatten(), tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
    ] });
    const x = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 3);
    const loss = (): tf.Scalar => {
      const g = tf.grad((z: tf.Tensor) => tf.sum(model.apply(z) as tf.Tensor))(x);
      return tf.mean(tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(g), [1, 2, 3])), 1)));
    };
    uninstallMaxPoolGradGradient();
    expect(() => tf.variableGrads(loss)).toThrow(/MaxPoolGrad/);
    installMaxPoolGradGradient();
    const { value, grads } = tf.variableGrads(loss);
    const kernel = grads[model.layers[0]!.weights[0]!.name] as tf.Tensor;
    expect(kernel.dataSync().every(Number.isFinite)).toBe(true);
    expect(kernel.dataSync().some((e) => e !== 0)).toBe(true);
    tf.dispose([value, x, ...Object.values(grads)]);
    model.dispose();
  });
});
