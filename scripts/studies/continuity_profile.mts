/**
 * Per-kernel profile of one training step of the continuity study's Figure 1 models, built
 * exactly as the study builds them (buildStudyModel, default preset sizes), on wasm:
 *   npx tsx scripts/studies/continuity_profile.mts '{"arm":"SSM+Emb","lambda":0}'
 * Prints CPU s per step (process.cpuUsage over `steps` steps) and the kernels by total time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/index.js';
import { PRESET_SIZES } from '../../src/studies/continuity/plan.js';
import { armDefinition, TRAINING_NORMALIZE } from '../../src/studies/continuity/spec.js';
import { buildStudyData } from '../../src/studies/continuity/studyData.js';
import { buildStudyModel } from '../../src/studies/continuity/studyModel.js';
import { lipReg } from '../../src/regularize/lipReg.js';

const a = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
await setBackend(typeof a.backend === 'string' ? a.backend : 'wasm');
const arm = armDefinition(String(a.arm ?? 'SSM+Emb'));
const sizes = { ...PRESET_SIZES.default.sizes, ...(a.sizes as object ?? {}) };
const lambda = Number(a.lambda ?? 0);
const spec = { task: String(a.task ?? 'fig1-high'), model: arm.model, arm: arm.name, lambda, seed: 0, sizes };
const data = buildStudyData(spec);
const model = buildStudyModel(spec, data);
const opt = tf.train.adam(3e-3);
const B = sizes.batchSize; const L = data.length; const F = data.features;
const x = tf.tensor3d((data.train.inputs as Float32Array).slice(0, B * L * F), [B, L, F]);
const y = tf.tensor3d((data.train.targets as Float32Array).slice(0, B * L * F), [B, L, F]);
const step = (): void => {
  tf.tidy(() => {
    const cost = opt.minimize(() => {
      const [out, emb] = model.apply(x, { training: true }) as tf.Tensor[];
      const loss = tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
      return lambda === 0 ? loss : tf.add(loss, tf.mul(lambda, lipReg(emb, { skipChecks: true, axis: 'time', normalize: TRAINING_NORMALIZE }))) as tf.Scalar;
    }, true) as tf.Scalar;
    cost.dataSync();
  });
};
for (let i = 0; i < 3; i++) step();
const steps = Number(a.steps ?? 20);
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const c = process.cpuUsage(c0);
console.log(`${arm.name} lambda ${lambda}: ${((c.user + c.system) / 1e6 / steps).toFixed(4)} CPU s/step, ${((performance.now() - t0) / steps).toFixed(1)} ms wall/step`);
if (a.profile !== false) {
  const info = await tf.profile(() => step());
  const agg = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs);
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = agg.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms; e.n += 1; agg.set(key, e);
    total += ms;
  }
  console.log(`kernels ${info.kernels.length}, summed kernel ms ${total.toFixed(1)}`);
  for (const [k, e] of [...agg.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, Number(a.top ?? 30))) console.log(`${e.ms.toFixed(2).padStart(8)} ms  x${e.n}  ${k}`);
}
