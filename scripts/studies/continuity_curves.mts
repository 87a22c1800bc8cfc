/**
 * Learning curves of the continuity study's Figure 1 runs (issue 13 point 3): validation MSE
 * after every epoch against Adam steps, and CPU seconds per step (process.cpuUsage), for one
 * (task, arm, lambda, sizes) given on the command line as JSON, on the wasm backend:
 *   npx tsx scripts/studies/continuity_curves.mts '{"task":"fig1-high","arm":"SSM+Emb","epochs":40,"learningRate":0.003}'
 * Prints one JSON line per epoch: { epoch, steps, validation, taskLoss, cpuPerStep }.
 */
import { setBackend } from '../../src/index.js';
import { runOne } from '../../src/studies/continuity/runOne.js';
import { PRESET_SIZES } from '../../src/studies/continuity/plan.js';
import { armDefinition } from '../../src/studies/continuity/spec.js';

const a = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
await setBackend(typeof a.backend === 'string' ? a.backend : 'wasm');
const arm = armDefinition(String(a.arm ?? 'SSM+Emb'));
const sizes = { ...PRESET_SIZES.default.sizes, ...(a.sizes as object ?? {}) } as typeof PRESET_SIZES.default.sizes;
for (const k of ['epochs', 'learningRate', 'batchSize', 'train', 'width', 'length', 'stateSize', 'heads']) if (a[k] !== undefined) (sizes as unknown as Record<string, unknown>)[k] = a[k];
const steps = Math.ceil(sizes.train / sizes.batchSize);
let cpu0 = process.cpuUsage();
const rec = runOne({ task: String(a.task ?? 'fig1-high'), model: arm.model, arm: arm.name, lambda: Number(a.lambda ?? 0), seed: Number(a.seed ?? 0), sizes }, (epoch, c) => {
  const u = process.cpuUsage(cpu0); cpu0 = process.cpuUsage();
  console.log(JSON.stringify({ epoch, steps: epoch * steps, validation: c.validation[epoch - 1], taskLoss: c.taskLoss[epoch - 1], cpuPerStep: +((u.user + u.system) / 1e6 / steps).toFixed(4) }));
});
console.log(JSON.stringify({ final: true, test: rec.test, seconds: rec.seconds, backend: rec.backend }));
