import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { backendName, setBackend } from '../../src/backend/setBackend.js';
import { LipkitError } from '../../src/util/errors.js';

describe('setBackend', () => {
  it('switches between wasm and cpu and reports the active backend', async () => {
    expect(await setBackend('cpu')).toBe('cpu');
    expect(backendName()).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await setBackend('wasm')).toBe('wasm');
    expect(backendName()).toBe('wasm');
  });

  it('defaults to wasm, honours LIPKIT_BACKEND, and rejects unknown names', async () => {
    const saved = process.env.LIPKIT_BACKEND;
    try {
      process.env.LIPKIT_BACKEND = 'cpu';
      expect(await setBackend()).toBe('cpu');
      delete process.env.LIPKIT_BACKEND;
      expect(await setBackend()).toBe('wasm');
      process.env.LIPKIT_BACKEND = 'gpu';
      await expect(setBackend()).rejects.toThrow(LipkitError);
      await expect(setBackend()).rejects.toThrow(/LIPKIT_BACKEND/);
      await expect(setBackend('gpu' as 'cpu')).rejects.toThrow(/name/);
    } finally {
      if (saved === undefined) delete process.env.LIPKIT_BACKEND; else process.env.LIPKIT_BACKEND = saved;
    }
    expect(backendName()).toBe('wasm');
  });

  it('names the package to install for webgl/webgpu when they are not registered; the active backend stays', async () => {
    await setBackend('wasm');
    // tfjs-backend-webgl registers itself only in a browser; in Node neither is registered.
    expect(tf.findBackendFactory('webgl')).toBeNull();
    await expect(setBackend('webgl')).rejects.toThrow(/@tensorflow\/tfjs-backend-webgl.*import it/);
    await expect(setBackend('webgpu')).rejects.toThrow(/@tensorflow\/tfjs-backend-webgpu/);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.sum(tf.tensor1d([1, 2])).dataSync()[0]).toBe(3);
  });

  it("passes TF.js's reason through when a backend fails to start, and leaves the previous one active", async () => {
    await setBackend('cpu');
    let calls = 0;
    tf.registerBackend('webgpu', async () => {
      calls += 1;
      throw new Error('no WebGPU adapter (test)');
    }, 5);
    try {
      const err = await setBackend('webgpu').then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(LipkitError);
      expect((err as LipkitError).argument).toBe('backend');
      expect((err as Error).message).toMatch(/backend "webgpu" could not be initialized: no WebGPU adapter \(test\)/);
      expect(((err as { cause?: Error }).cause)?.message).toBe('no WebGPU adapter (test)');
      expect(calls).toBe(1);
      // TF.js's own setBackend would have left backendName 'webgpu' with no instance.
      expect(tf.getBackend()).toBe('cpu');
      expect(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]).toBe(6);
    } finally {
      tf.removeBackend('webgpu');
    }
    expect(await setBackend('wasm')).toBe('wasm');
  });

  it('accepts a registered backend by those names (a stand-in registered as webgl)', async () => {
    const cpuFactory = tf.findBackendFactory('cpu');
    tf.registerBackend('webgl', cpuFactory, 0);
    try {
      expect(await setBackend('webgl')).toBe('webgl');
      expect(await setBackend('wasm')).toBe('wasm');
    } finally {
      tf.removeBackend('webgl');
    }
  });
});
