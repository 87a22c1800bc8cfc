import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { ready, setWasmPaths } from '../../src/backend/ready.js';
import { setBackend } from '../../src/backend/setBackend.js';
import { LipkitError } from '../../src/util/errors.js';

function runNode(code: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code],
    { encoding: 'utf8', env: { ...process.env, LIPKIT_BACKEND: '' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('ready', () => {
  it('keeps the backend lipkit selected, or switches when asked', async () => {
    expect(await ready()).toBe('wasm');
    await setBackend('cpu');
    expect(await ready()).toBe('cpu');
    expect(await ready({ backend: 'wasm' })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects bad options and a wasm path change after wasm started, naming the field', async () => {
    await expect(ready(null as unknown as object)).rejects.toThrow(/options/);
    expect(() => setWasmPaths(3 as unknown as string)).toThrow(LipkitError);
  });

  it('the first call works right after importing the browser entry (cpu), ready() then selects wasm', () => {
    const r = runNode(`
      const lipkit = await import('./src/index.ts');
      const a = lipkit.tf.getBackend();
      const s = lipkit.spectralNorm([[3, 0], [0, 1]]);
      const b = await lipkit.ready();
      console.log(JSON.stringify({ a, s: s.sigma, b, c: lipkit.tf.getBackend() }));`);
    expect(r.status, r.out).toBe(0);
    const o = JSON.parse(r.out.trim().split('\n').pop() as string) as { a: string; b: string; c: string };
    expect(o.a).toBe('cpu');
    expect(o.b).toBe('wasm');
    expect(o.c).toBe('wasm');
  });

  it("Node's entry selects wasm before user code, and LIPKIT_BACKEND overrides it", () => {
    const code = `const lipkit = await import('./src/index.node.ts'); console.log('B=' + lipkit.tf.getBackend());`;
    expect(runNode(code).out).toMatch(/B=wasm/);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code],
      { encoding: 'utf8', env: { ...process.env, LIPKIT_BACKEND: 'cpu' } });
    expect(r.stdout).toMatch(/B=cpu/);
  });
});
