// The continuity study's default preset with S4 trained longer (issue 13: are the Figure 1 claims
// decided once S4 has converged?): every setting of `lipkit study continuity` (8 paired seeds,
// length 200, width 64, the Transformer's 512 steps) except S4's epochs, which come from argv
// (default 192 epochs = 3,072 Adam steps; the default preset has 64 = 1,024).
// Run after `npm run build`:  nice -n 5 node scripts/studies/continuity_long.mjs [s4Epochs] [outDir]
// Writes outDir (default /tmp/continuity-long) as `lipkit study` does (results.md, results.json, figures).
import { presetPlan } from '../../dist/studies/continuity/plan.js';
import { runContinuity } from '../../dist/studies/continuity/continuityStudy.js';
import { writeStudyFiles } from '../../dist/report/writeStudyFiles.js';

const s4Epochs = Number(process.argv[2] ?? 192);
const out = process.argv[3] ?? '/tmp/continuity-long';
const base = presetPlan('default');
const plan = { ...base, sizes: { ...base.sizes, epochsByModel: { ...base.sizes.epochsByModel, s4d: s4Epochs } } };
const t0 = Date.now();
const c0 = process.cpuUsage();
const output = await runContinuity({ mode: 'default', plan, workers: 2, onProgress: (p) => process.stderr.write(`\r${p.done}/${p.total} ${p.label}      `) });
const c = process.cpuUsage(c0);
await writeStudyFiles([output], out, {
  intro: `Default preset with S4 trained for ${s4Epochs} epochs (${s4Epochs * Math.ceil(base.sizes.train / base.sizes.batchSize)} Adam steps) instead of ${base.sizes.epochsByModel?.s4d}; scripts/studies/continuity_long.mjs; ${((Date.now() - t0) / 1000).toFixed(0)} s wall, ${((c.user + c.system) / 1e6).toFixed(0)} CPU s (process.cpuUsage, worker threads included).`,
});
console.log(`\nwrote ${out}`);
