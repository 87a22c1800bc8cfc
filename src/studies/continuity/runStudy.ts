import * as tf from '@tensorflow/tfjs-core';
import { setBackend, type BackendName } from '../../backend/setBackend.js';
import { checkNumber } from '../../util/validate.js';
import { expandPlan, type StudyPlan } from './plan.js';
import { runOne, type RunRecord } from './runOne.js';
import { summarize, formatMarkdown, type SummaryRow } from './summarize.js';
import type { RunSpec } from './spec.js';
import { runInWorkerPool, startStudyWorker } from '../workerPool.js';

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
    await runInWorkerPool<RunSpec, RunRecord>(() => startStudyWorker(import.meta.url, 'studyWorker'), specs, workers, onDone,
      (spec, i) => `run ${i} (${JSON.stringify(spec)})`);
  }
  const complete = records.filter((r): r is RunRecord => r !== undefined);
  if (complete.length !== specs.length) throw new Error(`study finished with ${complete.length} of ${specs.length} runs`);
  const rows = summarize(complete);
  const seconds = (performance.now() - start) / 1000;
  const markdown = `${formatMarkdown(rows)}\n${complete.length} runs, ${workers === 0 ? 'in-process' : `${workers} worker threads`}, ${seconds.toFixed(1)} s.\n`;
  return { records: complete, rows, markdown, seconds };
}
