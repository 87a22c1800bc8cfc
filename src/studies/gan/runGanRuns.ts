import { runGanOne, type GanRunRecord } from './runGanOne.js';
import type { GanRunSpec } from './ganSpec.js';
import { runInWorkerPool, startStudyWorker } from '../workerPool.js';

/**
 * Runs every spec (Node only), in `workers` worker threads (each on wasm; tfjs-wasm uses one
 * core per thread) or in this thread when workers is 0; records come back in spec order.
 * `onDone` is called after each finished run.
 */
export async function runGanRuns(specs: GanRunSpec[], workers: number, onDone: (done: number, record: GanRunRecord) => void): Promise<GanRunRecord[]> {
  const records = new Array<GanRunRecord | undefined>(specs.length);
  let done = 0;
  const finish = (i: number, r: GanRunRecord): void => { records[i] = r; done++; onDone(done, r); };
  if (workers === 0) {
    specs.forEach((s, i) => finish(i, runGanOne(s)));
  } else {
    await runInWorkerPool<GanRunSpec, GanRunRecord>(() => startStudyWorker(import.meta.url, 'ganWorker'), specs, workers, finish);
  }
  const complete = records.filter((r): r is GanRunRecord => r !== undefined);
  if (complete.length !== specs.length) throw new Error(`GAN study finished with ${complete.length} of ${specs.length} runs`);
  return complete;
}
