import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lipReg } from '../../regularize/lipReg.js';
import { decayedWeight } from '../../regularize/decayedWeight.js';
import { sumOfSines } from '../../data/sumOfSines.js';
import { backendName } from '../../backend/setBackend.js';
import { spectralErrors } from './spectralError.js';
import type { SpectralBiasArm, SpectralBiasSizes } from './spec.js';

/** One training run (an arm at a seed), as written to results.json. */
export interface SpectralBiasRecord {
  arm: string;
  lambda: number;
  epsilon: number;
  seed: number;
  sizes: SpectralBiasSizes;
  frequencies: number[];
  amplitudes: number[];
  /** Training steps at which the curves were measured (0 = before training). */
  steps: number[];
  /** Relative spectral error |DFT(y_hat - y)_k| / |DFT(y)_k| per measured step (rows) and frequency (columns); null once diverged. */
  errors: (number | null)[][];
  /** Full-batch MSE(y_hat, y) per measured step (null when not finite). */
  mse: (number | null)[];
  /** MSE on the N held-out validation points x = (n + 1/2) / N (between the training points) per measured step. */
  validationMse: (number | null)[];
  /** 'evaluation' (default): a run the claims use; 'selection': a grid run on a selection seed, used only to choose (lambda, eps) on validation. */
  role?: 'selection' | 'evaluation';
  /** L_Lip(y_hat) = mean (y_hat_{n+1} - y_hat_n)^2 per measured step. */
  lipReg: (number | null)[];
  /** Regularizer weight lambda e^{-eps t} at each measured step. */
  weight: number[];
  /** L_Lip of the target itself (what a perfect fit has). */
  targetLipReg: number;
  /** Per frequency: first measured step whose error is below the threshold and stays below it at every later measurement; null if never. */
  stepsToThreshold: (number | null)[];
  threshold: number;
  /** Errors, MSE and L_Lip after the last step. */
  finalErrors: (number | null)[];
  finalMse: number | null;
  /** Predictions at a few steps (seed 0 only; empty otherwise). */
  checkpoints: { step: number; prediction: number[] }[];
  /** True when the loss or the prediction became NaN/Inf; training stops there. */
  diverged: boolean;
  backend: string;
  seconds: number;
}

/**
 * The network of the experiment: `depth` ReLU layers of `width` units on a scalar input, then a
 * linear output. Kernels He-normal; biases as PyTorch's `nn.Linear` (Rahaman et al. used
 * PyTorch), U(-1/sqrt(fan_in), 1/sqrt(fan_in)), so U(-1, 1) in the first layer: that spreads the
 * first layer's kinks over [0, 1). (With zero biases the network is linear on x >= 0 at
 * initialization; with PyTorch's uniform kernels too the 6-layer output starts nearly constant
 * and did not move in 600 steps.) Seeded.
 */
export function buildSpectralBiasNetwork(width: number, depth: number, seed: number): tfl.Sequential {
  const layers: tfl.layers.Layer[] = [tfl.layers.inputLayer({ inputShape: [1] })];
  for (let i = 0; i <= depth; i++) {
    const bound = 1 / Math.sqrt(i === 0 ? 1 : width);
    layers.push(tfl.layers.dense({
      units: i === depth ? 1 : width,
      activation: i === depth ? 'linear' : 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed * 1000 + 2 * i + 1 }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed * 1000 + 2 * i + 2 }),
    }));
  }
  return tfl.sequential({ layers });
}

/** First index i with values[j] < threshold for every j >= i (the error has settled below it), or -1. */
export function settledIndex(values: readonly number[], threshold: number): number {
  let first = -1;
  for (let i = values.length - 1; i >= 0; i--) {
    if (values[i] < threshold) first = i;
    else break;
  }
  return first;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function meanSquaredDiff(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i + 1 < a.length; i++) s += (a[i + 1] - a[i]) ** 2;
  return s / (a.length - 1);
}

/**
 * Trains the spectral-bias network on `sumOfSines` (phases from `seed`) with full-batch Adam on
 *
 *   L(t) = MSE(y_hat, y) - lambda e^{-eps t} L_Lip(y_hat),
 *
 * where y_hat is the prediction at all N points ordered by x, shaped [1, N, 1] for `lipReg`, and
 * the weight comes from `decayedWeight(lambda, epsilon)` at step t (lambda = 0: the plain MSE
 * arm). Every `evalEvery` steps it measures the relative spectral error per frequency
 * (`spectralErrors`, float64 DFT), the MSE, the MSE on N held-out validation points
 * x = (n + 1/2) / N (for choosing lambda and eps), and L_Lip. Disposes everything it creates.
 */
