import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { LipkitError } from '../util/errors.js';
import { installBackendFixes } from './installBackendFixes.js';

/** The backends lipkit supports. */
export type BackendName = 'wasm' | 'cpu';

const SUPPORTED: readonly BackendName[] = ['wasm', 'cpu'];

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

/**
 * Selects the TF.js backend and waits until it is ready. With no argument: the
 * `LIPKIT_BACKEND` environment variable (`cpu` or `wasm`) if set, otherwise `wasm`,
 * falling back to `cpu` if wasm cannot start. Installs lipkit's backend fixes
 * (idempotent). Resolves to the name of the active backend.
 */
export async function setBackend(name?: BackendName): Promise<BackendName> {
  installBackendFixes();
  const requested = name ?? envBackend();
  if (requested !== undefined && !SUPPORTED.includes(requested as BackendName)) {
    throw new LipkitError(name === undefined ? 'LIPKIT_BACKEND' : 'name',
      `unknown backend "${requested}", expected one of: ${SUPPORTED.join(', ')}`);
  }
  const wanted = (requested ?? 'wasm') as BackendName;
  if (tf.getBackend() === wanted) return wanted;
  let ok = false;
  try {
    ok = await tf.setBackend(wanted);
  } catch {
    ok = false;
  }
  if (!ok) {
    if (requested !== undefined) throw new LipkitError('backend', `backend "${wanted}" could not be initialized`);
    await tf.setBackend('cpu');
  }
  await tf.ready();
  silenceCpuBanner();
  return backendName();
}

/** The cpu backend prints a "install tfjs-node" banner on first use in Node; lipkit chose cpu/wasm on purpose. */
function silenceCpuBanner(): void {
  const cpu = tf.engine().registry.cpu as unknown as { firstUse?: boolean } | undefined;
  if (cpu !== undefined && 'firstUse' in cpu) cpu.firstUse = false;
}

/** The name of the active backend (`wasm` or `cpu`; other registered backends are reported as is). */
export function backendName(): BackendName {
  return tf.getBackend() as BackendName;
}
