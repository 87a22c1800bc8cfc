import type { StudyClaim, StudyTable } from '../study.js';
import { optimizerLabel } from '../mlp/makeOptimizer.js';
import { armValues, formatMeanSd, formatNumber, meanSd, pooledSd } from '../mlp/stats.js';
import { LOSS_LEVEL, SGD_LEARNING_RATES, SGD_MOMENTA, type OptimizerStudySizes } from './optimizerSettings.js';
import type { OptimizerRecord } from './optimizerStudy.js';

/** "Different smoothness": bounds differ by at least this ratio (and by more than 2 pooled sd of their logs). */
export const BOUND_RATIO = 2;

const f = formatNumber;
/** A ratio as `2.44x`, or `n/a`. */
const times = (r: number): string => (Number.isFinite(r) ? `${f(r, 3)}x` : 'n/a');
const sgd = (learningRate: number, momentum: number): string => optimizerLabel({ kind: 'sgd', learningRate: Math.round(learningRate * 1e9) / 1e9, momentum });

/** log10 of one setting's values of a numeric field (null when missing or <= 0). */
function logs(values: (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 ? Math.log10(v) : null));
}

/** Largest / smallest geometric-mean bound over `labels`, and whether the extreme pair is separated beyond 2 pooled sd (in log10). */
function spread(byLabel: Map<string, (number | null)[]>): { ratio: number; separated: boolean; hi: string; lo: string } {
  const entries = [...byLabel.entries()].map(([label, v]) => ({ label, l: logs(v), m: meanSd(logs(v)).mean })).filter((e) => Number.isFinite(e.m));
  if (entries.length < 2) return { ratio: NaN, separated: false, hi: '', lo: '' };
  entries.sort((a, b) => a.m - b.m);
  const lo = entries[0];
  const hi = entries[entries.length - 1];
  return { ratio: 10 ** (hi.m - lo.m), separated: hi.m - lo.m > 2 * pooledSd(hi.l, lo.l), hi: hi.label, lo: lo.label };
}

const geo = (values: (number | null)[]): number => 10 ** meanSd(logs(values)).mean;

/** The claims of talk 003's optimization slides, tested on the unconstrained MLP. */
export function optimizerClaims(records: OptimizerRecord[]): StudyClaim[] {
  const finalOf = (label: string): (number | null)[] => armValues(records, label, 'upperBound');
  const atLevelOf = (label: string): (number | null)[] => records.filter((r) => r.arm === label).map((r) => r.atLossLevel?.upperBound ?? null);
  const lrLabels = SGD_LEARNING_RATES.map((lr) => sgd(lr, 0));
  const final = spread(new Map(lrLabels.map((l) => [l, finalOf(l)])));
  const reachedAll = lrLabels.filter((l) => atLevelOf(l).every((v) => v !== null) && atLevelOf(l).length > 0);
  const atLevel = spread(new Map(reachedAll.map((l) => [l, atLevelOf(l)])));
  const momentumRatios = SGD_LEARNING_RATES.map((lr) => geo(finalOf(sgd(lr, SGD_MOMENTA[1]))) / geo(finalOf(sgd(lr, SGD_MOMENTA[0]))));
  const momentumAtLevel = SGD_LEARNING_RATES.map((lr) => geo(atLevelOf(sgd(lr, SGD_MOMENTA[1]))) / geo(atLevelOf(sgd(lr, SGD_MOMENTA[0]))));
  const heavy = geo(finalOf(sgd(SGD_LEARNING_RATES[0], SGD_MOMENTA[1])));
  const plainTen = geo(finalOf(sgd(SGD_LEARNING_RATES[0] / (1 - SGD_MOMENTA[1]), 0)));
  const list = (labels: string[], of: (l: string) => (number | null)[]): string => labels.map((l) => `${l}: ${f(geo(of(l)))}`).join('; ');
  return [
    {
      claim: 'Training with different learning rates leads to models of different smoothness (talk 003, "Overlooked interactions with optimization"; lower bound = smoother).',
      held: Number.isFinite(final.ratio) ? final.ratio >= BOUND_RATIO && final.separated : null,
      evidence: `certified bound after the same number of steps (geometric mean over seeds), SGD without momentum: ${list(lrLabels, finalOf)}. `
        + `Largest/smallest ${f(final.ratio, 3)} (${final.hi} vs ${final.lo}; held if >= ${BOUND_RATIO} and beyond 2 pooled sd of log10).`,
    },
    {
      claim: 'The learning rate changes smoothness beyond training speed: at the SAME training loss the bounds still differ (a test of the mechanism; the talk does not control for loss).',
      held: reachedAll.length >= 2 && Number.isFinite(atLevel.ratio) ? atLevel.ratio >= BOUND_RATIO && atLevel.separated : null,
      evidence: `certified bound where the training cross-entropy first reaches ${LOSS_LEVEL} (log-log interpolated between checkpoints): ${list(lrLabels, atLevelOf)} `
        + `(settings where some seed never reached it are left out: ${lrLabels.filter((l) => !reachedAll.includes(l)).join(', ') || 'none'}). `
        + `Largest/smallest ${f(atLevel.ratio, 3)} (held if >= ${BOUND_RATIO} and separated). Not held means the bound tracks how far training got, not the step size itself.`,
    },
    {
      claim: 'Momentum also changes the smoothness the optimizer reaches (talk 003; the talk\'s own example, spectral normalization needing low momentum in GANs, is not tested here).',
      held: momentumRatios.every(Number.isFinite) ? momentumRatios.every((r) => r >= BOUND_RATIO || r <= 1 / BOUND_RATIO) : null,
      evidence: `certified bound after the same steps, momentum ${SGD_MOMENTA[1]} / momentum 0 per learning rate: `
        + `${SGD_LEARNING_RATES.map((lr, i) => `lr ${lr}: ${times(momentumRatios[i])}`).join(', ')} (held if every ratio is >= ${BOUND_RATIO} or <= 1/${BOUND_RATIO}). `
        + `Heavy-ball momentum acts like a larger step lr/(1 - m): ${sgd(SGD_LEARNING_RATES[0], SGD_MOMENTA[1])} reaches ${f(heavy)}, ${sgd(SGD_LEARNING_RATES[0] / (1 - SGD_MOMENTA[1]), 0)} ${f(plainTen)}. `
        + `At the same training loss (cross-entropy ${LOSS_LEVEL}) the momentum ratios are ${SGD_LEARNING_RATES.map((lr, i) => `lr ${lr}: ${times(momentumAtLevel[i])}`).join(', ')} (n/a: a setting never reached it).`,
    },
    {
      claim: 'Honesty check (lipkit): the certified upper bound is never below the empirical lower bound.',
      held: records.some((r) => r.upperAtLeastLower === false) ? false : records.some((r) => r.upperAtLeastLower === true) ? true : null,
      evidence: `${records.filter((r) => r.upperAtLeastLower === true).length} of ${records.length} final models satisfy lower <= upper (diverged runs: ${records.filter((r) => r.diverged).length}).`,
    },
  ];
}

