/** Worker-thread entry of the GAN study (Node only): `runGanOne` for each job (see `serveWorkerJobs`). */
import { serveWorkerJobs } from '../serveWorkerJobs.js';
import { runGanOne } from './runGanOne.js';
import type { GanRunSpec } from './ganSpec.js';

await serveWorkerJobs((spec: GanRunSpec) => runGanOne(spec));
