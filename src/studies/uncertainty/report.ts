import type { StudyTable } from '../study.js';
import { UNCERTAINTY_ARMS, isGPArm, type UncertaintySizes } from './spec.js';
import type { UncertaintyRecord } from './record.js';

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

function sd(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  if (v.length < 2) return null;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

/** Per arm: means (and sd) over seeds of accuracy, AUROC, mean uncertainty on test / OOD, certified Lipschitz bound. */
export function uncertaintyTables(records: readonly UncertaintyRecord[]): StudyTable[] {
  const rows = UNCERTAINTY_ARMS.map((arm) => {
    const rs = records.filter((r) => r.arm === arm);
    const col = (f: keyof UncertaintyRecord): (number | null)[] => rs.map((r) => r[f] as number | null);
    return [
      arm, rs.length, rs.filter((r) => r.diverged).length,
      r3(mean(col('accuracy'))), r3(mean(col('auroc'))), r3(sd(col('auroc'))),
      isGPArm(arm) ? r3(mean(col('aurocVariance'))) : null,
      r3(mean(col('meanUncertaintyTest'))), r3(mean(col('meanUncertaintyOod'))),
      r3(mean(col('lipschitzUpper'))),
    ];
  });
  return [{
    title: 'Per arm, mean over seeds',
    columns: ['arm', 'seeds', 'diverged', 'test accuracy', 'AUROC (OOD vs test)', 'AUROC sd', 'AUROC of GP variance', 'mean u (test)', 'mean u (OOD)', 'certified Lipschitz bound'],
    rows,
  }];
}

/** One paragraph: what ran and what came out. */
export function uncertaintySummary(records: readonly UncertaintyRecord[], sizes: UncertaintySizes, oodGap: number): string {
  const auc = UNCERTAINTY_ARMS.map((arm) => {
    const m = mean(records.filter((r) => r.arm === arm).map((r) => r.auroc));
    const a = mean(records.filter((r) => r.arm === arm).map((r) => r.accuracy));
    return `${arm} ${m === null ? 'n/a' : m.toFixed(3)} (accuracy ${a === null ? 'n/a' : a.toFixed(3)})`;
  });
  return `Two moons (noise ${sizes.noise}, ${sizes.train} training and ${sizes.test} test points) and ${sizes.ood} out-of-distribution points on a ring of radius 2.5 to 3.5 around the moons (closest OOD point ${oodGap.toFixed(2)} from a training point, first seed). `
    + `Four arms share a 4-layer ReLU MLP (hidden widths ${sizes.widths.join(', ')}), full-batch Adam for ${sizes.epochs} steps, ${sizes.seeds} paired seeds: softmax; softmax with the gradient penalty at the data (D = 1); SNGP (hidden layers spectrally normalized, D = 1, random-feature GP head with ${sizes.numFeatures} features, Laplace covariance from a final pass); DUQ (RBF-centroid head, two-sided gradient penalty); exploratory: SNGP (residual), the SNGP paper's architecture (fixed random input projection, residual blocks with spectral norm 0.9, the same GP head). `
    + `Mean AUROC of uncertainty for OOD vs test points: ${auc.join('; ')}.`;
}
