import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/backend/setBackend.js';
import { installBackendFixes } from '../../src/backend/installBackendFixes.js';
import { installWasmTransposedMatMul, uninstallWasmTransposedMatMul, PER_MATRIX_GEMM_MIN_WORK } from '../../src/backend/wasmTransposedMatMul.js';
import { expectWasmMatchesCpu, randomTensor } from './backendCompare.js';

const FLAGS: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

/** Operand shapes for C = op(A) op(B) with op(A) [..., m, k], op(B) [..., k, n]. */
function shapes(batchA: number[], batchB: number[], m: number, k: number, n: number, ta: boolean, tb: boolean): [number[], number[]] {
  return [[...batchA, ...(ta ? [k, m] : [m, k])], [...batchB, ...(tb ? [n, k] : [k, n])]];
}

const GEOMETRIES: Array<[string, number[], number[]]> = [
  ['rank 2', [], []],
  ['rank 3', [3], [3]],
  ['broadcast [1,a,b] x [k,b,c]', [1], [4]],
  ['broadcast [k,a,b] x [b,c]', [4], []],
  ['rank 4 broadcast', [2, 1], [1, 3]],
];

describe('wasm transposed matMul', () => {
  it('equals the cpu result for all transpose flags, ranks 2-4 and broadcast batch dims', async () => {
    for (const [name, ba, bb] of GEOMETRIES) {
      for (const [ta, tb] of FLAGS) {
        const [sa, sb] = shapes(ba, bb, 5, 7, 6, ta, tb);
        await expectWasmMatchesCpu(() => [tf.matMul(randomTensor(sa, 1), randomTensor(sb, 2), ta, tb)], 1e-5, `${name} ${ta} ${tb}`);
      }
    }
  });

  it('batched products large enough to run one GEMM per batch matrix equal cpu (flags, broadcast, gradients) and free their wasm memory', async () => {
    const [m, k, n] = [40, 40, 41];
    expect(m * k * n).toBeGreaterThanOrEqual(PER_MATRIX_GEMM_MIN_WORK);
    const geometries: Array<[string, number[], number[]]> = [['rank 3', [3], [3]], ['broadcast [1] x [3]', [1], [3]], ['broadcast [3] x [1]', [3], [1]], ['rank 4', [2, 2], [2, 2]]];
    for (const [name, ba, bb] of geometries) {
      for (const [ta, tb] of FLAGS) {
        const [sa, sb] = shapes(ba, bb, m, k, n, ta, tb);
        await expectWasmMatchesCpu(() => [tf.matMul(randomTensor(sa, 11), randomTensor(sb, 12), ta, tb)], 1e-5, `${name} ${ta} ${tb}`);
      }
    }
    const [sa, sb] = shapes([3], [3], m, k, n, false, true);
    await expectWasmMatchesCpu(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, y, false, true))))([randomTensor(sa, 13), randomTensor(sb, 14)]), 1e-5, 'grads');
    await setBackend('wasm');
    const a = randomTensor([4, m, k], 15);
    const b = randomTensor([4, k, n], 16);
    tf.matMul(a, b).dispose();
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) tf.matMul(a, b).dispose();
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([a, b]);
  });

  it('fused matMul (bias + relu) equals cpu for all transpose flags and batch 1 and 2 (stock wasm is wrong with bias and batch > 1)', async () => {
    const batches: Array<[number, number]> = [[1, 1], [2, 2], [2, 1], [1, 2]];
    for (const [[ba, bb], [ta, tb]] of batches.flatMap((g) => FLAGS.map((f): [[number, number], [boolean, boolean]] => [g, f]))) {
      const [sa, sb] = shapes([ba], [bb], 9, 4, 5, ta, tb);
      await expectWasmMatchesCpu(() => [tf.fused.matMul({
        a: randomTensor(sa, 3), b: randomTensor(sb, 4), transposeA: ta, transposeB: tb,
        bias: randomTensor([5], 5), activation: 'relu',
      })], 1e-5, `fused batch ${ba},${bb} ${ta} ${tb}`);
    }
  });

  it('gradients through matMul (and through its gradient) on wasm equal cpu', async () => {
    for (const [ta, tb] of FLAGS) {
      const [sa, sb] = shapes([3], [], 6, 5, 4, ta, tb);
      await expectWasmMatchesCpu(() => {
        const a = randomTensor(sa, 7);
        const b = randomTensor(sb, 8);
        const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.sum(tf.tanh(tf.matMul(x, y, ta, tb)));
        const [ga, gb] = tf.grads(f)([a, b]);
        // second order: d/da of ||df/db||^2
        const h = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grads(f)([x, b])[1])))(a);
        return [ga, gb, h];
      }, 1e-5, `grads ${ta} ${tb}`);
    }
  });

  it('really replaces the kernel, restores it, and is idempotent and leak-free', async () => {
    await setBackend('wasm');
    const ours = tf.getKernel('BatchMatMul', 'wasm');
    installBackendFixes();
    installWasmTransposedMatMul();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(ours);
    uninstallWasmTransposedMatMul();
    const stock = tf.getKernel('BatchMatMul', 'wasm');
    expect(stock).not.toBe(ours);
    // the stock kernel computes the same numbers (it is slow, not wrong)
    const a = randomTensor([7, 5], 9);
    const b = randomTensor([6, 7], 10);
    const ref = tf.matMul(a, b, true, true);
    installWasmTransposedMatMul();
    expect(tf.getKernel('BatchMatMul', 'wasm')).not.toBe(stock);
    const before = tf.memory().numTensors;
    const got = tf.matMul(a, b, true, true);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(got.shape).toEqual([5, 6]);
    const d = tf.max(tf.abs(tf.sub(got, ref)));
    expect(d.dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, ref, got, d]);
  });
});
