import type { StudyClaim, StudyTable } from '../study.js';
import { armMean, armValues, formatMeanSd, formatNumber, meanSd, pooledSd } from '../mlp/stats.js';
import type { DataScaleSizes } from './dataScaleArms.js';
import type { DataScaleRecord } from './dataScaleStudy.js';

/** A difference in test accuracy counts when it exceeds this and twice the pooled seed spread. */
export const ACCURACY_MARGIN = 0.02;
/** A difference in mean logit margin counts at this ratio. */
export const MARGIN_RATIO = 2;

const f = formatNumber;
/** Arm positions in DATA_SCALE_ARMS. */
const [SN1, SN10, SN1X10, PLAIN, PLAINX10] = [0, 1, 2, 3, 4] as const;

interface Contrast { held: boolean | null; text: string }

/** Do arms a and b differ "vastly": accuracy beyond max(0.02, 2 pooled sd), or mean margin by a factor >= 2? */
function contrast(records: DataScaleRecord[], arms: string[], a: number, b: number): Contrast {
  const accA = armValues(records, arms[a], 'testAccuracy');
  const accB = armValues(records, arms[b], 'testAccuracy');
  const diff = meanSd(accB).mean - meanSd(accA).mean;
  const threshold = Math.max(ACCURACY_MARGIN, 2 * pooledSd(accA, accB));
  const mA = armMean(records, arms[a], 'testMargin');
  const mB = armMean(records, arms[b], 'testMargin');
  const ratio = Math.max(mA / mB, mB / mA);
  const finite = [diff, mA, mB].every(Number.isFinite);
  const held = !finite ? null : Math.abs(diff) > threshold || (mA > 0 && mB > 0 && ratio >= MARGIN_RATIO);
  return {
    held,
    text: `test accuracy ${arms[a]} ${f(meanSd(accA).mean)} vs ${arms[b]} ${f(meanSd(accB).mean)} (difference ${f(diff, 2)}, threshold ${f(threshold, 2)}); `
      + `mean test margin ${f(mA)} vs ${f(mB)} (ratio ${f(ratio, 2)}, threshold ${MARGIN_RATIO})`,
  };
}

/** The claims of talk 003's data-scaling slide, and the unconstrained control. */
export function dataScaleClaims(records: DataScaleRecord[], arms: string[]): StudyClaim[] {
  const scaled = contrast(records, arms, SN1, SN1X10);
  const d10 = contrast(records, arms, SN1, SN10);
  const control = contrast(records, arms, PLAIN, PLAINX10);
  const ubo = (i: number): string => f(armMean(records, arms[i], 'upperBoundOriginal'));
  const cert = (i: number, k: number): string => formatMeanSd(records.filter((r) => r.arm === arms[i]).map((r) => r.certifiedAccuracy[k]?.accuracy ?? null));
  const eps = records[0]?.certifiedAccuracy.map((c) => c.epsilon) ?? [];
  const direction = armMean(records, arms[SN1X10], 'testAccuracy') > armMean(records, arms[SN1], 'testAccuracy')
    ? 'Direction: the scaled data makes the D=1 network FIT BETTER (it is a 10-Lipschitz function of the original inputs), not worse.'
    : 'Direction: the scaled data makes the D=1 network fit worse.';
  return [
    {
      claim: 'Spectral normalization is sensitive to the data scale: D=1 on data scaled by 10 gives vastly different results than D=1 on the original data (talk 003, "Sensitivity to data scaling").',
      held: scaled.held,
      evidence: `${scaled.text}. In original units the certified bound is ${ubo(SN1)} vs ${ubo(SN1X10)}; certified test accuracy at radius ${eps[eps.length - 1] ?? 'n/a'} `
        + `(original units) ${cert(SN1, eps.length - 1)} vs ${cert(SN1X10, eps.length - 1)}. ${direction}`,
    },
    {
      claim: 'Changing the Lipschitz target D (1 vs 10 per layer) leads to vastly different results (talk 003).',
      held: d10.held,
      evidence: `${d10.text}. Certified bound ${ubo(SN1)} (D=1) vs ${ubo(SN10)} (D=10 per layer, D^layers = 10^${records.find((r) => r.arm === arms[SN10])?.layers.length ?? '?'}), `
        + `empirical lower bound ${f(armMean(records, arms[SN1], 'lowerBoundOriginal'))} vs ${f(armMean(records, arms[SN10], 'lowerBoundOriginal'))}.`,
    },
    {
      claim: 'Control (not in the talk): without the constraint the MLP is nearly insensitive to the data scale, so the sensitivity comes from the constraint.',
      held: control.held === null ? null : !control.held,
      evidence: `${control.text} (held if the difference is NOT vast by the same criterion).`,
    },
  ];
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
