import type { StudyClaim } from '../study.js';
import { judgeClaim, judgeFamily, pairedEvidence } from '../stats/judgeClaim.js';
import { verdictClaim } from '../stats/verdictClaim.js';
import type { ClaimDirection, PairedEvidence } from '../stats/verdictTypes.js';
import type { GanCheckpoint, GanRunRecord } from './runGanOne.js';
import { cellLabel, type GanCell } from './ganSpec.js';

/** A comparison of two cells (treatment - control) at the end of training. */
interface Comparison { id: string; claim: string; treatment: GanCell; control: GanCell; direction: ClaimDirection }

const SN = 'spectral normalization' as const;

/**
 * The pre-registered primary claims (Holm over the four), fixed before any run, each judged on
 * the per-seed mean over the mixtures run of ln SW2(treatment) - ln SW2(control) at the end of
 * training (lower SW2 = generated samples closer to the target):
 * P1 SN beats the unconstrained critic; P2 the gradient penalty beats it (talk 003: "GAN
 * performance is improved when the discriminator uses Spectral Normalisation"; "SN or gradient
 * penalties are present in many GANs"), both at beta1 0.5; P3 / P4 with SN, beta1 0 / 0.5 beat
 * beta1 0.9 ("Spectral Normalization requires low momentum in GAN training").
 */
export const GAN_PRIMARY: readonly Comparison[] = [
  { id: 'P1', claim: 'P1: a spectrally normalized critic beats the unconstrained critic (β1 0.5; lower sliced W2 to the target)', treatment: { arm: SN, beta1: 0.5 }, control: { arm: 'unconstrained', beta1: 0.5 }, direction: 'less' },
  { id: 'P2', claim: 'P2: a gradient-penalty critic beats the unconstrained critic (β1 0.5; lower sliced W2)', treatment: { arm: 'gradient penalty', beta1: 0.5 }, control: { arm: 'unconstrained', beta1: 0.5 }, direction: 'less' },
  { id: 'P3', claim: 'P3: with SN, low momentum β1 0 beats β1 0.9 (lower sliced W2)', treatment: { arm: SN, beta1: 0 }, control: { arm: SN, beta1: 0.9 }, direction: 'less' },
  { id: 'P4', claim: 'P4: with SN, β1 0.5 beats β1 0.9 (lower sliced W2)', treatment: { arm: SN, beta1: 0.5 }, control: { arm: SN, beta1: 0.9 }, direction: 'less' },
];

/** Exploratory: the momentum effect for the other arms (full preset). */
const EXTRA: readonly Comparison[] = [
  { id: 'E-unc', claim: 'unconstrained critic: β1 0.5 beats β1 0.9', treatment: { arm: 'unconstrained', beta1: 0.5 }, control: { arm: 'unconstrained', beta1: 0.9 }, direction: 'less' },
  { id: 'E-gp', claim: 'gradient-penalty critic: β1 0.5 beats β1 0.9', treatment: { arm: 'gradient penalty', beta1: 0.5 }, control: { arm: 'gradient penalty', beta1: 0.9 }, direction: 'less' },
];

type Metric = 'lnSW' | 'modes' | 'hq';
const METRIC_WORDS: Record<Metric, string> = { lnSW: 'ln sliced W2 (lower is better)', modes: 'modes covered (higher is better)', hq: 'share of high-quality samples (higher is better)' };

function last(r: GanRunRecord | undefined): GanCheckpoint | undefined {
  return r === undefined || r.diverged ? undefined : r.checkpoints[r.checkpoints.length - 1];
}

function value(c: GanCheckpoint | undefined, metric: Metric): number | null {
  if (c === undefined) return null;
  if (metric === 'lnSW') return c.slicedW2 !== null && c.slicedW2 > 0 ? Math.log(c.slicedW2) : null;
  return metric === 'modes' ? c.modesCovered : c.highQuality;
}

