import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths as tfSetWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { LipkitError } from '../util/errors.js';
import { backendName, backendSelected, setBackend, silenceCpuBanner, type BackendName } from './setBackend.js';

/**
 * Where the wasm backend finds its `.wasm` files: a folder prefix ending in `/` (e.g.
 * `'/assets/tfjs-wasm/'`, or an absolute URL), or a map from each of the three file names
 * (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`,
 * `tfjs-backend-wasm-threaded-simd.wasm`) to its URL. They ship in
 * `node_modules/@tensorflow/tfjs-backend-wasm/dist/`. Without it, a page's module script
 * looks for them next to the page, not next to the bundle.
 */
export type WasmPaths = string | Record<string, string>;

/** Options of `ready`. */
export interface ReadyOptions {
  /** Backend to select (default: keep the one lipkit already selected, else `setBackend()`'s default: `LIPKIT_BACKEND` or wasm). */
  backend?: BackendName;
  /** Where the `.wasm` files are served (default: TF.js's lookup, next to the page or script). Must be set before wasm starts. */
  wasmPaths?: WasmPaths;
}

/**
 * Points the wasm backend at its `.wasm` files (TF.js's `setWasmPaths`). Call it before
 * `ready()` / `setBackend('wasm')`: once wasm has tried to start, TF.js refuses the change.
 */
export function setWasmPaths(paths: WasmPaths): void {
  if (typeof paths !== 'string' && (paths === null || typeof paths !== 'object')) {
    throw new LipkitError('wasmPaths', 'expected a folder prefix string or a map from .wasm file names to URLs');
  }
  try {
    tfSetWasmPaths(paths);
  } catch (e) {
    throw new LipkitError('wasmPaths', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Makes lipkit ready to compute: selects a backend and waits for it. Call `await ready()`
 * once before the first lipkit call in a page (bundlers cannot keep a top-level await
 * in a browser-wide bundle). In Node, `import 'lipkit'` has already done it (wasm, or
 * `LIPKIT_BACKEND`). Idempotent: without `options.backend` it keeps a backend lipkit
 * already selected. Resolves to the active backend's name.
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendName> {
  if (options === null || typeof options !== 'object') throw new LipkitError('options', 'expected an object');
  if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths);
  if (options.backend !== undefined) return setBackend(options.backend);
  if (backendSelected()) return backendName();
  return setBackend();
}

/**
 * The synchronous default: if TF.js has no backend yet, make `cpu` active at once (cpu
 * starts synchronously), so the first lipkit call works even before `await ready()`
 * (which then switches to wasm). TF.js on its own would pick wasm (higher priority) and
 * throw "not yet initialized" on the first operation. Called when lipkit is imported.
 */
export function useCpuUntilReady(): void {
  const state = tf.engine() as unknown as { backendName: string | null; pendingBackendInit: unknown };
  if (state.backendName != null || state.pendingBackendInit != null) return;
  void tf.setBackend('cpu');
  silenceCpuBanner();
}
