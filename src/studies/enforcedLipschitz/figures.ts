import type { Json, StudyFigure } from '../study.js';
import { CONSTRAINT_METHODS, STUDY_OPTIMIZERS, type ConstraintMethod, type StudyOptimizer } from './plan.js';
import type { EnforcedRunRecord } from './runOne.js';
import { certifiedAt, mean, type ConfigSummary } from './summarize.js';

const methodScale = { domain: [...CONSTRAINT_METHODS] };
const optimizerScale = { domain: [...STUDY_OPTIMIZERS] };

/** Certified bound (log x) vs test accuracy, one point per run: color = method, shape = optimizer. */
export function tradeoffFigure(records: EnforcedRunRecord[]): StudyFigure {
  const values: Json[] = records
    .filter((r) => r.certifiedBound !== null && r.testAccuracy !== null)
    .map((r) => ({ optimizer: r.optimizer, method: r.method, cap: r.cap === null ? 'none' : String(r.cap), seed: r.seed, bound: r.certifiedBound, accuracy: r.testAccuracy }));
  return {
    id: 'tradeoff',
    title: 'Certified Lipschitz bound vs test accuracy',
    caption: 'Each point is one trained MLP (784-h-h-10, ReLU) on MNIST: x is the certified upper bound of its l2 Lipschitz constant (lipschitzBound, log scale), y its test accuracy. Up and to the left is better; compare the two shapes (optimizers) at equal x.',
    spec: {
      data: { values },
      mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
      encoding: {
        x: { field: 'bound', type: 'quantitative', scale: { type: 'log' }, title: 'certified Lipschitz bound L (log scale)' },
        y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'test accuracy' },
        color: { field: 'method', type: 'nominal', scale: methodScale, title: 'constraint', legend: { labelLimit: 240 } },
        shape: { field: 'optimizer', type: 'nominal', scale: optimizerScale, title: 'optimizer' },
        tooltip: [{ field: 'optimizer' }, { field: 'method' }, { field: 'cap' }, { field: 'seed' }, { field: 'bound', format: '.3g' }, { field: 'accuracy', format: '.3f' }],
      },
    },
  };
}

/**
 * The models plotted in the robustness curves: per optimizer, the unconstrained model and, per
 * constraint method, the cap with the highest mean certified accuracy at eps 1.0.
 */
export function bestConfigs(configs: ConfigSummary[]): ConfigSummary[] {
  const out: ConfigSummary[] = [];
  for (const optimizer of STUDY_OPTIMIZERS) {
    for (const method of CONSTRAINT_METHODS) {
      const group = configs.filter((c) => c.optimizer === optimizer && c.method === method && c.certified[1] !== null);
      if (group.length > 0) out.push(group.reduce((a, b) => ((b.certified[1] as number) > (a.certified[1] as number) ? b : a)));
    }
  }
  return out;
}

/** Certified robust accuracy vs l2 radius for the best cap of each (optimizer, method). */
export function robustnessFigure(records: EnforcedRunRecord[], configs: ConfigSummary[]): StudyFigure {
  const values: Json[] = [];
  for (const c of bestConfigs(configs)) {
    const runs = records.filter((r) => r.optimizer === c.optimizer && r.method === c.method && r.cap === c.cap && !r.diverged);
    const radii = runs[0]?.certified.map((p) => p.epsilon) ?? [];
    for (const epsilon of radii) {
      const acc = mean(runs.map((r) => certifiedAt(r, epsilon)));
      if (acc === null) continue;
      values.push({ optimizer: c.optimizer, method: c.method, model: `${c.optimizer} ${c.method}${c.cap === null ? '' : ` cap ${c.cap}`}`, epsilon, accuracy: acc });
    }
  }
  return {
    id: 'certified-robustness',
    title: 'Certified robust accuracy vs l2 radius',
    caption: 'Fraction of test images classified correctly with a certified l2 radius above eps, radius = margin / (sqrt(2) L) with L from lipschitzBound (lipkit\'s certifiedAccuracy; the per-logit 2L convention would halve every radius). One line per optimizer (solid Adam, dashed Muon) and constraint (color), at the cap with the best value at eps 1.0; means over seeds. Pixels are in [0, 1].',
    spec: {
      data: { values },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'epsilon', type: 'quantitative', title: 'l2 radius eps' },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'certified robust accuracy' },
        color: { field: 'method', type: 'nominal', scale: methodScale, title: 'constraint', legend: { labelLimit: 240 } },
        strokeDash: { field: 'optimizer', type: 'nominal', scale: { ...optimizerScale, range: [[1, 0], [6, 3]] }, title: 'optimizer' },
        detail: { field: 'model', type: 'nominal' },
        tooltip: [{ field: 'model' }, { field: 'epsilon' }, { field: 'accuracy', format: '.3f' }],
      },
    },
  };
}

/** Exact spectral norm of each Dense kernel after training, divided by the cap, per constrained run. */
export function layerNormsFigure(records: EnforcedRunRecord[]): StudyFigure {
  const values: Json[] = [];
  for (const r of records) {
    if (r.cap === null) continue;
    for (const l of r.layers) {
      values.push({ optimizer: r.optimizer as StudyOptimizer, method: r.method as ConstraintMethod, cap: r.cap, seed: r.seed, layer: `layer ${l.layer}`, ratio: l.sigmaMax / r.cap, sigma: l.sigmaMax });
    }
  }
  return {
    id: 'layer-spectral-norms',
    title: 'Per-layer spectral norms after training, relative to the cap',
    caption: 'Exact largest singular value (float64 Jacobi SVD) of every kernel after training divided by its cap, one point per layer, run and cap; the dashed line is the cap. Normalization sits on it, projection at or below it, the soft cap below it by design; points above it break the per-layer promise (the certified bound L in the other figures is computed from the actual weights either way).',
    spec: {
      data: { values },
      facet: { column: { field: 'optimizer', type: 'nominal', title: 'optimizer', sort: [...STUDY_OPTIMIZERS] } },
      spec: {
        width: 260,
        layer: [
          {
            mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
            encoding: {
              x: { field: 'method', type: 'nominal', sort: CONSTRAINT_METHODS.slice(1), title: 'constraint', axis: { labelAngle: -30 } },
              xOffset: { field: 'layer', type: 'nominal' },
              y: { field: 'ratio', type: 'quantitative', scale: { zero: false }, title: 'exact sigma_max / cap' },
              color: { field: 'layer', type: 'nominal', title: 'Dense layer' },
              tooltip: [{ field: 'method' }, { field: 'cap' }, { field: 'seed' }, { field: 'layer' }, { field: 'sigma', format: '.4f' }, { field: 'ratio', format: '.4f' }],
            },
          },
          { mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { datum: 1 } } },
        ],
      },
    },
  };
}
