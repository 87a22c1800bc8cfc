/**
 * Worker-thread entry of the spectral-bias study (Node only): imports lipkit (which installs the
 * backend fixes), selects the wasm backend, then answers each `{ id, job }` message with
 * `{ id, result }` from `trainArm`, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../../index.js';
import { trainArm } from './trainArm.js';
import type { SpectralBiasJob } from './spec.js';

await setBackend('wasm');
const port = parentPort;
if (port !== null) {
  port.on('message', (message: { id: number; job: SpectralBiasJob }) => {
    try {
      const { arm, seed, sizes, threshold, checkpointSteps, role } = message.job;
      port.postMessage({ id: message.id, result: { ...trainArm(arm, seed, sizes, { threshold, checkpointSteps }), role } });
    } catch (e) {
      port.postMessage({ id: message.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  });
  port.postMessage({ ready: true });
}
