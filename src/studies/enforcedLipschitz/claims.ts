import type { StudyClaim } from '../study.js';
import type { ConfigSummary } from './summarize.js';
import type { ConstraintMethod, StudyOptimizer } from './plan.js';

/** Accuracy differences up to this (absolute) count as ties. */
export const ACCURACY_TIE = 0.005;
/** "Vacuous" certificate: certified robust accuracy at eps 1.0 at most this. */
export const VACUOUS_CERTIFIED = 0.02;

/** One configuration on the accuracy-vs-bound plane. */
export interface Point { bound: number; accuracy: number; label: string }

const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
const num = (v: number): string => (v >= 100 ? v.toExponential(2) : v.toPrecision(3));

function points(configs: ConfigSummary[], optimizer: StudyOptimizer, methods: readonly ConstraintMethod[]): Point[] {
  return configs
    .filter((c) => c.optimizer === optimizer && methods.includes(c.method) && c.certifiedBound !== null && c.testAccuracy !== null)
    .map((c) => ({ bound: c.certifiedBound as number, accuracy: c.testAccuracy as number, label: `${c.method} cap ${c.cap}` }));
}

/** Best accuracy among the points whose certified bound is at most `bound` (null: none that small). */
export function frontierAt(pts: Point[], bound: number): number | null {
  const ok = pts.filter((p) => p.bound <= bound * (1 + 1e-9));
  return ok.length === 0 ? null : Math.max(...ok.map((p) => p.accuracy));
}

/** Bounds within this relative distance of each other form one level (e.g. 1.0003 and 1.001 for a cap of 1). */
export const LEVEL_MERGE = 0.005;

/** The distinct bound levels of some points: sorted, runs within LEVEL_MERGE merged into their largest member. */
export function boundLevels(pts: Point[]): number[] {
  const levels: number[] = [];
  for (const b of pts.map((p) => p.bound).sort((x, y) => x - y)) {
    if (levels.length > 0 && b <= levels[levels.length - 1] * (1 + LEVEL_MERGE)) levels[levels.length - 1] = b;
    else levels.push(b);
  }
  return levels;
}

/**
 * Compares two accuracy-vs-certified-bound frontiers at every bound level either side reaches
 * (`boundLevels`): at each level both must have a model with a bound at most that level;
 * differences beyond ACCURACY_TIE count as a win. Returns the counts and the per-level lines.
 */
export function compareFrontiers(a: Point[], b: Point[]): { aAhead: number; bAhead: number; ties: number; lines: string[] } {
  const levels = boundLevels([...a, ...b]);
  let aAhead = 0;
  let bAhead = 0;
  let ties = 0;
  const lines: string[] = [];
  for (const level of levels) {
    const fa = frontierAt(a, level);
    const fb = frontierAt(b, level);
    if (fa === null || fb === null) continue;
    if (fa - fb > ACCURACY_TIE) aAhead++; else if (fb - fa > ACCURACY_TIE) bAhead++; else ties++;
    lines.push(`L <= ${num(level)}: ${pct(fa)} vs ${pct(fb)}`);
  }
  return { aAhead, bAhead, ties, lines };
}

function verdict(aAhead: number, bAhead: number, comparable: number): boolean | null {
  if (comparable === 0) return null;
  return aAhead > bAhead;
}

/** Muon vs Adam with spectral normalization at each cap (normalization pins every layer at the cap, so the bounds match). */
function normalizationClaim(configs: ConfigSummary[]): StudyClaim {
  const caps = [...new Set(configs.filter((c) => c.method === 'spectral-normalize').map((c) => c.cap))];
  let muon = 0;
  let adam = 0;
  const lines: string[] = [];
  for (const cap of caps) {
    const get = (o: StudyOptimizer): ConfigSummary | undefined => configs.find((c) => c.optimizer === o && c.method === 'spectral-normalize' && c.cap === cap);
    const m = get('muon');
    const a = get('adam');
    if (m?.testAccuracy == null || a?.testAccuracy == null || m.certifiedBound === null || a.certifiedBound === null) continue;
    const d = m.testAccuracy - a.testAccuracy;
    if (d > ACCURACY_TIE) muon++; else if (-d > ACCURACY_TIE) adam++;
    lines.push(`cap ${cap}: Muon ${pct(m.testAccuracy)} (L ${num(m.certifiedBound)}) vs Adam ${pct(a.testAccuracy)} (L ${num(a.certifiedBound)})`);
  }
  return {
    claim: 'Switching from AdamW to Muon improves spectral normalization: higher accuracy at the same Lipschitz bound (Newhouse et al. 2025, abstract).',
    held: verdict(muon, adam, lines.length),
    evidence: `Muon ahead at ${muon}, Adam ahead at ${adam} of ${lines.length} caps (ties within ${ACCURACY_TIE}). ${lines.join('; ')}.`,
  };
}

