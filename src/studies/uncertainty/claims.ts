import type { StudyClaim } from '../study.js';
import { judgeClaim, judgeFamily, pairedEvidence } from '../stats/judgeClaim.js';
import { verdictClaim } from '../stats/verdictClaim.js';
import type { ClaimDirection } from '../stats/verdictTypes.js';
import type { UncertaintyArm } from './spec.js';
import type { UncertaintyRecord } from './record.js';

type Metric = 'auroc' | 'accuracy' | 'aurocVariance';

/** A claim on paired per-seed differences metric(treatment) - metric(control). */
interface ClaimDefinition {
  claim: string;
  treatment: UncertaintyArm;
  control: UncertaintyArm;
  metric: Metric;
  /** Metric of the control when it differs (SNGP variance vs softmax score). */
  controlMetric?: Metric;
  direction: ClaimDirection;
}

/**
 * The pre-registered primary claims (fixed before any run; Holm over the three): talk 003's
 * "smooth feature learners with non-softmax, distance-aware output layers give reliable
 * uncertainty" (van Amersfoort et al. 2020; Liu et al. 2020), read as: on two moons with far
 * OOD points, the uncertainty of each model separates OOD from test points better (higher
 * AUROC) than the plain softmax MLP's.
 */
export const PRIMARY_CLAIMS: readonly ClaimDefinition[] = [
  { claim: 'P1: SNGP (spectral-normalized MLP + random-feature GP head) separates far OOD points better than the softmax MLP (AUROC higher)', treatment: 'SNGP', control: 'softmax', metric: 'auroc', direction: 'greater' },
  { claim: 'P2: DUQ (MLP + RBF-centroid head, two-sided gradient penalty) separates far OOD points better than the softmax MLP (AUROC higher)', treatment: 'DUQ', control: 'softmax', metric: 'auroc', direction: 'greater' },
  { claim: 'P3: the gradient penalty at the data (D = 1) alone, with a softmax output, separates far OOD points better than the softmax MLP (AUROC higher)', treatment: 'softmax + GP', control: 'softmax', metric: 'auroc', direction: 'greater' },
];

/** Exploratory comparisons (each judged alone, p not adjusted). */
export const EXPLORATORY_CLAIMS: readonly ClaimDefinition[] = [
  { claim: 'SNGP beats the gradient penalty with softmax output (distance-aware head over smooth features alone; AUROC)', treatment: 'SNGP', control: 'softmax + GP', metric: 'auroc', direction: 'greater' },
  { claim: 'DUQ beats the gradient penalty with softmax output (AUROC)', treatment: 'DUQ', control: 'softmax + GP', metric: 'auroc', direction: 'greater' },
  { claim: "SNGP's predictive variance alone separates OOD better than the softmax MLP's confidence (AUROC)", treatment: 'SNGP', control: 'softmax', metric: 'aurocVariance', controlMetric: 'auroc', direction: 'greater' },
  { claim: 'SNGP (residual: the paper\'s distance-preserving ResFFN features) separates far OOD points better than the softmax MLP (AUROC)', treatment: 'SNGP (residual)', control: 'softmax', metric: 'auroc', direction: 'greater' },
  { claim: 'SNGP (residual) beats SNGP on the plain MLP (AUROC): residual features preserve distances', treatment: 'SNGP (residual)', control: 'SNGP', metric: 'auroc', direction: 'greater' },
  { claim: 'SNGP costs test accuracy against the softmax MLP', treatment: 'SNGP', control: 'softmax', metric: 'accuracy', direction: 'less' },
  { claim: 'DUQ costs test accuracy against the softmax MLP', treatment: 'DUQ', control: 'softmax', metric: 'accuracy', direction: 'less' },
  { claim: 'The gradient penalty costs test accuracy against the softmax MLP', treatment: 'softmax + GP', control: 'softmax', metric: 'accuracy', direction: 'less' },
];

function paired(def: ClaimDefinition, records: readonly UncertaintyRecord[]): { values: number[]; missing: number } {
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const get = (arm: UncertaintyArm, seed: number, m: Metric): number | null => records.find((r) => r.arm === arm && r.seed === seed)?.[m] ?? null;
  const values: number[] = [];
  for (const s of seeds) {
    const a = get(def.treatment, s, def.metric);
    const b = get(def.control, s, def.controlMetric ?? def.metric);
    if (a !== null && b !== null) values.push(a - b);
  }
  return { values, missing: seeds.length - values.length };
}

function describe(def: ClaimDefinition, n: number, missing: number, values: number[]): string {
  const unit = def.metric === 'accuracy' ? 'test accuracy' : 'AUROC (OOD vs test)';
  const mean = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  const wins = values.filter((v) => (def.direction === 'greater' ? v > 0 : v < 0)).length;
  return `Effect = ${unit} of ${def.treatment}${def.metric === 'aurocVariance' ? ' (variance)' : ''} − ${unit} of ${def.control}, paired over ${n} seed(s)${missing > 0 ? ` (${missing} missing: diverged)` : ''}; mean ${Number.isFinite(mean) ? mean.toFixed(3) : 'n/a'}, claimed sign in ${wins} of ${n}.`;
}

/**
 * The study's claims: the primaries judged together (paired seeds, 95 % t interval, exact
 * sign-flip p, Holm over the three), then the exploratory ones alone. Fewer than 2 paired
 * seeds: inconclusive without statistics.
 */
export function uncertaintyClaims(records: readonly UncertaintyRecord[]): StudyClaim[] {
  const prim = PRIMARY_CLAIMS.map((d) => ({ d, ...paired(d, records) }));
  const decidable = prim.every((p) => p.values.length >= 2);
  const judged = decidable ? judgeFamily(prim.map((p) => pairedEvidence(p.values, { direction: p.d.direction }))) : null;
  const claims: StudyClaim[] = prim.map((p, i) => {
    const text = describe(p.d, p.values.length, p.missing, p.values);
    return judged === null
      ? { claim: p.d.claim, held: null, evidence: `${text} Fewer than 2 paired seeds in a primary claim: no test.`, verdict: 'inconclusive', n: p.values.length, primary: true }
      : verdictClaim(p.d.claim, `${text} Holm over ${prim.length} primary claims.`, judged[i], true);
  });
  for (const d of EXPLORATORY_CLAIMS) {
    const { values, missing } = paired(d, records);
    const text = `${describe(d, values.length, missing, values)} Exploratory: p not adjusted.`;
    if (values.length < 2) {
      claims.push({ claim: d.claim, held: null, evidence: `${text} Fewer than 2 paired seeds: no test.`, verdict: 'inconclusive', n: values.length, primary: false });
    } else {
      claims.push(verdictClaim(d.claim, text, judgeClaim(pairedEvidence(values, { direction: d.direction })), false));
    }
  }
  return claims;
}
