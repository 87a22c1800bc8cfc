import type { Json } from '../study.js';
import type { ArmResult } from './runArm.js';
import { finiteOrNull, subsample } from './stats.js';

/** The JSON record of one trained model (`results.json`); numbers that are not finite become null. */
export interface ArmRecord {
  [key: string]: Json;
  arm: string;
  seed: number;
  steps: number;
  diverged: boolean;
  seconds: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** Mean logit margin on the test set (label logit minus the best other). */
  testMargin: number | null;
  testCrossEntropy: number | null;
  /** CERTIFIED (lipschitzBound, merged). */
  upperBound: number | null;
  /** CERTIFIED product of the per-layer constants. */
  productBound: number | null;
  /** CERTIFIED tight global bound (issue 11: smallest of Combettes-Pesquet, ECLipsE-Fast, LipSDP-Neuron, exact), null when not run. */
  tightBound: number | null;
  /** The method that gave `tightBound`. */
  tightMethod: string | null;
  /** LipSDP-Neuron-quality certified bound (lipsdpNeuronBound), null when not run. */
  lipsdpBound: number | null;
  /** The EXACT constant (2-D inputs, region enumeration), null when not run or refused. */
  exactConstant: number | null;
  /** EMPIRICAL lower bound (lipschitzLowerBound at the test points). */
  lowerBound: number | null;
  /** Mean Jacobian spectral norm at the test points (a smoothness measure). */
  meanJacobianNorm: number | null;
  upperAtLeastLower: boolean | null;
  layers: { index: number; className: string; lipschitz: number | null; method: string }[];
  certifiedAccuracy: { epsilon: number; accuracy: number }[];
  /** Per-epoch curves, subsampled to at most `maxCurvePoints` points. */
  curves: { epoch: number; loss: number | null; taskLoss: number | null; penalty: number | null }[];
}

/** The record of `result` for `arm` and `seed`, curves subsampled to `maxCurvePoints` (default 100). */
export function armRecord(arm: string, seed: number, result: ArmResult, maxCurvePoints = 100): ArmRecord {
  const s = result.smoothness;
  const h = result.history;
  // a diverged model (non-finite weights) has no meaningful accuracy or margin: null, flagged by `diverged`
  const ok = (v: number): number | null => (h.diverged ? null : finiteOrNull(v));
  return {
    arm,
    seed,
    steps: h.steps,
    diverged: h.diverged,
    seconds: Math.round(h.seconds * 1000) / 1000,
    trainAccuracy: ok(result.train.accuracy),
    testAccuracy: ok(result.test.accuracy),
    testMargin: ok(result.test.meanMargin),
    testCrossEntropy: ok(result.test.crossEntropy),
    upperBound: s === null ? null : finiteOrNull(s.upperBound),
    productBound: s === null ? null : finiteOrNull(s.productBound),
    tightBound: s?.tight ? finiteOrNull(Math.min(...Object.values(s.tight.bounds).filter((v) => Number.isFinite(v)))) : null,
    tightMethod: s?.tight ? s.tight.method : null,
    lipsdpBound: s?.tight?.bounds.lipsdp !== undefined ? finiteOrNull(s.tight.bounds.lipsdp) : null,
    exactConstant: s?.tight?.bounds.exact !== undefined ? finiteOrNull(s.tight.bounds.exact) : null,
    lowerBound: s === null ? null : finiteOrNull(s.lowerBound),
    meanJacobianNorm: s === null ? null : finiteOrNull(s.meanJacobianNorm),
    upperAtLeastLower: result.upperAtLeastLower,
    layers: s === null ? [] : s.layers.map((l) => ({ index: l.index, className: l.className, lipschitz: finiteOrNull(l.lipschitz), method: l.method })),
    certifiedAccuracy: result.test.certifiedAccuracy.map((c) => ({ epsilon: c.epsilon, accuracy: c.accuracy })),
    curves: subsample(h.loss, maxCurvePoints).map(({ index }) => ({
      epoch: index, loss: h.loss[index - 1], taskLoss: h.taskLoss[index - 1], penalty: h.penalty[index - 1],
    })),
  };
}