export function trainArm(arm: SpectralBiasArm, seed: number, sizes: SpectralBiasSizes, { threshold = 0.5, checkpointSteps = [] as number[] } = {}): SpectralBiasRecord {
  const start = performance.now();
  const data = sumOfSines({ count: sizes.count, seed });
  const n = data.count;
  const weightAt = decayedWeight(arm.lambda, arm.epsilon);
  const model = buildSpectralBiasNetwork(sizes.width, sizes.depth, seed);
  const optimizer = tf.train.adam(sizes.learningRate);
  const x = tf.tensor2d(data.x, [n, 1]);
  const y = tf.tensor2d(data.y, [n, 1]);
  // Held-out validation points halfway between the training points, h computed in float64.
  const xv = Float32Array.from({ length: n }, (_, i) => (i + 0.5) / n);
  const yv = Float64Array.from(xv, (t) => data.frequencies.reduce((acc, k, i) => acc + data.amplitudes[i] * Math.sin(2 * Math.PI * k * t + data.phases[i]), 0));
  const xVal = tf.tensor2d(xv, [n, 1]);
  const record: SpectralBiasRecord = {
    arm: arm.name, lambda: arm.lambda, epsilon: arm.epsilon, seed, sizes: { ...sizes },
    frequencies: data.frequencies, amplitudes: data.amplitudes,
    steps: [], errors: [], mse: [], validationMse: [], lipReg: [], weight: [],
    targetLipReg: meanSquaredDiff(data.y), stepsToThreshold: [], threshold,
    finalErrors: [], finalMse: null, checkpoints: [], diverged: false, backend: backendName(), seconds: 0,
  };
  const measure = (step: number): boolean => {
    const out = tf.tidy(() => model.apply(x) as tf.Tensor);
    const pred = Float32Array.from(out.dataSync());
    out.dispose();
    let finite = true;
    for (const v of pred) if (!Number.isFinite(v)) { finite = false; break; }
    let se = 0;
    for (let i = 0; i < n; i++) se += (pred[i] - data.y[i]) ** 2;
    record.steps.push(step);
    record.weight.push(weightAt(step));
    record.mse.push(finiteOrNull(se / n));
    const outV = tf.tidy(() => model.apply(xVal) as tf.Tensor);
    const predV = outV.dataSync();
    outV.dispose();
    let sv = 0;
    for (let i = 0; i < n; i++) sv += (predV[i] - yv[i]) ** 2;
    record.validationMse.push(finiteOrNull(sv / n));
    record.lipReg.push(finite ? meanSquaredDiff(pred) : null);
    record.errors.push(finite ? spectralErrors(pred, data.y, data.frequencies) : data.frequencies.map(() => null));
    if (finite && checkpointSteps.includes(step)) record.checkpoints.push({ step, prediction: Array.from(pred) });
    return finite;
  };
  try {
    measure(0);
    for (let t = 0; t < sizes.steps; t++) {
      const w = weightAt(t);
      const loss = tf.tidy(() => optimizer.minimize(() => {
        const yHat = model.apply(x, { training: true }) as tf.Tensor;
        const mse = tf.mean(tf.square(tf.sub(yHat, y)));
        if (w === 0) return mse as tf.Scalar;
        return tf.sub(mse, tf.mul(w, lipReg(tf.reshape(yHat, [1, n, 1]), { skipChecks: true }))) as tf.Scalar;
      }, true) as tf.Scalar);
      const lossValue = loss.dataSync()[0];
      loss.dispose();
      const step = t + 1;
      if (!Number.isFinite(lossValue)) { record.diverged = true; break; }
      if (step % sizes.evalEvery === 0 || step === sizes.steps) {
        if (!measure(step)) { record.diverged = true; break; }
      }
    }
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y, xVal]);
  }
  const last = record.errors.length - 1;
  record.finalErrors = [...record.errors[last]];
  record.finalMse = record.mse[last];
  record.stepsToThreshold = data.frequencies.map((_, k) => {
    if (record.diverged) return null;
    const i = settledIndex(record.errors.map((row) => row[k] ?? Number.POSITIVE_INFINITY), threshold);
    return i < 0 ? null : record.steps[i];
  });
  record.seconds = (performance.now() - start) / 1000;
  return record;
}
