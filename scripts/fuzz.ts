// npm run fuzz -- [--seconds 300] [--cases N] [--seed S] [--backend wasm|cpu] [--family NAME]
// The soundness property of test/soundness run for longer: random models from every layer family,
// each checked as upper bound >= every realized difference quotient (float32 allowance included).
// Prints a summary per family and every failure (seed and model), exits 1 on a failure.
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../src/backend/setBackend.js';
import { FAMILIES, randomModel, type Family } from '../test/soundness/randomModels.js';
import { checkSoundness, type SoundnessRecord } from '../test/soundness/soundnessCheck.js';

const program = new Command('fuzz')
  .option('--seconds <s>', 'CPU-time budget in seconds', '300')
  .option('--cases <n>', 'stop after this many models', String(Number.MAX_SAFE_INTEGER))
  .option('--seed <s>', 'first seed', '1000000')
  .option('--backend <name>', 'wasm or cpu', 'wasm')
  .option('--family <name>', `one of ${FAMILIES.join(', ')} (default: all, in turn)`)
  .parse();
const opts = program.opts<{ seconds: string; cases: string; seed: string; backend: string; family?: string }>();
const seconds = Number(opts.seconds);
const cases = Number(opts.cases);
const firstSeed = Number(opts.seed);
if (!(seconds > 0) || !(cases > 0) || !Number.isInteger(firstSeed)) throw new Error('--seconds, --cases and --seed must be positive numbers');
if (opts.family !== undefined && !FAMILIES.includes(opts.family as Family)) throw new Error(`--family must be one of ${FAMILIES.join(', ')}`);
await setBackend(opts.backend as 'wasm' | 'cpu');

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const cpuSeconds = (): number => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6; };
const records: SoundnessRecord[] = [];
const errors: { seed: number; family: string; message: string }[] = [];
for (let i = 0; i < cases && cpuSeconds() < seconds; i++) {
  const seed = firstSeed + i;
  const family = (opts.family as Family | undefined) ?? FAMILIES[i % FAMILIES.length];
  const rm = randomModel(seed, family);
  try {
    const r = checkSoundness(rm, seed, { points: 6, steps: 15, iterations: 8 });
    records.push(r);
    if (!r.sound) console.log(`FAILURE seed ${seed}: ${r.description}: lower ${r.lower} > upper ${r.upper} (1 + ${r.allowance.toExponential(2)})`);
  } catch (e) {
    errors.push({ seed, family, message: e instanceof Error ? e.message : String(e) });
    console.log(`ERROR seed ${seed} (${family}): ${errors[errors.length - 1].message}`);
  }
  if ((i + 1) % 100 === 0) console.log(`${i + 1} models, ${cpuSeconds().toFixed(0)} s CPU, ${tf.memory().numTensors} tensors alive`);
}

const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
console.log(`\nlipkit soundness fuzz: ${records.length} models, ${errors.length} errors, ${cpuSeconds().toFixed(1)} s CPU, ${((performance.now() - wall0) / 1000).toFixed(1)} s wall, backend ${opts.backend}, seeds ${firstSeed}..${firstSeed + records.length + errors.length - 1}`);
console.log('family       models  failures  lower>0  max lower/upper  median lower/upper');
for (const f of FAMILIES) {
  const rs = records.filter((r) => r.family === f);
  if (rs.length === 0) continue;
  const ratios = rs.map((r) => r.ratio);
  console.log(`${f.padEnd(12)} ${String(rs.length).padStart(6)}  ${String(rs.filter((r) => !r.sound).length).padStart(8)}  ${String(rs.filter((r) => r.lower > 0).length).padStart(7)}  ${Math.max(...ratios).toFixed(6).padStart(15)}  ${pct(ratios, 0.5).toFixed(4).padStart(18)}`);
}
const above = records.filter((r) => r.ratio > 1);
if (above.length > 0) {
  const worst = above.reduce((a, r) => ((r.ratio - 1) / r.allowance > (a.ratio - 1) / a.allowance ? r : a));
  console.log(`${above.length} models with a realized quotient above the exact-arithmetic bound (float32 rounding); largest excess ${(worst.ratio - 1).toExponential(2)} = ${((worst.ratio - 1) / worst.allowance * 100).toFixed(1)} % of its allowance ${worst.allowance.toExponential(2)} (seed ${worst.seed}: ${worst.description})`);
}
const failures = records.filter((r) => !r.sound);
console.log(failures.length === 0 && errors.length === 0 ? 'no soundness failure' : `${failures.length} soundness failures, ${errors.length} errors`);
process.exitCode = failures.length > 0 || errors.length > 0 ? 1 : 0;
