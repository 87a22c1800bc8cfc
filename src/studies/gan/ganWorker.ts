/**
 * Worker-thread entry of the GAN study (Node only): imports lipkit (backend fixes), selects
 * wasm, then answers each `{ id, spec }` with `{ id, record }` from `runGanOne`, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../../index.js';
import { runGanOne } from './runGanOne.js';
import type { GanRunSpec } from './ganSpec.js';

await setBackend('wasm');
const port = parentPort;
if (port !== null) {
  port.on('message', (message: { id: number; spec: GanRunSpec }) => {
    try {
      port.postMessage({ id: message.id, record: runGanOne(message.spec) });
    } catch (e) {
      port.postMessage({ id: message.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  });
  port.postMessage({ ready: true });
}
