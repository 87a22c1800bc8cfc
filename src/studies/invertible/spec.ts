import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkOptions } from '../../regularize/checks.js';
import type { StudyMode } from '../study.js';

/** Sizes of one i-ResNet run on two moons. */
export interface InvertibleSizes {
  /** Training points (two moons, noise `noise`). */
  train: number;
  /** Held-out points (accuracy, reconstruction, Lipschitz lower bounds). */
  test: number;
  noise: number;
  /** i-ResNet blocks K. */
  blocks: number;
  /** Hidden layers of each block's g. */
  hiddenLayers: number;
  /** Units of each hidden layer. */
  hidden: number;
  /** Power-iteration steps per training call and kernel (the presets use 1, PyTorch's default: 5 made a step 3x slower; the vectors are re-converged after training, before anything is measured). */
  powerIterations: number;
  /** Full-batch Adam steps. */
  steps: number;
  /** Record the loss every this many steps. */
  evalEvery: number;
  learningRate: number;
  [key: string]: number;
}

/** A whole study: coefficients x seeds, each model inverted with each iteration count. */
export interface InvertiblePlan {
  sizes: InvertibleSizes;
  coefficients: number[];
  iterationCounts: number[];
  seeds: number[];
  /** Coefficient whose seed-0 model's warped grid is drawn. */
  showcase: number;
}

/** Validates sizes (LipkitError naming `sizes.<field>`). */
export function checkInvertibleSizes(sizes: unknown): InvertibleSizes {
  checkOptions('sizes', sizes);
  const s = (sizes ?? {}) as Partial<InvertibleSizes>;
  const int = (name: keyof InvertibleSizes, min: number, max: number): number => checkNumber(`sizes.${name}`, s[name], { min, max, integer: true });
  const out: InvertibleSizes = {
    train: int('train', 4, 1e6),
    test: int('test', 2, 1e6),
    noise: checkNumber('sizes.noise', s.noise, { min: 0, max: 10 }),
    blocks: int('blocks', 1, 64),
    hiddenLayers: int('hiddenLayers', 1, 8),
    hidden: int('hidden', 1, 4096),
    powerIterations: int('powerIterations', 1, 1000),
    steps: int('steps', 1, 1e7),
    evalEvery: int('evalEvery', 1, 1e7),
    learningRate: checkNumber('sizes.learningRate', s.learningRate, { min: 0, exclusiveMin: true, max: 10 }),
  };
  if (out.evalEvery > out.steps) throw new LipkitError('sizes.evalEvery', `must be <= sizes.steps (${out.steps}), got ${out.evalEvery}`);
  return out;
}

/** Validates a plan: sizes, coefficients in (0, 1), iteration counts >= 0 integers, seeds. */
export function checkInvertiblePlan(plan: unknown): InvertiblePlan {
  checkOptions('plan', plan);
  const p = (plan ?? {}) as Partial<InvertiblePlan>;
  const sizes = checkInvertibleSizes(p.sizes);
  const list = (name: string, v: unknown): unknown[] => {
    if (!Array.isArray(v) || v.length === 0) throw new LipkitError(name, 'must be a non-empty array');
    return v;
  };
  const coefficients = list('plan.coefficients', p.coefficients).map((c, i) => {
    const v = checkNumber(`plan.coefficients[${i}]`, c, { min: 0, exclusiveMin: true });
    if (v >= 1) throw new LipkitError(`plan.coefficients[${i}]`, `must be < 1 (invertibility), got ${v}`);
    return v;
  });
  const iterationCounts = list('plan.iterationCounts', p.iterationCounts).map((n, i) => checkNumber(`plan.iterationCounts[${i}]`, n, { min: 0, max: 1e5, integer: true }));
  const seeds = list('plan.seeds', p.seeds).map((s, i) => checkNumber(`plan.seeds[${i}]`, s, { min: 0, max: 2 ** 31 - 1, integer: true }));
  const showcase = checkNumber('plan.showcase', p.showcase ?? coefficients[0], { min: 0, exclusiveMin: true });
  if (!coefficients.includes(showcase)) throw new LipkitError('plan.showcase', `must be one of plan.coefficients, got ${showcase}`);
  return { sizes, coefficients, iterationCounts, seeds, showcase };
}

/**
 * The presets of `lipkit study invertible`. Measured on 2 shared cores (wasm, load 3-5): smoke
 * 2.5 s, quick 22 s per seed (4 coefficients), default 30 s per seed (5 models). The primary
 * claims I1/I2 are judged with paired seeds (Holm over two), so quick (3 coefficients) and
 * default run 8 seeds (default about 4 min by extrapolation).
 */
export function invertiblePlan(mode: StudyMode, seed: number): InvertiblePlan {
  const seeds = (k: number): number[] => Array.from({ length: k }, (_, i) => seed + i);
  const base: InvertibleSizes = { train: 256, test: 256, noise: 0.1, blocks: 4, hiddenLayers: 1, hidden: 32, powerIterations: 1, steps: 300, evalEvery: 10, learningRate: 0.03 };
  const coefficients = [0.5, 0.7, 0.9, 0.97, 0.99];
  switch (mode) {
    case 'smoke':
      return { sizes: { ...base, train: 64, test: 32, blocks: 2, hidden: 8, steps: 20, evalEvery: 5 }, coefficients: [0.5, 0.9], iterationCounts: [1, 5, 20], seeds: seeds(1), showcase: 0.9 };
    case 'quick':
      return { sizes: { ...base, steps: 150, test: 128 }, coefficients: [0.5, 0.9, 0.99], iterationCounts: [1, 3, 10, 30], seeds: seeds(8), showcase: 0.9 };
    case 'default':
      return { sizes: base, coefficients, iterationCounts: [1, 3, 10, 30, 100], seeds: seeds(8), showcase: 0.9 };
    case 'full':
      return { sizes: { ...base, steps: 1000, test: 512 }, coefficients: [0.3, ...coefficients, 0.995], iterationCounts: [1, 3, 10, 30, 100, 300], seeds: seeds(10), showcase: 0.9 };
    default:
      throw new LipkitError('options.mode', `unknown mode ${String(mode)}`);
  }
}
