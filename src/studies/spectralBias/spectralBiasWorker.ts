/** Worker-thread entry of the spectral-bias study (Node only): `trainArm` for each job (see `serveWorkerJobs`). */
import { serveWorkerJobs } from '../serveWorkerJobs.js';
import { trainArm } from './trainArm.js';
import type { SpectralBiasJob } from './spec.js';

await serveWorkerJobs((job: SpectralBiasJob) => {
  const { arm, seed, sizes, threshold, checkpointSteps, role } = job;
  return { ...trainArm(arm, seed, sizes, { threshold, checkpointSteps }), role };
});
