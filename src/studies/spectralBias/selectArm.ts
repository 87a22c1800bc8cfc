import type { StudyTable } from '../study.js';
import type { SpectralBiasArm } from './spec.js';
import type { SpectralBiasRecord } from './trainArm.js';

/**
 * Mean validation MSE over the measured steps (trapezoids in the step, divided by the span): the
 * area under the held-out error curve, low when the fit is both fast and good. Null if diverged.
 */
export function validationArea(r: SpectralBiasRecord): number | null {
  if (r.diverged || r.validationMse.some((v) => v === null)) return null;
  const v = r.validationMse as number[];
  let area = 0;
  for (let i = 1; i < r.steps.length; i++) area += ((v[i - 1] + v[i]) / 2) * (r.steps[i] - r.steps[i - 1]);
  const span = r.steps[r.steps.length - 1] - r.steps[0];
  return span > 0 ? area / span : v[0];
}

/** Per grid arm: mean validation area over its selection runs (Infinity if any diverged). */
function armScore(selection: readonly SpectralBiasRecord[], arm: SpectralBiasArm): number {
  const rs = selection.filter((r) => r.arm === arm.name);
  const areas = rs.map(validationArea);
  if (rs.length === 0 || areas.some((a) => a === null)) return Infinity;
  return (areas as number[]).reduce((a, b) => a + b, 0) / areas.length;
}

/**
 * The grid arm with the lowest mean validation-MSE area on the selection seeds (ties: the first
 * in grid order); an arm with a diverged selection run is never chosen unless all diverged.
 */
export function chooseArm(selection: readonly SpectralBiasRecord[], grid: readonly SpectralBiasArm[]): SpectralBiasArm {
  let best = grid[0];
  let bestScore = armScore(selection, best);
  for (const arm of grid.slice(1)) {
    const s = armScore(selection, arm);
    if (s < bestScore) { best = arm; bestScore = s; }
  }
  return best;
}

/** The grid search as a table: arm, lambda, eps, mean validation-MSE area, diverged runs; the chosen arm marked. */
export function selectionTable(selection: readonly SpectralBiasRecord[]): StudyTable {
  const arms = [...new Map(selection.map((r) => [r.arm, { name: r.arm, lambda: r.lambda, epsilon: r.epsilon }])).values()];
  const chosen = chooseArm(selection, arms).name;
  return {
    title: 'Choosing (λ, ε) on held-out validation points (selection seeds only; lower area = faster and better fit)',
    columns: ['arm', 'lambda', 'epsilon', 'validation MSE area', 'diverged', 'chosen'],
    rows: arms.map((a) => {
      const score = armScore(selection, a);
      return [a.name, a.lambda, a.epsilon, Number.isFinite(score) ? score : null, selection.filter((r) => r.arm === a.name && r.diverged).length, a.name === chosen ? 'chosen' : ''];
    }),
  };
}