/** The study's claims: the primaries judged together (Holm), then per-mixture and other-metric comparisons judged alone. */
export function ganClaims(records: readonly GanRunRecord[]): StudyClaim[] {
  const index = new Map(records.map((r) => [JSON.stringify([r.mixture, r.arm, r.beta1, r.seed]), r]));
  const get = (mix: string, c: GanCell, seed: number): GanRunRecord | undefined => index.get(JSON.stringify([mix, c.arm, c.beta1, seed]));
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const mixtures = [...new Set(records.map((r) => r.mixture))];
  const ran = (c: Comparison): boolean => [c.treatment, c.control].every((cell) => records.some((r) => r.arm === cell.arm && r.beta1 === cell.beta1));
  /** Per-seed mean over `mixes` of metric(treatment) - metric(control); a seed with a missing side is dropped. */
  const paired = (c: Comparison, mixes: string[], metric: Metric): number[] => seeds.flatMap((s) => {
    const d = mixes.map((mx) => { const a = value(last(get(mx, c.treatment, s)), metric); const b = value(last(get(mx, c.control, s)), metric); return a === null || b === null ? null : a - b; });
    return d.some((v) => v === null) ? [] : [(d as number[]).reduce((x, y) => x + y, 0) / d.length];
  });
  const describe = (c: Comparison, mixes: string[], metric: Metric, n: number): string =>
    `Effect = ${METRIC_WORDS[metric]} of ${cellLabel(c.treatment)} − ${cellLabel(c.control)} at the end of training, ${mixes.length > 1 ? `mean over ${mixes.join(' and ')}` : `on ${mixes[0]}`}, paired over ${n} seed(s) (same data, latent draws and initial weights)${seeds.length > n ? `; ${seeds.length - n} seed(s) dropped (a side diverged)` : ''}.`;
  const prim = GAN_PRIMARY.filter(ran).map((c) => ({ c, values: paired(c, mixtures, 'lnSW') }));
  const claims: StudyClaim[] = [];
  const usable = prim.filter((p) => p.values.length >= 2);
  const judged = usable.length > 0 ? judgeFamily(usable.map((p) => pairedEvidence(p.values, { direction: p.c.direction }))) : [];
  for (const p of prim) {
    const k = usable.indexOf(p);
    const text = describe(p.c, mixtures, 'lnSW', p.values.length);
    claims.push(k < 0
      ? { claim: p.c.claim, held: null, evidence: `${text} Fewer than 2 paired seeds: no test.`, verdict: 'inconclusive', n: p.values.length, primary: true }
      : verdictClaim(p.c.claim, `${text} Holm over ${usable.length} primary claims.`, judged[k], true));
  }
  const alone = (c: Comparison, mixes: string[], metric: Metric, claim: string): void => {
    const values = paired(c, mixes, metric);
    const text = `${describe(c, mixes, metric, values.length)} Exploratory: p not adjusted.`;
    if (values.length < 2) { claims.push({ claim, held: null, evidence: `${text} Fewer than 2 paired seeds.`, verdict: 'inconclusive', n: values.length, primary: false }); return; }
    const e: PairedEvidence = pairedEvidence(values, { direction: metric === 'lnSW' ? c.direction : c.direction === 'less' ? 'greater' : 'less' });
    claims.push(verdictClaim(claim, text, judgeClaim(e), false));
  };
  for (const c of [...GAN_PRIMARY, ...EXTRA].filter(ran)) {
    const short = c.claim.replace(/ \(.*\)$/, '').replace(/^P\d: /, '');
    if (mixtures.length > 1) for (const mx of mixtures) alone(c, [mx], 'lnSW', `${short} — on ${mx} (sliced W2)`);
    if (!GAN_PRIMARY.includes(c)) alone(c, mixtures, 'lnSW', `${short} (sliced W2)`);
    alone(c, mixtures, 'modes', `${short} (modes covered)`);
    alone(c, mixtures, 'hq', `${short} (high-quality share)`);
  }
  return claims;
}
