import type { RunRecord } from './runOne.js';

/** The run chosen for one (task, arm, seed): the lambda with the best validation metric. */
export interface SelectedRun {
  task: string;
  arm: string;
  seed: number;
  /** The chosen signed lambda (0 for unregularized arms). */
  lambda: number;
  /** Lambdas tried (signed) and how many of them diverged. */
  tried: number[];
  diverged: number;
  /** The chosen run; null when every lambda diverged. */
  record: RunRecord | null;
}

/**
 * The paper's protocol for lambda: per (task, arm, seed), among the runs of that arm at each
 * lambda, choose the one with the best final VALIDATION metric (lowest MSE / highest accuracy;
 * ties to the smaller |lambda|; diverged runs never chosen); it is then scored on the separate
 * TEST split (`record.test`). Unregularized arms have one run (lambda 0), chosen as is. The
 * chosen lambdas are never reported as separate wins. Returns one entry per (task, arm, seed), in
 * first-seen order.
 */
export function selectByValidation(records: readonly RunRecord[]): SelectedRun[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = JSON.stringify([r.task, r.arm, r.seed]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]); else g.push(r);
  }
  return [...groups.values()].map((rs) => {
    const ok = rs.filter((r) => !r.diverged && r.metrics.validation !== null && r.test.metric !== null);
    const better = (a: RunRecord, b: RunRecord): boolean => {
      const va = a.metrics.validation as number;
      const vb = b.metrics.validation as number;
      if (va !== vb) return a.higherIsBetter ? va > vb : va < vb;
      return Math.abs(a.lambda) < Math.abs(b.lambda);
    };
    const best = ok.reduce<RunRecord | null>((acc, r) => (acc === null || better(r, acc) ? r : acc), null);
    return {
      task: rs[0].task, arm: rs[0].arm, seed: rs[0].seed,
      lambda: best?.lambda ?? NaN, tried: rs.map((r) => r.lambda), diverged: rs.length - ok.length, record: best,
    };
  });
}
