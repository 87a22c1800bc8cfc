import type { StudyClaim, StudyTable } from '../study.js';
import { formatMeanSd, meanSd } from '../spectralBias/summarize.js';
import { judgeStudyClaims, seedDifferences } from '../stats/judgeStudyClaims.js';
import type { InvertibleRecord } from './runInvertible.js';

const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(4));

/** Records grouped by coefficient, ascending. */
export function byCoefficient(records: readonly InvertibleRecord[]): [number, InvertibleRecord[]][] {
  const m = new Map<number, InvertibleRecord[]>();
  for (const r of records) m.set(r.coeff, [...(m.get(r.coeff) ?? []), r]);
  return [...m].sort((a, b) => a[0] - b[0]);
}

/** Worst measured / bound over every run, iteration count and point: a priori (float32, float64) and a posteriori. */
export function worstRatios(records: readonly InvertibleRecord[]): { float32: number; float64: number; posterior32: number; posterior64: number } {
  const w = { float32: 0, float64: 0, posterior32: 0, posterior64: 0 };
  for (const r of records) {
    for (const m of r.inverse) {
      w.float32 = Math.max(w.float32, m.worstRatio32);
      w.float64 = Math.max(w.float64, m.worstRatio64);
      w.posterior32 = Math.max(w.posterior32, m.worstPosterior32);
      w.posterior64 = Math.max(w.posterior64, m.worstPosterior64);
    }
  }
  return w;
}

/**
 * Claims: the Banach bound holds (measured <= bound at every point, float64 and float32 with
 * their rounding allowances; checked per run and point); I1 (primary) the error at a fixed
 * iteration count is larger at the largest coefficient than at the smallest; the certified
 * Lipschitz numbers are consistent (lower <= certified <= theory, forward and inverse; checked
 * per run); I2 (primary) accuracy is higher at the largest coefficient (expressivity, i-ResNet's
 * trade-off). I1 and I2 are judged with paired seeds by lipkit's verdict rule, Holm over the two.
 */
export function invertibleClaims(records: readonly InvertibleRecord[]): StudyClaim[] {
  const groups = byCoefficient(records);
  const worst = worstRatios(records);
  const counts = records[0].inverse.map((m) => m.iterations);
  const mid = counts[Math.floor((counts.length - 1) / 2)];
  const errAt = groups.map(([c, rs]) => [c, meanSd(rs.map((r) => r.inverse.find((m) => m.iterations === mid)?.float64.max ?? Number.NaN)).mean] as const);
  let monotone = true;
  for (let i = 1; i < errAt.length; i++) if (errAt[i][1] < errAt[i - 1][1]) monotone = false;
  let lipOk = true;
  const lipNotes: string[] = [];
  for (const r of records) {
    const L = r.lipschitz;
    const ok = L.forwardLower <= L.forwardCertified * (1 + 1e-6) && L.forwardCertified <= L.forwardTheory * (1 + 1e-6)
      && L.inverseLower <= L.inverseCertified * (1 + 1e-6) && L.inverseCertified <= L.inverseTheory * (1 + 1e-6);
    if (!ok) { lipOk = false; lipNotes.push(`c=${r.coeff} seed ${r.seed}`); }
  }
  const acc = groups.map(([c, rs]) => [c, rs.map((r) => r.testAccuracy)] as const);
  const lo = acc[0];
  const hi = acc[acc.length - 1];
  // Paired by seed (the same seed: the same data and initialization at every coefficient).
  const withArm = records.map((r) => ({ ...r, arm: String(r.coeff) }));
  const errLog = (r: InvertibleRecord): number | null => { const e = r.inverse.find((m) => m.iterations === mid)?.float64.max; return e === undefined || !Number.isFinite(e) ? null : Math.log10(Math.max(e, 1e-300)); };
  const [primaryRate, primaryAccuracy] = judgeStudyClaims([
    {
      claim: 'I1: The inverse converges more slowly as the coefficient c approaches 1',
      evidence: `Effect = log10 float64 reconstruction error (max over test points) after ${mid} updates per block, c=${hi[0]} − c=${lo[0]}, per seed; mean errors ${errAt.map(([c, e]) => `c=${c}: ${fmt(e)}`).join(', ')} (monotone in c: ${groups.length >= 3 ? String(monotone) : 'n/a'}).`,
      diffs: seedDifferences(withArm, String(hi[0]), String(lo[0]), errLog), direction: 'greater', primary: true,
    },
    {
      claim: 'I2: A smaller coefficient restricts expressivity (i-ResNet trade-off): test accuracy is higher at the largest c than at the smallest',
      evidence: `Effect = test accuracy c=${hi[0]} − c=${lo[0]}, per seed; c=${lo[0]}: ${formatMeanSd(lo[1])}, c=${hi[0]}: ${formatMeanSd(hi[1])}.`,
      diffs: seedDifferences(withArm, String(hi[0]), String(lo[0]), (r) => r.testAccuracy), direction: 'greater', primary: true,
    },
  ]);
  return [
    {
      claim: 'Banach (i-ResNet inverse): after n fixed-point updates per block the error is at most q^n / (1 - q) times the first step, q = Lip(g) < 1 (composed over the blocks)',
      held: worst.float64 <= 1 && worst.float32 <= 1 && worst.posterior32 <= 1 && worst.posterior64 <= 1,
      primary: false,
      evidence: `Checked per run and point (one violation contradicts it; no statistics): largest measured / bound over all runs, iteration counts and test points: float64 mirror ${fmt(worst.float64)} (a priori: exact Banach + 2^-44 rounding allowance), lipkit float32 inverse ${fmt(worst.float32)} (a priori: Banach + an assumed 2^-18 rounding per evaluation, not certified); `
        + `a posteriori ||F(x_hat) - F(x)|| prod 1/(1 - q_k) (certified, F in float64): float32 ${fmt(worst.posterior32)}, float64 ${fmt(worst.posterior64)}. Held if all <= 1. The a-priori bound is loose (worst-case rate q per block, amplified by 1/(1 - q) per block).`,
    },
    primaryRate,
    {
      claim: 'Lip(F) <= (1 + c)^K and Lip(F^-1) <= (1 / (1 - c))^K, with empirical lower bounds below the certified ones',
      held: lipOk,
      primary: false,
      evidence: `Checked per run (no statistics): ${lipOk ? 'every run: empirical lower <= certified <= theory for F and F^-1 (see the Lipschitz table)' : `violated for ${lipNotes.join(', ')}`}`,
    },
    primaryAccuracy,
  ];
}

