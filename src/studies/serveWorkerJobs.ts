/**
 * The worker-thread side of `runInWorkerPool` (Node only): imports lipkit (which installs the
 * backend fixes), selects the wasm backend, says `{ ready: true }`, then answers each
 * `{ id, job }` with `{ id, result: run(job) }`, or `{ id, error }` when `run` throws.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../index.js';

export async function serveWorkerJobs<J, R>(run: (job: J) => R): Promise<void> {
  await setBackend('wasm');
  const port = parentPort;
  if (port === null) return;
  port.on('message', (message: { id: number; job: J }) => {
    try {
      port.postMessage({ id: message.id, result: run(message.job) });
    } catch (e) {
      port.postMessage({ id: message.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  });
  port.postMessage({ ready: true });
}
