import type { StudyTable } from '../study.js';
import { finiteOrNull, meanSd } from '../mlp/stats.js';
import { CONSTRAINT_METHODS, STUDY_OPTIMIZERS, TABLE_EPSILONS, type ConstraintMethod, type StudyOptimizer } from './plan.js';
import type { EnforcedRunRecord } from './runOne.js';

/** One (optimizer, method, cap) configuration, averaged over its seeds. */
export interface ConfigSummary {
  optimizer: StudyOptimizer;
  method: ConstraintMethod;
  cap: number | null;
  /** Runs of this configuration (seeds), and how many of them diverged (excluded from the means). */
  runs: number;
  diverged: number;
  certifiedBound: number | null;
  lowerBound: number | null;
  testAccuracy: number | null;
  /** Sample standard deviation of the test accuracy over seeds (null with one run). */
  testAccuracySd: number | null;
  /** Mean certified robust accuracy at TABLE_EPSILONS (0.5, 1.0). */
  certified: (number | null)[];
  trainSeconds: number;
  /** Per Dense layer, the largest exact spectral norm over seeds. */
  layerSigma: number[];
  /** The constraint's promise per layer (null: no constraint). */
  promise: number | null;
  /** Largest exact sigma / promise over layers and seeds (null: no constraint). */
  maxPromiseRatio: number | null;
  /** Every layer of every seed within its promise (1 % slack); null without a constraint. */
  holds: boolean | null;
}

/** Mean of the finite values (null when there is none). */
export const mean = (v: readonly (number | null)[]): number | null => finiteOrNull(meanSd(v).mean);

/** Sample standard deviation of the finite values (null with fewer than two). */
function sd(v: readonly (number | null)[]): number | null {
  const s = meanSd(v);
  return s.n < 2 ? null : s.sd;
}

/** Certified accuracy of a record at radius `epsilon` (null when not measured). */
export function certifiedAt(r: EnforcedRunRecord, epsilon: number): number | null {
  return r.certified.find((c) => Math.abs(c.epsilon - epsilon) < 1e-9)?.accuracy ?? null;
}

/** Groups records by (optimizer, method, cap) in the grid's order and averages over seeds. */
export function summarizeConfigs(records: EnforcedRunRecord[]): ConfigSummary[] {
  const out: ConfigSummary[] = [];
  const caps = [...new Set(records.map((r) => r.cap).filter((c): c is number => c !== null))].sort((a, b) => a - b);
  for (const optimizer of STUDY_OPTIMIZERS) {
    for (const method of CONSTRAINT_METHODS) {
      for (const cap of method === 'none' ? [null] : caps) {
        const group = records.filter((r) => r.optimizer === optimizer && r.method === method && r.cap === cap);
        if (group.length === 0) continue;
        const ok = group.filter((r) => !r.diverged);
        const layers = ok.length === 0 ? 0 : Math.max(...ok.map((r) => r.layers.length));
        const layerSigma = Array.from({ length: layers }, (_, i) => Math.max(...ok.map((r) => r.layers[i]?.sigmaMax ?? 0)));
        const checks = ok.flatMap((r) => r.layers).filter((l) => l.promise !== null);
        const ratios = checks.map((l) => l.sigmaMax / (l.promise as number));
        out.push({
          optimizer,
          method,
          cap,
          runs: group.length,
          diverged: group.length - ok.length,
          certifiedBound: mean(ok.map((r) => r.certifiedBound)),
          lowerBound: mean(ok.map((r) => r.lowerBound)),
          testAccuracy: mean(ok.map((r) => r.testAccuracy)),
          testAccuracySd: sd(ok.map((r) => r.testAccuracy)),
          certified: TABLE_EPSILONS.map((e) => mean(ok.map((r) => certifiedAt(r, e)))),
          trainSeconds: mean(group.map((r) => r.trainSeconds)) ?? 0,
          layerSigma,
          promise: checks.length === 0 ? null : Math.max(...checks.map((l) => l.promise as number)),
          maxPromiseRatio: ratios.length === 0 ? null : Math.max(...ratios),
          holds: checks.length === 0 ? null : checks.every((l) => l.holds === true),
        });
      }
    }
  }
  return out;
}

const round = (v: number | null, digits: number): number | null => (v === null ? null : Number(v.toPrecision(digits)));

/** The trade-off table: one row per configuration (means over seeds). */
export function tradeoffTable(configs: ConfigSummary[]): StudyTable {
  return {
    title: 'Certified Lipschitz bound vs accuracy (means over seeds; certified radius margin / (sqrt(2) L))',
    columns: ['optimizer', 'method', 'cap per layer', 'seeds', 'certified bound L', 'empirical lower bound', 'test accuracy', 'sd', 'certified acc. eps 0.5', 'certified acc. eps 1.0', 'train s'],
    rows: configs.map((c) => [
      c.optimizer, c.method, c.cap, c.runs - c.diverged,
      round(c.certifiedBound, 4), round(c.lowerBound, 4), round(c.testAccuracy, 4), round(c.testAccuracySd, 2),
      round(c.certified[0], 4), round(c.certified[1], 4), round(c.trainSeconds, 3),
    ]),
  };
}

/** The enforcement table: exact per-layer spectral norms against each constraint's promise. */
export function layerTable(configs: ConfigSummary[]): StudyTable {
  const layers = Math.max(0, ...configs.map((c) => c.layerSigma.length));
  return {
    title: 'Exact per-layer spectral norms after training (max over seeds) vs the constraint\'s promise',
    columns: ['optimizer', 'method', 'cap per layer', 'promise', ...Array.from({ length: layers }, (_, i) => `sigma layer ${i + 1}`), 'max sigma / promise', 'holds (1 % slack)'],
    rows: configs.map((c) => [
      c.optimizer, c.method, c.cap, round(c.promise, 5),
      ...Array.from({ length: layers }, (_, i) => round(c.layerSigma[i] ?? null, 5)),
      round(c.maxPromiseRatio, 5), c.holds === null ? null : c.holds ? 'yes' : 'no',
    ]),
  };
}