/** One row per setting (mean ± sd over seeds). */
export function optimizerTables(records: OptimizerRecord[], labels: string[]): StudyTable[] {
  const v = (a: string, k: string): string => formatMeanSd(armValues(records, a, k));
  return [{
    title: `Optimizer settings (mean ± sd over the seeds that did not diverge; "at CE <= ${LOSS_LEVEL}": where the full training cross-entropy first reaches ${LOSS_LEVEL}, bound interpolated between checkpoints)`,
    columns: ['setting', 'final train CE', 'test acc', 'certified upper (end)', 'empirical lower (end)', 'mean |J| at test', `steps to CE <= ${LOSS_LEVEL}`, `certified upper at CE <= ${LOSS_LEVEL}`, 'diverged'],
    rows: labels.map((a) => {
      const own = records.filter((r) => r.arm === a);
      const reached = own.filter((r) => r.atLossLevel !== null);
      const tail = reached.length < own.length ? ` (${reached.length}/${own.length} reached)` : '';
      return [a, v(a, 'trainCrossEntropy'), v(a, 'testAccuracy'), v(a, 'upperBound'), v(a, 'lowerBound'), v(a, 'meanJacobianNorm'),
        reached.length === 0 ? 'not reached' : `${formatMeanSd(reached.map((r) => r.atLossLevel?.step ?? null))}${tail}`,
        reached.length === 0 ? 'n/a' : formatMeanSd(reached.map((r) => r.atLossLevel?.upperBound ?? null)),
        `${own.filter((r) => r.diverged).length}/${own.length}`];
    }),
  }];
}

/** One paragraph: what ran and what came out. */
export function optimizerSummary(records: OptimizerRecord[], labels: string[], sizes: OptimizerStudySizes): string {
  const steps = records[0]?.steps ?? 0;
  const seeds = new Set(records.map((r) => r.seed)).size;
  return `The unconstrained ${sizes.widths.length + 1}-layer ReLU MLP (widths ${sizes.widths.join('-')}) on ${sizes.train} two-moons points, minibatches of ${sizes.batchSize}, `
    + `${steps} steps per run, ${seeds} seed(s), certified with lipschitzBound every ${sizes.trackEvery} steps. Final certified bound (geometric mean): `
    + `${labels.map((l) => `${l} ${f(geo(armValues(records, l, 'upperBound')))}`).join('; ')}.`;
}