const CONSTRAINED: ConstraintMethod[] = ['spectral-normalize', 'lipschitz-projection', 'spectral-soft-cap', 'spectral-hammer'];

function frontierClaim(claim: string, a: Point[], b: Point[], names: [string, string]): StudyClaim {
  const { aAhead, bAhead, ties, lines } = compareFrontiers(a, b);
  const comparable = aAhead + bAhead + ties;
  return {
    claim,
    held: verdict(aAhead, bAhead, comparable),
    evidence: `Best test accuracy with certified bound <= level, ${names[0]} vs ${names[1]}: ${names[0]} ahead at ${aAhead}, ${names[1]} at ${bAhead}, tied at ${ties} of ${comparable} levels. ${lines.join('; ')}.`,
  };
}

function hammerClaim(configs: ConfigSummary[]): StudyClaim {
  const hammer = (o: StudyOptimizer): ConfigSummary[] => configs.filter((c) => c.optimizer === o && c.method === 'spectral-hammer' && c.holds !== null);
  const share = (cs: ConfigSummary[]): number => cs.filter((c) => c.holds === true).length / cs.length;
  const a = hammer('adam');
  const m = hammer('muon');
  const describe = (cs: ConfigSummary[]): string => cs.map((c) => `cap ${c.cap}: max sigma/cap ${(c.maxPromiseRatio ?? NaN).toFixed(3)}`).join(', ');
  return {
    claim: 'The spectral hammer (top singular value set to the cap) suits AdamW, whose updates are close to low rank, not Muon, whose updates are full rank (our reading of Newhouse et al. 2025).',
    held: a.length === 0 || m.length === 0 ? null : share(a) >= 0.5 && share(m) < 0.5,
    evidence: `Cap held (exact sigma_max <= cap + 1 %) in ${a.filter((c) => c.holds).length}/${a.length} Adam and ${m.filter((c) => c.holds).length}/${m.length} Muon hammer configurations. Adam: ${describe(a)}. Muon: ${describe(m)}.`,
  };
}

function vacuousClaim(configs: ConfigSummary[]): StudyClaim {
  const free = configs.filter((c) => c.method === 'none' && c.certified[1] !== null);
  const best = configs.filter((c) => c.method !== 'none' && c.certified[1] !== null)
    .sort((x, y) => (y.certified[1] as number) - (x.certified[1] as number))[0];
  const lines = free.map((c) => `${c.optimizer}: L ${num(c.certifiedBound ?? NaN)}, accuracy ${pct(c.testAccuracy ?? NaN)}, certified at eps 1.0 ${pct(c.certified[1] as number)}`);
  return {
    claim: 'Without a constraint the certificate is vacuous: certified robust accuracy at l2 radius 1.0 is about 0.',
    held: free.length === 0 ? null : free.every((c) => (c.certified[1] as number) <= VACUOUS_CERTIFIED),
    evidence: `${lines.join('; ')} (vacuous: <= ${pct(VACUOUS_CERTIFIED)}).${best === undefined ? '' : ` Best constrained: ${best.optimizer} ${best.method} cap ${best.cap}, ${pct(best.certified[1] as number)} at eps 1.0 with ${pct(best.testAccuracy ?? NaN)} accuracy.`}`,
  };
}

function enforcementClaim(configs: ConfigSummary[]): StudyClaim {
  const checked = configs.filter((c) => c.holds !== null && c.method !== 'spectral-hammer');
  const failed = checked.filter((c) => c.holds === false);
  return {
    claim: 'Weight constraints applied after every step keep each layer at or below its cap throughout training, so the product of the caps bounds the network (the paper\'s premise; hammer excluded, see above).',
    held: checked.length === 0 ? null : failed.length === 0,
    evidence: `${checked.length - failed.length}/${checked.length} normalize/projection/soft-cap configurations within their promise (exact singular values, 1 % slack).${failed.length === 0 ? '' : ` Exceeded: ${failed.map((c) => `${c.optimizer} ${c.method} cap ${c.cap} (x${(c.maxPromiseRatio ?? NaN).toFixed(3)})`).join(', ')}.`}`,
  };
}

/** The claims of Newhouse et al. 2025 this study tests, each with its verdict and numbers. */
export function evaluateClaims(configs: ConfigSummary[]): StudyClaim[] {
  return [
    normalizationClaim(configs),
    frontierClaim('Muon with weight constraints reaches better accuracy at the same certified bound than Adam with weight constraints (all four methods pooled).',
      points(configs, 'muon', CONSTRAINED), points(configs, 'adam', CONSTRAINED), ['Muon', 'Adam']),
    frontierClaim('The spectral soft cap, co-designed with Muon, improves the Lipschitz vs accuracy trade-off over spectral normalization (both with Muon).',
      points(configs, 'muon', ['spectral-soft-cap']), points(configs, 'muon', ['spectral-normalize']), ['soft cap', 'normalization']),
    hammerClaim(configs),
    vacuousClaim(configs),
    enforcementClaim(configs),
  ];
}
