import type { StudyClaim, StudyTable } from '../study.js';
import type { ArmRecord } from '../mlp/armRecord.js';
import { armMean, armValues, formatMeanSd, formatNumber, meanSd, pooledSd } from '../mlp/stats.js';
import type { TwoMoonsSizes } from './twoMoonsArms.js';
import { GRADIENT_PENALTY_KAPPA, SPECTRAL_PENALTY_LAMBDA } from './twoMoonsArms.js';

/** An accuracy difference counts when it exceeds this and twice the pooled seed spread. */
export const ACCURACY_MARGIN = 0.02;
/** "Much larger" certified bound: at least this ratio. */
export const BOUND_RATIO = 5;
/** "Smoother": mean Jacobian norm at the test points lower by at least this factor. */
export const SMOOTHER_RATIO = 2;

const f = formatNumber;
/** Arm positions in TWO_MOONS_ARMS. */
const [PLAIN, GP, SN, PROJ] = [0, 1, 2, 4];

function accuracyDrop(records: ArmRecord[], from: string, to: string): { diff: number; threshold: number } {
  const a = armValues(records, from, 'testAccuracy');
  const b = armValues(records, to, 'testAccuracy');
  return { diff: meanSd(a).mean - meanSd(b).mean, threshold: Math.max(ACCURACY_MARGIN, 2 * pooledSd(a, b)) };
}

/** The claims of talk 003 this study tests, with the verdict and the numbers behind it. */
export function twoMoonsClaims(records: ArmRecord[], arms: string[]): StudyClaim[] {
  const ub = (a: number): number => armMean(records, arms[a], 'upperBound');
  const mj = (a: number): number => armMean(records, arms[a], 'meanJacobianNorm');
  const acc = (a: number): number => armMean(records, arms[a], 'testAccuracy');
  const others = arms.map((_, i) => i).filter((i) => i !== PLAIN);
  const ratios = others.map((i) => ub(PLAIN) / ub(i));
  const smooth = others.map((i) => mj(PLAIN) / mj(i));
  const snDrop = accuracyDrop(records, arms[PLAIN], arms[SN]);
  const gpOverSn = accuracyDrop(records, arms[GP], arms[SN]);
  const checks = records.map((r) => r.upperAtLeastLower);
  const nan = (...v: number[]): boolean => v.some((x) => !Number.isFinite(x));
  return [
    {
      claim: 'The unregularized MLP has a much larger Lipschitz constant than the regularized or constrained ones (talk 003, per-layer figure: "smaller means smoother").',
      held: nan(...ratios) ? null : ratios.every((r) => r >= BOUND_RATIO),
      evidence: `certified upper bound, mean over seeds: ${arms.map((a, i) => `${a} ${f(ub(i))}`).join('; ')}. `
        + `Ratio unregularized / other: ${others.map((i, k) => `${arms[i]} ${f(ratios[k], 2)}x`).join(', ')} (held if every ratio >= ${BOUND_RATIO}).`,
    },
    {
      claim: 'Smoothness constraints can limit model capacity and decrease performance: spectral normalization with D=1 underfits two moons (talk 003, "Weak models").',
      held: nan(snDrop.diff) ? null : snDrop.diff > snDrop.threshold,
      evidence: `test accuracy ${arms[PLAIN]} ${f(acc(PLAIN))} vs ${arms[SN]} ${f(acc(SN))} (drop ${f(snDrop.diff, 2)}; held if > ${f(snDrop.threshold, 2)} = max(${ACCURACY_MARGIN}, 2 pooled sd)); `
        + `${arms[PROJ]} ${f(acc(PROJ))}. Train accuracy ${arms[SN]} ${f(armMean(records, arms[SN], 'trainAccuracy'))}.`,
    },
    {
      claim: 'Soft, local methods like gradient penalties, which regularize only where the data is, are less restrictive than spectral normalization (talk 003).',
      held: nan(gpOverSn.diff) ? null : gpOverSn.diff > gpOverSn.threshold,
      evidence: `test accuracy ${arms[GP]} ${f(acc(GP))} vs ${arms[SN]} ${f(acc(SN))} (difference ${f(gpOverSn.diff, 2)}; held if > ${f(gpOverSn.threshold, 2)}). `
        + `Locality: the gradient-penalty model's mean Jacobian norm at the test points is ${f(mj(GP))}, its empirical lower bound ${f(armMean(records, arms[GP], 'lowerBound'))}, `
        + `but its certified global bound is ${f(ub(GP))} (kappa = ${GRADIENT_PENALTY_KAPPA}).`,
    },
    {
      claim: 'Smoothness regularization makes the learned function smoother where the data lives (lower input-gradient norm).',
      held: nan(...smooth) ? null : smooth.every((r) => r >= SMOOTHER_RATIO),
      evidence: `mean Jacobian spectral norm at the test points: ${arms.map((a, i) => `${a} ${f(mj(i))}`).join('; ')} `
        + `(held if the unregularized value is >= ${SMOOTHER_RATIO}x each other arm's). Accuracy cost vs unregularized: `
        + `${others.map((i) => `${arms[i]} ${f(acc(PLAIN) - acc(i), 2)}`).join(', ')} (spectral penalty lambda = ${SPECTRAL_PENALTY_LAMBDA}).`,
    },
    {
      claim: 'Honesty check (lipkit): the certified upper bound is never below the empirical lower bound.',
      held: checks.some((c) => c === false) ? false : checks.some((c) => c === true) ? true : null,
      evidence: `${checks.filter((c) => c === true).length} of ${records.length} models satisfy lower <= upper (float32 slack 1e-5 relative; diverged models have no bound: ${checks.filter((c) => c === null).length}); `
        + `tightest gap upper/lower: ${f(Math.min(...records.map((r) => (r.upperBound ?? NaN) / (r.lowerBound ?? NaN)).filter(Number.isFinite)), 4)}.`,
    },
  ];
}

