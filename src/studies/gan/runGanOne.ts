import * as tf from '@tensorflow/tfjs-core';
import { buildMlp } from '../mlp/buildMlp.js';
import { disposeModel } from '../mlp/disposeModel.js';
import { ganTrainer } from '../../optim/GanTrainer.js';
import { lipschitzBound } from '../../estimate/network/lipschitzBound.js';
import { mixture, sampleMixture, type Mixture } from './mixtures.js';
import { modeQuality, slicedWasserstein } from './sampleMetrics.js';
import { GAN_TRAINING, type GanRunSpec } from './ganSpec.js';

/** The evaluation at one checkpoint. */
export interface GanCheckpoint {
  step: number;
  modesCovered: number;
  highQuality: number;
  /** Sliced W2 between generated and fresh target samples (same count). */
  slicedW2: number | null;
  /** CERTIFIED upper bound of the critic's Lipschitz constant (lipschitzBound, method 'product'). */
  criticBound: number | null;
  criticLoss: number | null;
  generatorLoss: number | null;
}

/** One run of the GAN study. */
export interface GanRunRecord {
  mixture: string;
  arm: string;
  beta1: number;
  seed: number;
  diverged: boolean;
  checkpoints: GanCheckpoint[];
  /** Sliced W2 between two independent target samples of the same size: the floor sampling noise sets. */
  slicedW2Floor: number;
  modes: number;
  /** Wall-clock seconds of the run (inflated when the machine is loaded). */
  seconds: number;
  /** First seed only: generated samples [x, y, ...] per checkpoint and the critic's scores on a grid (row-major, y outer). */
  figures: { step: number; samples: number[]; grid: number[] }[] | null;
  /** Half-width of the plotted square. */
  extent: number;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function gridPoints(n: number, extent: number): Float32Array {
  const out = new Float32Array(2 * n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    out[2 * (j * n + i)] = -extent + ((i + 0.5) * 2 * extent) / n;
    out[2 * (j * n + i) + 1] = -extent + ((j + 0.5) * 2 * extent) / n;
  }
  return out;
}

/**
 * Trains one GAN cell (see `GAN_TRAINING`): an MLP generator (latent 2 -> widths -> 2) and an
 * MLP critic (2 -> widths -> 1, ReLU), both from `buildMlp` with the seed's initial weights; the
 * critic unconstrained, with a two-sided gradient penalty at interpolates (lambda 0.1, target 1,
 * as Gulrajani et al.'s toy experiments), or with every layer spectrally normalized (target 1).
 * All arms use the non-saturating loss, one critic update per generator update, Adam(1e-3,
 * beta1, 0.9) for both models, so only the critic's constraint and beta1 differ. Real batches,
 * latent draws and initial weights depend on the seed only (paired across cells).
 */
export function runGanOne(spec: GanRunSpec): GanRunRecord {
  const t0 = performance.now();
  const sz = spec.sizes;
  const m: Mixture = mixture(spec.mixture);
  const extent = spec.mixture === 'ring' ? 3 : 5.5;
  const generator = buildMlp({ inputDim: GAN_TRAINING.latentDim, widths: sz.widths, outputs: 2, seed: 2 * spec.seed + 1 });
  const critic = buildMlp({ inputDim: 2, widths: sz.widths, outputs: 1, seed: 2 * spec.seed + 2, ...(spec.arm === 'spectral normalization' ? { spectralNormTarget: GAN_TRAINING.snTarget } : {}) });
  const adam = { learningRate: GAN_TRAINING.learningRate, beta1: spec.beta1, beta2: GAN_TRAINING.beta2 };
  const trainer = ganTrainer(generator, critic, {
    loss: 'non-saturating', criticSteps: 1, seed: spec.seed, criticOptimizer: adam, generatorOptimizer: adam,
    gradientPenalty: spec.arm === 'gradient penalty' ? { weight: GAN_TRAINING.penaltyWeight, target: 1 } : null,
  });
  const target = sampleMixture(m, sz.evalSamples, 900001 + spec.seed);
  const floor = slicedWasserstein(target, sampleMixture(m, sz.evalSamples, 800001 + spec.seed), { projections: sz.projections, seed: spec.seed });
  const checkpointAt = new Set(Array.from({ length: sz.checkpoints }, (_, i) => Math.round((sz.steps * (i + 1)) / sz.checkpoints)));
  const record: GanRunRecord = {
    mixture: spec.mixture, arm: spec.arm, beta1: spec.beta1, seed: spec.seed, diverged: false, checkpoints: [],
    slicedW2Floor: floor, modes: m.modes.length / 2, seconds: 0, figures: spec.keepFigures ? [] : null, extent,
  };
  const grid = spec.keepFigures ? tf.tensor2d(gridPoints(sz.grid, extent), [sz.grid * sz.grid, 2]) : null;
  let draw = 0;
  const real = (): tf.Tensor => tf.tensor2d(sampleMixture(m, sz.batch, 1000 * spec.seed + 7 + draw++ * 7919), [sz.batch, 2]);
  try {
    for (let s = 1; s <= sz.steps; s++) {
      const r = trainer.step(real);
      const bad = !Number.isFinite(r.criticObjective) || !Number.isFinite(r.generatorLoss);
      if (!checkpointAt.has(s) && !bad) continue;
      const x = trainer.generate(sz.evalSamples);
      const v = x.dataSync();
      x.dispose();
      const q = modeQuality(v, m);
      const allFinite = v.every(Number.isFinite);
      const bound = lipschitzBound(critic, { method: 'product' });
      record.checkpoints.push({
        step: s, modesCovered: q.modesCovered, highQuality: q.highQuality,
        slicedW2: allFinite ? slicedWasserstein(v, target, { projections: sz.projections, seed: spec.seed }) : null,
        criticBound: bound.certified ? finite(bound.upperBound) : null, criticLoss: finite(r.criticLoss), generatorLoss: finite(r.generatorLoss),
      });
      if (grid !== null && record.figures !== null) {
        const scoreTensor = tf.tidy(() => critic.apply(grid, { training: false }) as tf.Tensor);
        const scores = scoreTensor.dataSync();
        scoreTensor.dispose();
        const round = (a: ArrayLike<number>, n: number): number[] => Array.from(a).slice(0, n).map((t) => { const v = Math.round(t * 1e3) / 1e3; return v === 0 ? 0 : v; });
        record.figures.push({ step: s, samples: round(v, 2 * sz.plotSamples), grid: round(scores, scores.length) });
      }
      if (bad) { record.diverged = true; break; }
    }
  } finally {
    grid?.dispose();
    trainer.dispose();
    disposeModel(generator);
    disposeModel(critic);
  }
  record.seconds = (performance.now() - t0) / 1000;
  return record;
}
