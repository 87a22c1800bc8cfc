// Page script of test/browser/library.test.ts (bundled with esbuild as an IIFE next to the
// lipkit IIFE bundle, which defines the global `lipkit`): runs the workload on each backend.
import type * as Lipkit from '../../src/index.js';
import { runWorkload } from './workload.js';

const lip = (globalThis as unknown as { lipkit: typeof Lipkit }).lipkit;

(globalThis as unknown as { runAll: unknown }).runAll = async (backends: Lipkit.BackendName[]) => {
  const firstCallBackend = lip.tf.getBackend();
  const firstCall = lip.spectralNorm([[3, 0], [0, 4]], { iterations: 20 }).sigma;
  await lip.ready({ wasmPaths: new URL('wasm/', location.href).href });
  const results: Record<string, Record<string, number>> = {};
  for (const b of backends) {
    await lip.setBackend(b);
    results[b] = await runWorkload(lip, new URL('models/conv/model.json', location.href).href);
  }
  let webgl: string;
  try {
    webgl = `ok: ${await lip.setBackend('webgl')}`;
  } catch (e) {
    webgl = `error: ${(e as Error).message}; active: ${lip.backendName()}`;
  }
  return { firstCallBackend, firstCall, results, webgl };
};
