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
      process.env.LIPKIT_BACKEND = 'webgpu';
      await expect(setBackend()).rejects.toThrow(LipkitError);
      await expect(setBackend()).rejects.toThrow(/LIPKIT_BACKEND/);
      await expect(setBackend('gpu' as 'cpu')).rejects.toThrow(/name/);
    } finally {
      if (saved === undefined) delete process.env.LIPKIT_BACKEND; else process.env.LIPKIT_BACKEND = saved;
    }
  });
});
