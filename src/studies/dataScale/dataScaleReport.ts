import type { StudyClaim, StudyTable } from '../study.js';
import { armMean, armValues, formatMeanSd, formatNumber, meanSd } from '../mlp/stats.js';
import { judgeStudyClaims, seedDifferences } from '../stats/judgeStudyClaims.js';
import type { DataScaleSizes } from './dataScaleArms.js';
import type { DataScaleRecord } from './dataScaleStudy.js';

const f = formatNumber;
/** Arm positions in DATA_SCALE_ARMS. */
const [SN1, SN10, SN1X10, PLAIN, PLAINX10] = [0, 1, 2, 3, 4] as const;

/**
 * The claims of talk 003's data-scaling slide and the unconstrained control, judged with paired
 * seeds (the same seed: the same data draw, before scaling, and the same initialization) by
 * lipkit's verdict rule. The talk says "vastly different" without a direction; the directions
 * are pre-registered from the mathematics: data scaled by c makes a D-constrained network a
 * c-times-steeper function of the original inputs, like raising D, so it can fit two moons better.
 * Primaries (Holm over two): S1 test accuracy of D = 1 on data x10 − D = 1 on the original data
 * > 0; S2 test accuracy of D = 10 − D = 1 > 0. Exploratory: the unconstrained control (the talk
 * implies no sensitivity: an interval tight around 0 supports it) and the mean test margin.
 */
export function dataScaleClaims(records: DataScaleRecord[], arms: string[]): StudyClaim[] {
  const ubo = (i: number): string => f(armMean(records, arms[i], 'upperBoundOriginal'));
  const acc = (i: number): string => f(armMean(records, arms[i], 'testAccuracy'));
  const cert = (i: number, k: number): string => formatMeanSd(records.filter((r) => r.arm === arms[i]).map((r) => r.certifiedAccuracy[k]?.accuracy ?? null));
  const eps = records[0]?.certifiedAccuracy.map((c) => c.epsilon) ?? [];
  const accuracy = (r: DataScaleRecord): number | null => r.testAccuracy;
  const margin = (r: DataScaleRecord): number | null => r.testMargin;
  return judgeStudyClaims([
    {
      claim: 'S1: Spectral normalization is sensitive to the data scale: D=1 on data scaled by 10 gives different results than D=1 on the original data (talk 003, "Sensitivity to data scaling"); pre-registered direction: the scaled data fits better.',
      evidence: `Effect = test accuracy ${arms[SN1X10]} − ${arms[SN1]}, per seed (means ${acc(SN1X10)} vs ${acc(SN1)}). In original units the certified bound is ${ubo(SN1)} vs ${ubo(SN1X10)}; `
        + `certified test accuracy at radius ${eps[eps.length - 1] ?? 'n/a'} (original units) ${cert(SN1, eps.length - 1)} vs ${cert(SN1X10, eps.length - 1)}.`,
      diffs: seedDifferences(records, arms[SN1X10], arms[SN1], accuracy), direction: 'greater', primary: true,
    },
    {
      claim: 'S2: Changing the Lipschitz target D (1 vs 10 per layer) leads to different results (talk 003); pre-registered direction: D=10 fits better.',
      evidence: `Effect = test accuracy ${arms[SN10]} − ${arms[SN1]}, per seed (means ${acc(SN10)} vs ${acc(SN1)}). Certified bound ${ubo(SN1)} (D=1) vs ${ubo(SN10)} `
        + `(D=10 per layer, D^layers = 10^${records.find((r) => r.arm === arms[SN10])?.layers.length ?? '?'}), empirical lower bound ${f(armMean(records, arms[SN1], 'lowerBoundOriginal'))} vs ${f(armMean(records, arms[SN10], 'lowerBoundOriginal'))}.`,
      diffs: seedDifferences(records, arms[SN10], arms[SN1], accuracy), direction: 'greater', primary: true,
    },
    {
      claim: 'Control (not in the talk): without the constraint, scaling the data by 10 changes test accuracy (the talk implies it does not: an inconclusive verdict with an interval tight around 0 supports insensitivity).',
      evidence: `Effect = test accuracy ${arms[PLAINX10]} − ${arms[PLAIN]}, per seed (means ${acc(PLAINX10)} vs ${acc(PLAIN)}).`,
      diffs: seedDifferences(records, arms[PLAINX10], arms[PLAIN], accuracy), direction: 'greater', primary: false,
    },
    {
      claim: 'D=1 on data scaled by 10 has a larger mean test margin than D=1 on the original data (margins in logits).',
      evidence: `Effect = mean test logit margin ${arms[SN1X10]} − ${arms[SN1]}, per seed (means ${f(armMean(records, arms[SN1X10], 'testMargin'))} vs ${f(armMean(records, arms[SN1], 'testMargin'))}).`,
      diffs: seedDifferences(records, arms[SN1X10], arms[SN1], margin), direction: 'greater', primary: false,
    },
  ]);
}

/** Summary table (mean ± sd over seeds). */
export function dataScaleTables(records: DataScaleRecord[], arms: string[]): StudyTable[] {
  const v = (a: string, k: string): string => formatMeanSd(armValues(records, a, k));
  const eps = records[0]?.certifiedAccuracy.map((c) => c.epsilon) ?? [];
  return [{
    title: 'Spectral normalization and data scale (mean ± sd over seeds; bounds in ORIGINAL data units = model-input bound x scale)',
    columns: ['arm', 'D per layer', 'data scale', 'train acc', 'test acc', 'test margin', ...eps.map((e) => `certified acc r=${e}`),
      'certified upper (orig.)', 'empirical lower (orig.)', 'mean |J| (orig.)', 'upper >= lower'],
    rows: arms.map((a) => {
      const own = records.filter((r) => r.arm === a);
      return [a, own[0]?.target ?? 'none', own[0]?.scale ?? null, v(a, 'trainAccuracy'), v(a, 'testAccuracy'), v(a, 'testMargin'),
        ...eps.map((_, k) => formatMeanSd(own.map((r) => r.certifiedAccuracy[k]?.accuracy ?? null))),
        v(a, 'upperBoundOriginal'), v(a, 'lowerBoundOriginal'), v(a, 'meanJacobianNormOriginal'),
        `${own.filter((r) => r.upperAtLeastLower === true).length}/${own.length}`];
    }),
  }];
}

/** One paragraph: what ran and what came out. */
export function dataScaleSummary(records: DataScaleRecord[], arms: string[], sizes: DataScaleSizes): string {
  const seeds = meanSd(armValues(records, arms[0], 'testAccuracy')).n;
  const part = (i: number): string => `${arms[i]}: test accuracy ${f(armMean(records, arms[i], 'testAccuracy'))}, margin ${f(armMean(records, arms[i], 'testMargin'))}, `
    + `certified bound (original units) ${f(armMean(records, arms[i], 'upperBoundOriginal'))}`;
  return `The ${sizes.widths.length + 1}-layer ReLU MLP of the two-moons study with spectral normalization (per-layer target D, so the logits are `
    + `D^${sizes.widths.length + 1}-Lipschitz in the model's own input) on two moons (${sizes.train} training points, noise ${sizes.noise}) and on the same data times 10; `
    + `${sizes.epochs} full-batch Adam steps (lr ${sizes.learningRate}), ${seeds} seed(s). Scaling the data by c makes a D-constrained model a c-times-steeper `
    + `function of the original inputs, exactly as multiplying the first layer's target by c. ${arms.map((_, i) => part(i)).join('. ')}.`;
}
