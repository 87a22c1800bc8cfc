import { Worker } from 'node:worker_threads';
import { runGanOne, type GanRunRecord } from './runGanOne.js';
import type { GanRunSpec } from './ganSpec.js';

/** A worker running `ganWorker`: the compiled .js file, or the TypeScript source through tsx's loader (tests, tsx). */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./ganWorker.js', import.meta.url));
  const entry = JSON.stringify(new URL('./ganWorker.ts', import.meta.url).href);
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true });
}

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
    let next = 0;
    const one = (): Promise<void> => new Promise((resolve, reject) => {
      const worker = startWorker();
      let current = -1;
      let failed = false;
      let finished = false;
      const fail = (e: Error): void => { if (!failed) { failed = true; void worker.terminate(); reject(e); } };
      const dispatch = (): void => {
        if (next >= specs.length) { finished = true; void worker.terminate().then(() => resolve()); return; }
        current = next++;
        worker.postMessage({ id: current, spec: specs[current] });
      };
      worker.on('message', (m: { ready?: boolean; id?: number; record?: GanRunRecord; error?: string }) => {
        if (m.ready === true) { dispatch(); return; }
        if (m.error !== undefined) { fail(new Error(`GAN run ${current} failed: ${m.error}`)); return; }
        if (m.record !== undefined && m.id !== undefined) { finish(m.id, m.record); dispatch(); }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => { if (!finished) fail(new Error(`GAN study worker exited early with code ${code}`)); });
    });
    await Promise.all(Array.from({ length: Math.min(workers, specs.length) }, one));
  }
  const complete = records.filter((r): r is GanRunRecord => r !== undefined);
  if (complete.length !== specs.length) throw new Error(`GAN study finished with ${complete.length} of ${specs.length} runs`);
  return complete;
}
