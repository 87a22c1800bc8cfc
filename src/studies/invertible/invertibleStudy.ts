import { claimSentences } from '../claimSentences.js';
import type { Json, StudyDefinition, StudyOutput, StudyRunOptions } from '../study.js';
import { checkInvertiblePlan, invertiblePlan, type InvertiblePlan } from './spec.js';
import { runInvertible, type InvertibleRecord } from './runInvertible.js';
import { invertibleClaims, invertibleTables } from './summarize.js';
import { invertibleFigures } from './figures.js';
import { readRunOptions } from '../readRunOptions.js';

/** Options of `runInvertibleStudy`: the study options plus an explicit plan (tests, custom sizes). */
export interface InvertibleRunOptions extends StudyRunOptions {
  /** Overrides the mode's preset. */
  plan?: InvertiblePlan;
}

/** Trains one i-ResNet per coefficient and seed, measures its inverse, and summarizes. */
export async function runInvertibleStudy(options: InvertibleRunOptions = {}): Promise<StudyOutput> {
  const { mode, seed, onProgress } = readRunOptions(options, 2 ** 30);
  const plan = checkInvertiblePlan(options.plan ?? invertiblePlan(mode, seed));
  const { sizes } = plan;
  const start = performance.now();
  const records: InvertibleRecord[] = [];
  const total = plan.coefficients.length * plan.seeds.length;
  for (const s of plan.seeds) {
    for (const c of plan.coefficients) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const r = runInvertible(c, s, sizes, plan.iterationCounts, s === plan.seeds[0] && c === plan.showcase);
      records.push(r);
      onProgress({ done: records.length, total, label: `c = ${c}, seed ${s}: test accuracy ${r.testAccuracy.toFixed(3)}` });
    }
  }
  const claims = invertibleClaims(records);
  return {
    study: 'invertible',
    title: 'Invertible residual networks: the fixed-point inverse vs the coefficient',
    mode,
    seed,
    seconds: (performance.now() - start) / 1000,
    summary: `i-ResNets of ${sizes.blocks} blocks x + g(x) (g: ${sizes.hiddenLayers} hidden elu layer(s) of ${sizes.hidden} units, every kernel normalized to spectral norm <= c by power iteration) and a Dense head, `
      + `trained on two moons (${sizes.train} points, noise ${sizes.noise}; Adam, ${sizes.steps} full-batch steps) for c in {${plan.coefficients.join(', ')}}, ${plan.seeds.length} seed(s). `
      + `On ${sizes.test} held-out points we invert F block by block with n in {${plan.iterationCounts.join(', ')}} fixed-point updates and compare ||x - F^-1(F(x))|| with the Banach bound built from each block's certified Lip(g). `
      + claimSentences(claims),
    claims,
    tables: invertibleTables(records),
    figures: invertibleFigures(records),
    records: records as unknown as Json[],
  };
}

/** `lipkit study invertible`. */
export const invertibleStudy: StudyDefinition = {
  name: 'invertible',
  title: 'Invertible residual networks: the fixed-point inverse vs the coefficient',
  description: 'i-ResNet on two moons: reconstruction error of the fixed-point inverse vs the coefficient c and the iteration count, against the Banach bound',
  run: (options?: StudyRunOptions) => runInvertibleStudy(options),
};
