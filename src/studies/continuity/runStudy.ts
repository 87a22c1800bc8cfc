import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type BackendName } from '../../backend/setBackend.js';
import { checkNumber } from '../../util/validate.js';
import { expandPlan, type StudyPlan } from './plan.js';
import { runOne, type RunRecord } from './runOne.js';
import { summarize, formatMarkdown, type SummaryRow } from './summarize.js';
import type { RunSpec } from './spec.js';

/** Options of `runStudy`. */
export interface RunStudyOptions {
  /** Parallel worker threads, default 2 (tfjs-wasm uses one core each). 0: run in this thread (active backend). */
  workers?: number;
  /** Called after each finished run. */
  onProgress?: (done: number, total: number, record: RunRecord) => void;
}

/** Everything a study produced. */
export interface StudyResult {
  records: RunRecord[];
  rows: SummaryRow[];
  markdown: string;
  seconds: number;
}

/** A worker running `studyWorker`: the compiled .js file, or from TypeScript sources (tests, tsx) through tsx's loader. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./studyWorker.js', import.meta.url));
  const entry = JSON.stringify(new URL('./studyWorker.ts', import.meta.url).href);
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true });
}

async function runInWorkers(specs: RunSpec[], workers: number, onDone: (i: number, r: RunRecord) => void): Promise<void> {
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
    worker.on('message', (m: { ready?: boolean; id?: number; record?: RunRecord; error?: string }) => {
      if (m.ready === true) { dispatch(); return; }
      if (m.error !== undefined) { fail(new Error(`run ${current} (${JSON.stringify(specs[current])}) failed: ${m.error}`)); return; }
      if (m.record !== undefined && m.id !== undefined) { onDone(m.id, m.record); dispatch(); }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => { if (!finished) fail(new Error(`study worker exited early with code ${code}`)); });
  });
  await Promise.all(Array.from({ length: Math.min(workers, specs.length) }, one));
}

/**
 * Runs a continuity study (Node only): every run of `expandPlan(plan)`, independent runs in
 * `workers` worker threads (each on the wasm backend) and summarizes them (`summarize`,
 * `formatMarkdown`); records come back in plan order. Diverged runs are kept. Write them with
 * `writeStudyFiles([continuityOutput(...)], dir)` (results.json, results.md, figures, report).
 * Errors: LipkitError for a bad plan or option (`options.workers`).
 */
export async function runStudy(plan: StudyPlan, options: RunStudyOptions = {}): Promise<StudyResult> {
  const workers = checkNumber('options.workers', options.workers ?? 2, { min: 0, max: 64, integer: true });
  const specs = expandPlan(plan);
  const start = performance.now();
  const records: (RunRecord | undefined)[] = new Array<RunRecord | undefined>(specs.length);
  let done = 0;
  const onDone = (i: number, r: RunRecord): void => { records[i] = r; done++; options.onProgress?.(done, specs.length, r); };
  if (workers === 0) {
    // the active backend, or lipkit's default (wasm) when none is ready yet (it initializes
    // asynchronously), with lipkit's backend fixes (gradient kernels wasm lacks) installed
    await setBackend((tf.engine().backendName as BackendName | null) ?? undefined);
    for (let i = 0; i < specs.length; i++) onDone(i, runOne(specs[i]));
  } else {
    await runInWorkers(specs, workers, onDone);
  }
  const complete = records.filter((r): r is RunRecord => r !== undefined);
  if (complete.length !== specs.length) throw new Error(`study finished with ${complete.length} of ${specs.length} runs`);
  const rows = summarize(complete);
  const seconds = (performance.now() - start) / 1000;
  const markdown = `${formatMarkdown(rows)}\n${complete.length} runs, ${workers === 0 ? 'in-process' : `${workers} worker threads`}, ${seconds.toFixed(1)} s.\n`;
  return { records: complete, rows, markdown, seconds };
}
