// lipkit's core workload, written once and run both in Node and, bundled, in headless Chromium
// (test/browser/library.test.ts). It takes the lipkit namespace as an argument so that the page
// runs it against the IIFE bundle of the library (global `lipkit`) and Node against src/index.ts.
import type * as Lipkit from '../../src/index.js';

type Lip = typeof Lipkit;

/** A fixed pseudo-random matrix (an LCG: the same numbers everywhere). */
function matrix(rows: number, cols: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

/** The numbers of the workload, by name; every value is a plain float64 read back from TF.js. */
export async function runWorkload(lip: Lip, convModelUrl: string): Promise<Record<string, number>> {
  const { tf, tfl } = lip;
  const out: Record<string, number> = {};
  const before = tf.memory().numTensors;

  // 1. Spectral norm of a 24 x 16 matrix (power iteration).
  out.spectralNorm = lip.spectralNorm(matrix(24, 16, 7), { iterations: 50, tolerance: 0 }).sigma;

  // 2. A constrained MLP (Lipschitz projection, tanh) trained 3 Adam steps with a gradient penalty.
  const data = lip.twoMoons({ count: 64, noise: 0.1, seed: 3 });
  const dense = (units: number, seed: number, extra: Record<string, unknown> = {}): ReturnType<typeof tfl.layers.dense> =>
    tfl.layers.dense({
      units, kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'zeros',
      kernelConstraint: lip.lipschitzProjection({ maxNorm: 1.5 }), ...extra,
    });
  const model = tfl.sequential({
    layers: [dense(16, 1, { activation: 'tanh', inputShape: [2] }), dense(16, 2, { activation: 'tanh' }), dense(1, 3)],
  });
  const x = tf.tensor2d(data.points, [data.count, 2]);
  const y = tf.tensor2d(Float32Array.from(data.labels), [data.count, 1]);
  const optimizer = tf.train.adam(0.05);
  const vars = model.trainableWeights.map((w) => w.read() as unknown as Lipkit.tf.Variable);
  for (let step = 0; step < 3; step++) {
    let output: Lipkit.tf.Tensor | undefined;
    const cost = optimizer.minimize(() => {
      const f = (t: Lipkit.tf.Tensor): Lipkit.tf.Tensor => model.apply(t, { training: true }) as Lipkit.tf.Tensor;
      const r = lip.gradientPenaltyWithOutput(f, x, { kappa: 1, target: 1 });
      output = r.output;
      return tf.add(tf.losses.sigmoidCrossEntropy(y, r.output), r.penalty) as Lipkit.tf.Scalar;
    }, true, vars);
    out[`loss${step}`] = cost?.dataSync()[0] ?? NaN;
    tf.dispose([cost ?? [], output ?? []]);
    lip.applyConstraints(model);
  }
  optimizer.dispose();
  out.weightSum = tf.tidy(() => model.getWeights().reduce((a, w) => a + tf.sum(tf.abs(w)).dataSync()[0], 0));

  // 3. Certified upper bound and empirical lower bound.
  const bound = lip.lipschitzBound(model);
  out.upperBound = bound.upperBound;
  bound.layers.forEach((l, i) => { out[`layer${i}`] = l.lipschitz; });
  out.lowerBound = lip.lipschitzLowerBound(model, x, { steps: 5, seed: 0 }).lowerBound;
  tf.dispose([x, y]);
  model.dispose();

  // 4. A conv model loaded over HTTP: its certified bound and a prediction.
  const conv = await tfl.loadLayersModel(convModelUrl);
  out.convUpperBound = lip.lipschitzBound(conv).upperBound;
  const probe = tf.tensor4d(matrix(8, 8, 11).flat(), [1, 8, 8, 1]);
  const pred = conv.predict(probe) as Lipkit.tf.Tensor;
  out.convPredictionSum = tf.tidy(() => tf.sum(pred).dataSync()[0]);
  tf.dispose([probe, pred]);
  conv.dispose();
  out.leakedTensors = tf.memory().numTensors - before;
  return out;
}
