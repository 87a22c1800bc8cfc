import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `stem` next to the module `base` (pass `import.meta.url`):
 * the compiled `.js` file, or from TypeScript sources (tests, tsx) through tsx's loader. Node only
 * (a study's worker code, not the library core).
 */
export function startStudyWorker(base: string, stem: string): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${stem}.js`, base));
  const entry = JSON.stringify(new URL(`./${stem}.ts`, base).href);
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true });
}

/**
 * Runs `jobs` in `workers` worker threads started by `start` (each answers `{ ready: true }` once,
 * then each `{ id, job }` with `{ id, result }` or `{ id, error }`), calling `onDone(index, result)`
 * as results arrive (in completion order). Rejects on the first failed job or worker (its error
 * names the job by `describe`); terminates every worker it started. Node only.
 */
export async function runInWorkerPool<J, R>(
  start: () => Worker, jobs: readonly J[], workers: number, onDone: (index: number, result: R) => void,
  describe: (job: J, index: number) => string = (_job, index) => `job ${index}`,
): Promise<void> {
  let next = 0;
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    const worker = start();
    let current = -1;
    let failed = false;
    let finished = false;
    const fail = (e: Error): void => { if (!failed) { failed = true; next = jobs.length; void worker.terminate(); reject(e); } };
    const dispatch = (): void => {
      if (next >= jobs.length) { finished = true; void worker.terminate().then(() => resolve()); return; }
      current = next++;
      worker.postMessage({ id: current, job: jobs[current] });
    };
    worker.on('message', (m: { ready?: boolean; id?: number; result?: R; error?: string }) => {
      if (m.ready === true) { dispatch(); return; }
      if (m.error !== undefined) { fail(new Error(`${describe(jobs[current] as J, current)} failed: ${m.error}`)); return; }
      if (m.result !== undefined && m.id !== undefined) { onDone(m.id, m.result); dispatch(); }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => { if (!finished) fail(new Error(`study worker exited early with code ${code}`)); });
  });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, one));
}
