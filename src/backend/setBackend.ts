import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { LipkitError } from '../util/errors.js';
import { installBackendFixes } from './installBackendFixes.js';

/**
 * The backends lipkit selects. `wasm` and `cpu` ship with lipkit; `webgl` and `webgpu`
 * need their TF.js packages (`@tensorflow/tfjs-backend-webgl`, `@tensorflow/tfjs-backend-webgpu`
 * 4.22, optional peer dependencies) imported by the application first.
 */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

const SUPPORTED: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

const PACKAGE: Record<BackendName, string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

/** The fields of TF.js 4.22's Engine that a safe switch needs (typed structurally). */
interface EngineState {
  registry: Record<string, tf.KernelBackend | undefined>;
  backendName: string | null;
  backendInstance: tf.KernelBackend | null;
  pendingBackendInit: Promise<boolean> | null;
}

function engineState(): EngineState {
  return tf.engine() as unknown as EngineState;
}

/** True when running under Node.js (checked without importing Node modules). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function envBackend(): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.LIPKIT_BACKEND;
  return v === undefined || v === '' ? undefined : v;
}

function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

/**
 * Creates backend `name` by calling its registered factory directly (not through
 * `tf.setBackend`, which on failure logs a warning, returns false and leaves TF.js with
 * no active backend) and stores it in TF.js's registry. Throws TF.js's own error.
 */
async function initialize(name: BackendName): Promise<void> {
  const state = engineState();
  if (state.registry[name] !== undefined) return;
  const factory = tf.findBackendFactory(name);
  if (factory == null) {
    throw new LipkitError('name', `backend "${name}" is not registered: install ${PACKAGE[name]} 4.22 ` +
      `(an optional peer dependency of lipkit) and import it before calling setBackend`);
  }
  let backend: tf.KernelBackend;
  try {
    backend = await factory();
  } catch (e) {
    const err = new LipkitError('backend', `backend "${name}" could not be initialized: ${reason(e)}`);
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
  if (state.registry[name] === undefined) state.registry[name] = backend;
  else backend.dispose();
}

let selected = false;
let queue: Promise<unknown> = Promise.resolve();

async function switchTo(name: BackendName | undefined): Promise<BackendName> {
  installBackendFixes();
  const requested = name ?? envBackend();
  if (requested !== undefined && !SUPPORTED.includes(requested as BackendName)) {
    throw new LipkitError(name === undefined ? 'LIPKIT_BACKEND' : 'name',
      `unknown backend "${requested}", expected one of: ${SUPPORTED.join(', ')}`);
  }
  const wanted = (requested ?? 'wasm') as BackendName;
  const state = engineState();
  if (state.pendingBackendInit != null) await state.pendingBackendInit.catch(() => false);
  try {
    await initialize(wanted);
  } catch (e) {
    // Only the unrequested default may fall back (wasm that cannot start -> cpu).
    if (requested !== undefined) throw e;
    return switchTo('cpu');
  }
  if (state.backendName !== wanted || state.backendInstance == null) await tf.setBackend(wanted);
  await tf.ready();
  silenceCpuBanner();
  selected = true;
  return backendName();
}

/**
 * Selects the TF.js backend and waits until it is ready. With no argument: the
 * `LIPKIT_BACKEND` environment variable (`wasm`, `cpu`, `webgl`, `webgpu`) if set,
 * otherwise `wasm`, falling back to `cpu` if wasm cannot start. A named backend that
 * cannot start rejects with a `LipkitError` carrying TF.js's reason (and `cause`), and the
 * previously active backend stays active (TF.js's own `tf.setBackend` would leave none).
 * `webgl`/`webgpu` must be registered first by importing their TF.js package. Calls are
 * serialized. Installs lipkit's backend fixes (idempotent). Resolves to the active backend.
 */
export function setBackend(name?: BackendName): Promise<BackendName> {
  const run = queue.then(() => switchTo(name));
  queue = run.catch(() => undefined);
  return run;
}

/** True once `setBackend` (or `ready`) has selected a backend. */
export function backendSelected(): boolean {
  return selected;
}

/** The cpu backend prints a "install tfjs-node" banner on first use in Node; lipkit chose cpu/wasm on purpose. */
export function silenceCpuBanner(): void {
  const cpu = tf.engine().registry.cpu as unknown as { firstUse?: boolean } | undefined;
  if (cpu !== undefined && 'firstUse' in cpu) cpu.firstUse = false;
}

/** The name of the active backend (`wasm`, `cpu`, `webgl`, `webgpu`; others are reported as is). */
export function backendName(): BackendName {
  return tf.getBackend() as BackendName;
}
