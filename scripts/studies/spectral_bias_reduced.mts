// A reduced spectral-bias run for a loaded machine: the paper's grid corners (lambda {1, 5} x
// eps {1e-5, 1e-3, 1e-1}) chosen on held-out validation points on one selection seed, then the
// chosen arm against MSE alone on 6 evaluation seeds, 300 steps of the 6 x 256 network.
// Run: npx tsx scripts/studies/spectral_bias_reduced.mts OUT_DIR
import { runSpectralBias } from '../../src/studies/spectralBias/spectralBiasStudy.js';
import { spectralBiasPlan, armName } from '../../src/studies/spectralBias/spec.js';
import { writeStudyFiles } from '../../src/report/writeStudyFiles.js';
import { setBackend } from '../../src/index.js';

await setBackend('wasm');
const base = spectralBiasPlan('default', 0);
const grid = [1, 5].flatMap((lambda) => [1e-5, 1e-3, 1e-1].map((epsilon) => ({ name: armName(lambda, epsilon), lambda, epsilon })));
const plan = { ...base, sizes: { ...base.sizes, steps: 300, evalEvery: 20 }, seeds: [0, 1, 2, 3, 4, 5], checkpointSteps: [100, 300], selection: { seeds: [1000], grid } };
const c0 = process.cpuUsage();
const out = await runSpectralBias({ mode: 'default', plan, onProgress: (p) => console.error(`${p.done}/${p.total} ${p.label}`) });
const cpu = process.cpuUsage(c0);
out.summary += ` Reduced run (scripts/studies/spectral_bias_reduced.mts): ${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU seconds.`;
await writeStudyFiles([out], process.argv[2] ?? 'lipkit-study-spectral-bias-reduced', { report: false });
console.log(JSON.stringify(out.claims, null, 1));
