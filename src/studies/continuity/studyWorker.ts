/**
 * Worker-thread entry of the continuity study (Node only): imports lipkit (which installs the
 * backend fixes), selects the wasm backend, then answers each `{ id, spec }` message with
 * `{ id, record }` from `runOne`, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../../index.js';
import { runOne } from './runOne.js';
import type { RunSpec } from './spec.js';

await setBackend('wasm');
const port = parentPort;
if (port !== null) {
  port.on('message', (message: { id: number; spec: RunSpec }) => {
    try {
      port.postMessage({ id: message.id, record: runOne(message.spec) });
    } catch (e) {
      port.postMessage({ id: message.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  });
  port.postMessage({ ready: true });
}
