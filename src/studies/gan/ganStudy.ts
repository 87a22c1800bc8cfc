import type { StudyDefinition, StudyOutput, StudyRunOptions, StudyTable } from '../study.js';
import { readRunOptions } from '../readRunOptions.js';
import { GAN_SIZES, cellLabel, type GanCell, type GanRunSpec, type GanSizes } from './ganSpec.js';
import { runGanRuns } from './runGanRuns.js';
import type { GanRunRecord } from './runGanOne.js';
import { ganClaims } from './ganClaims.js';
import { ganFigures } from './ganFigures.js';

const mean = (a: number[]): number | null => (a.length === 0 ? null : a.reduce((s, v) => s + v, 0) / a.length);
const fmt = (v: number | null, d = 3): string | null => (v === null ? null : Number(v.toPrecision(d)).toString());

function summaryTable(records: readonly GanRunRecord[], cells: readonly GanCell[]): StudyTable {
  const mixtures = [...new Set(records.map((r) => r.mixture))];
  const rows: (string | number | null)[][] = [];
  for (const mx of mixtures) {
    for (const c of cells) {
      const rs = records.filter((r) => r.mixture === mx && r.arm === c.arm && r.beta1 === c.beta1);
      const ok = rs.filter((r) => !r.diverged && r.checkpoints.length > 0);
      const fin = ok.map((r) => r.checkpoints[r.checkpoints.length - 1]);
      const sw = fin.flatMap((f) => (f.slicedW2 === null ? [] : [f.slicedW2]));
      const bounds = fin.flatMap((f) => (f.criticBound === null ? [] : [f.criticBound]));
      rows.push([mx, cellLabel(c), rs.length, rs.length - ok.length, fmt(mean(sw)), fmt(mean(rs.map((r) => r.slicedW2Floor))),
        fmt(mean(fin.map((f) => f.modesCovered))), rs[0]?.modes ?? null, fmt(mean(fin.map((f) => f.highQuality))), fmt(bounds.length ? Math.max(...bounds) : null)]);
    }
  }
  return {
    title: 'End of training, mean over seeds',
    columns: ['mixture', 'critic, Adam β1', 'runs', 'diverged', 'sliced W2', 'W2 floor (target vs target)', 'modes covered', 'modes', 'high-quality share', 'max certified critic bound'],
    rows,
  };
}

/**
 * The GAN study of issue 15 (talk 003: "Spectral Normalisation or gradient penalties are present
 * in many GANs", "GAN performance is improved when the discriminator uses Spectral
 * Normalisation", "Spectral Normalization requires low momentum in GAN training"): a small MLP
 * generator and critic (`runGanOne`) on 2-D mixtures (8 Gaussians on a ring, a 5x5 grid), the
 * critic unconstrained, with a gradient penalty, or spectrally normalized, Adam beta1 in
 * {0, 0.5, 0.9}; paired seeds; metrics: modes covered, high-quality share, sliced W2 to the
 * target, and the critic's CERTIFIED Lipschitz bound over training; claims judged with paired
 * seeds (`ganClaims`). Node only (worker threads above the smoke size).
 */
export async function runGan(options: StudyRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options);
  const sz: GanSizes = GAN_SIZES[mode];
  const start = performance.now();
  const { mixtures, cells, seeds, workers, ...sizes } = sz;
  const specs: GanRunSpec[] = mixtures.flatMap((mixture) => Array.from({ length: seeds }, (_, s) => cells.map((c) => ({
    mixture, arm: c.arm, beta1: c.beta1, seed: seed + s, keepFigures: s === 0, sizes,
  })))).flat();
  const records = await runGanRuns(specs, workers, (done, r) => onProgress({ done, total: specs.length, label: `${r.mixture}, ${r.arm}, β1 ${r.beta1}, seed ${r.seed}` }));
  const claims = ganClaims(records);
  const held = claims.filter((c) => c.primary === true).map((c) => `${c.claim.split(':')[0]} ${c.verdict ?? '?'}`).join(', ');
  const runSeconds = records.reduce((s, r) => s + r.seconds, 0);
  return {
    study: 'gan',
    title: 'Smooth critics in GANs: spectral normalization, gradient penalty and momentum',
    mode, seed,
    seconds: (performance.now() - start) / 1000,
    summary: `${records.length} GAN runs (${mixtures.join(', ')}; ${cells.length} critic/β1 cells; ${seeds} paired seeds; ${sz.steps} generator steps of batch ${sz.batch}, one critic update each; `
      + `non-saturating loss, Adam lr 1e-3, β2 0.9; gradient penalty λ 0.1 at interpolates; SN target 1 per layer; ${workers === 0 ? 'in-process' : `${workers} worker threads`}, ${runSeconds.toFixed(0)} s of run time in all). Primary claims: ${held}.`,
    claims,
    tables: [summaryTable(records, cells)],
    figures: ganFigures(records, cells, sz.grid),
    records: records as unknown[],
  };
}

/** `lipkit study gan`. */
export const ganStudy: StudyDefinition = {
  name: 'gan',
  title: 'Smooth critics in GANs: spectral normalization, gradient penalty and momentum',
  description: 'A small GAN on 2-D mixtures (ring, grid): unconstrained, gradient-penalty and spectrally normalized critics, Adam beta1 0 / 0.5 / 0.9; modes, sample quality, sliced W2, certified critic bound.',
  run: runGan,
};