/** Tables: per coefficient (accuracy, q, Lipschitz numbers) and per coefficient x iteration count (errors vs bounds). */
export function invertibleTables(records: readonly InvertibleRecord[]): StudyTable[] {
  const groups = byCoefficient(records);
  const K = records[0].sizes.blocks;
  const perCoeff: StudyTable = {
    title: `Per coefficient c (${K} blocks), mean ± sd over seeds: accuracy; certified Lip(g) per block (max over blocks); Lipschitz constant of F and F^-1: empirical lower bound, certified bound, a-priori bound`,
    columns: ['c', 'seeds', 'train accuracy', 'test accuracy', 'max q = Lip(g)', 'Lip(F) lower', 'Lip(F) certified', '(1 + c)^K', 'Lip(F^-1) lower', 'Lip(F^-1) certified', '(1 / (1 - c))^K'],
    rows: groups.map(([c, rs]) => [c, rs.length, formatMeanSd(rs.map((r) => r.trainAccuracy)), formatMeanSd(rs.map((r) => r.testAccuracy)),
      formatMeanSd(rs.map((r) => Math.max(...r.q)), 4),
      formatMeanSd(rs.map((r) => r.lipschitz.forwardLower)), formatMeanSd(rs.map((r) => r.lipschitz.forwardCertified)), fmt(rs[0].lipschitz.forwardTheory),
      formatMeanSd(rs.map((r) => r.lipschitz.inverseLower)), formatMeanSd(rs.map((r) => r.lipschitz.inverseCertified)), fmt(rs[0].lipschitz.inverseTheory)]),
  };
  const perIteration: StudyTable = {
    title: 'Reconstruction error ||x - F^-1(F(x))|| over the test points (max over points, worst seed) after n fixed-point updates per block, against the a-priori Banach bound and the a-posteriori residual bound (max over points); ratio = largest measured / bound over points and seeds',
    columns: ['c', 'n', 'float32 (lipkit inverse)', 'a-priori bound (+ float32 allowance)', 'a-posteriori bound', 'ratio a priori', 'ratio a posteriori', 'float64 mirror', 'Banach bound (exact)', 'ratio float64'],
    rows: groups.flatMap(([c, rs]) => rs[0].inverse.map((m, j) => {
      const ms = rs.map((r) => r.inverse[j]);
      const max = (f: (x: typeof m) => number): number => Math.max(...ms.map(f));
      return [c, m.iterations, fmt(max((x) => x.float32.max)), fmt(max((x) => x.bound32.max)), fmt(max((x) => x.posterior32.max)), fmt(max((x) => x.worstRatio32)), fmt(max((x) => x.worstPosterior32)),
        fmt(max((x) => x.float64.max)), fmt(max((x) => x.banach.max)), fmt(max((x) => x.worstRatio64))];
    })),
  };
  return [perCoeff, perIteration];
}
