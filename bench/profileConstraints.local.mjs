// local profiling helper (not committed): times one MNIST step per variant, with per-constraint apply timing.
import { tf, tfl, setBackend, applyConstraints, spectralNormalization, spectralNormalize, lipschitzProjection, spectralSoftCap, spectralHardCap, spectralHammer } from '../src/node.ts';
await setBackend(process.env.BACKEND ?? 'wasm');
const dims = [784, 256, 256, 10];
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
    const cfg = { units, activation: i < 2 ? 'relu' : 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 + i }), ...(mk[v] ? { kernelConstraint: mk[v]() } : {}) };
    const first = i === 0 ? { inputShape: [784] } : {};
    m.add(v === 'snLayer' ? spectralNormalization({ layer: tfl.layers.dense(cfg), ...first, ...g }) : tfl.layers.dense({ ...cfg, ...first }));
  });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([128, 784], 0, 1, 'float32', 2);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 3), 10));
  let tc = 0;
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true })), true);
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