/** Summary tables: per arm (mean ± sd over seeds) and per layer. */
export function twoMoonsTables(records: ArmRecord[], arms: string[]): StudyTable[] {
  const v = (a: string, k: string, d = 3): string => formatMeanSd(armValues(records, a, k), d);
  const layerCount = Math.max(0, ...records.map((r) => r.layers.length));
  const layerMeans = (arm: string): string[] => Array.from({ length: layerCount }, (_, i) => formatMeanSd(
    records.filter((r) => r.arm === arm).map((r) => r.layers[i]?.lipschitz ?? null), 3));
  return [
    {
      title: 'Two moons, per arm (mean ± sd over seeds)',
      columns: ['arm', 'train acc', 'test acc', 'test margin', 'certified upper', 'LipSDP-Neuron (certified)', 'exact constant', 'empirical lower', 'mean |J| at test', 'upper >= lower'],
      rows: arms.map((a) => {
        const own = records.filter((r) => r.arm === a);
        return [a, v(a, 'trainAccuracy'), v(a, 'testAccuracy'), v(a, 'testMargin'), v(a, 'upperBound'), v(a, 'lipsdpBound'), v(a, 'exactConstant'), v(a, 'lowerBound'), v(a, 'meanJacobianNorm'),
          `${own.filter((r) => r.upperAtLeastLower === true).length}/${own.length}`];
      }),
    },
    {
      title: 'Certified per-layer Lipschitz constants (mean ± sd over seeds)',
      columns: ['arm', ...Array.from({ length: layerCount }, (_, i) => `layer ${i + 1}`), 'product'],
      rows: arms.map((a) => [a, ...layerMeans(a), v(a, 'productBound')]),
    },
  ];
}

/** One paragraph: what ran and what came out. */
export function twoMoonsSummary(records: ArmRecord[], arms: string[], sizes: TwoMoonsSizes): string {
  const seeds = meanSd(armValues(records, arms[0], 'testAccuracy')).n;
  const part = (i: number): string => `${arms[i]}: test accuracy ${f(armMean(records, arms[i], 'testAccuracy'))}, certified bound ${f(armMean(records, arms[i], 'upperBound'))}, `
    + `empirical lower ${f(armMean(records, arms[i], 'lowerBound'))}`;
  return `A ${sizes.widths.length + 1}-layer ReLU MLP (widths ${sizes.widths.join('-')}) trained on ${sizes.train} two-moons points (noise ${sizes.noise}) `
    + `with ${sizes.epochs} full-batch Adam steps (lr ${sizes.learningRate}), ${seeds} seed(s), tested on a separate draw of ${sizes.test} points. `
    + `D is the per-layer spectral-norm target, so the constrained networks are D^${sizes.widths.length + 1} = 1-Lipschitz. `
    + `${arms.map((_, i) => part(i)).join('. ')}. Means over seeds; see the tables for the spread.`;
}
