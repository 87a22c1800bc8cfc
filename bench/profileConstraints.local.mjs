// local profiling helper (not committed): times one MNIST step per variant, with per-constraint apply timing.
import { tf, tfl, setBackend, applyConstraints, spectralNormalization, spectralNormalize, lipschitzProjection, spectralSoftCap, spectralHardCap, spectralHammer } from '../src/node.ts';
await setBackend(process.env.BACKEND ?? 'wasm');
const dims = (process.env.DIMS ?? '784,256,256,10').split(',').map(Number);
const which = (process.argv[2] ?? 'plain,snLayer,normalize,projection,softCap,hardCap,hammer').split(',');
const guarantee = process.env.G;
const g = guarantee ? { guarantee } : {};
const mk = {
  normalize: () => spectralNormalize({ target: 1, ...g }), projection: () => lipschitzProjection({ maxNorm: 1, ...g }),
  softCap: () => spectralSoftCap({ cap: 1, ...g }), hardCap: () => spectralHardCap({ cap: 1, ...g }), hammer: () => spectralHammer({ cap: 1, ...g }),
};
for (const v of which) {
  const m = tfl.sequential();
  dims.slice(1).forEach((units, i) => {
    const cfg = { units, activation: i < dims.length - 2 ? (process.env.ACT ?? 'relu') : 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 + i }), ...(mk[v] ? { kernelConstraint: mk[v]() } : {}) };
    const first = i === 0 ? { inputShape: [dims[0]] } : {};
    m.add(v === 'snLayer' ? spectralNormalization({ layer: tfl.layers.dense(cfg), ...first, ...g }) : tfl.layers.dense({ ...cfg, ...first }));
  });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([Number(process.env.BATCH ?? 128), dims[0]], 0, 1, 'float32', 2);
  const mse = dims[dims.length - 1] === 1;
  const y = mse ? tf.randomNormal([Number(process.env.BATCH ?? 128), 1], 0, 1, 'float32', 3) : tf.tidy(() => tf.oneHot(tf.randomUniform([Number(process.env.BATCH ?? 128)], 0, dims[dims.length - 1], 'int32', 3), dims[dims.length - 1]));
  let tc = 0;
  const step = () => {
    const loss = opt.minimize(() => mse ? tf.mean(tf.square(tf.sub(m.apply(x, { training: true }), y))) : tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true })), true);
    loss.dataSync(); loss.dispose();
    const t = performance.now();
    if (mk[v]) applyConstraints(m);
    tc += performance.now() - t;
  };
  const N = Number(process.env.N ?? 40);
  for (let i = 0; i < 5; i++) step();
  tc = 0;
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  const c = process.cpuUsage(c0);
  console.log(v, 'cpu ms/step', ((c.user + c.system) / 1000 / N).toFixed(1), 'wall', ((performance.now() - t0) / N).toFixed(1), 'constraint wall', (tc / N).toFixed(1), 'tensors', tf.memory().numTensors);
  opt.dispose(); m.dispose(); tf.dispose([x, y]);
}
