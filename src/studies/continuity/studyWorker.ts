/** Worker-thread entry of the continuity study (Node only): `runOne` for each run spec (see `serveWorkerJobs`). */
import { serveWorkerJobs } from '../serveWorkerJobs.js';
import { runOne } from './runOne.js';
import type { RunSpec } from './spec.js';

await serveWorkerJobs((spec: RunSpec) => runOne(spec));
