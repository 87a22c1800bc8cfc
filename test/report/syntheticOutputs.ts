import type { Json, StudyOutput, VegaLiteSpec } from '../../src/studies/study.js';
import { seededUniform } from '../../src/util/random.js';

/**
 * Two synthetic StudyOutputs with the figure kinds the real studies use: a faceted heatmap
 * of decision surfaces with the data points layered on top, a multi-series line chart with a
 * log scale, a grouped bar chart, a log-log scatter, and a per-frequency error line chart.
 * Texts carry HTML metacharacters on purpose (escaping is tested on them).
 */

function decisionSurfaceSpec(): VegaLiteSpec {
  const u = seededUniform(3 * 30 * 3, 7);
  let next = 0;
  const rand = (): number => u[next++];
  const values: Json[] = [];
  const models = ['plain', 'spectral norm', 'gradient penalty'];
  const n = 16;
  models.forEach((model, k) => {
    const sharp = [8, 2, 4][k];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = -1.5 + (3.5 * i) / n;
        const y = -1 + (2.5 * j) / n;
        const f = y - 0.5 * Math.sin(2.5 * x) - 0.2;
        values.push({ model, kind: 'grid', x, x2: x + 3.5 / n, y, y2: y + 2.5 / n, p: 1 / (1 + Math.exp(-sharp * f)) });
      }
    }
    for (let m = 0; m < 30; m++) {
      const label = m % 2;
      const t = Math.PI * rand();
      const px = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
      const py = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
      values.push({ model, kind: 'point', px: px + 0.1 * (rand() - 0.5), py: py + 0.1 * (rand() - 0.5), label: `class ${label}` });
    }
  });
  return {
    data: { values },
    facet: { column: { field: 'model', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 160,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'grid'" }],
          mark: 'rect',
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'x1', scale: { domain: [-1.5, 2] } },
            x2: { field: 'x2' },
            y: { field: 'y', type: 'quantitative', title: 'x2', scale: { domain: [-1, 1.5] } },
            y2: { field: 'y2' },
            color: { field: 'p', type: 'quantitative', title: 'P(class 1)', scale: { scheme: 'blueorange', domain: [0, 1] } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, size: 22, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x: { field: 'px', type: 'quantitative' },
            y: { field: 'py', type: 'quantitative' },
            shape: { field: 'label', type: 'nominal', title: 'data' },
            fill: { value: 'black' },
          },
        },
      ],
    },
  };
}

function curvesSpec(): VegaLiteSpec {
  const values: Json[] = [];
  for (const method of ['none', 'spectral norm', 'lipReg']) {
    for (let epoch = 0; epoch <= 20; epoch++) {
      const growth = method === 'none' ? 0.25 : method === 'lipReg' ? 0.08 : 0.01;
      values.push({ method, epoch, bound: Math.exp(growth * epoch) * 3 });
    }
  }
  return {
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'bound', type: 'quantitative', title: 'certified upper bound on L', scale: { type: 'log' } },
      color: { field: 'method', type: 'nominal' },
    },
  };
}

function layerBarsSpec(): VegaLiteSpec {
  const values: Json[] = [];
  ['dense_1', 'dense_2', 'dense_3', 'out'].forEach((layer, i) => {
    values.push({ layer, kind: 'certified bound', value: 1.8 - 0.2 * i });
    values.push({ layer, kind: 'lower bound', value: 1.1 - 0.15 * i });
  });
  return {
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'layer', type: 'nominal', sort: null, title: 'layer' },
      xOffset: { field: 'kind', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: 'Lipschitz constant' },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  };
}

function scatterSpec(): VegaLiteSpec {
  const u = seededUniform(48, 3);
  let next = 0;
  const rand = (): number => u[next++];
  const values: Json[] = [];
  for (let i = 0; i < 24; i++) {
    const L = Math.exp(4 * rand());
    values.push({ L, accuracy: 0.75 + 0.2 * Math.min(1, Math.log(L) / 3) + 0.03 * (rand() - 0.5), method: i % 3 === 0 ? 'constrained' : 'free' });
  }
  return {
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x: { field: 'L', type: 'quantitative', scale: { type: 'log' }, title: 'certified upper bound on L (log)' },
      y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'test accuracy' },
      color: { field: 'method', type: 'nominal' },
    },
  };
}

function frequencySpec(): VegaLiteSpec {
  const values: Json[] = [];
  for (const model of ['MSE only', 'MSE - lambda L_Lip']) {
    for (let k = 1; k <= 32; k++) values.push({ model, frequency: k, error: (model === 'MSE only' ? 0.02 : 0.01) * k ** 1.2 });
  }
  return {
    data: { values },
    mark: 'line',
    encoding: {
      x: { field: 'frequency', type: 'quantitative', title: 'frequency index k' },
      y: { field: 'error', type: 'quantitative', title: 'relative error at k' },
      color: { field: 'model', type: 'nominal' },
    },
  };
}

/** The first synthetic study: decision surfaces and bound curves. */
export function syntheticMoons(): StudyOutput {
  return {
    study: 'moons-synthetic',
    title: 'Two moons <synthetic> & "quoted"',
    mode: 'smoke',
    seed: 0,
    seconds: 3.21,
    summary: 'Three small classifiers on two moons. The constrained ones <b>have</b> smoother decision surfaces.\n\nA second paragraph.',
    claims: [
      { claim: 'Spectral normalization smooths the decision surface', held: true, evidence: 'L upper bound 1.9 vs 37.2 (plain)' },
      { claim: 'Accuracy is unchanged <script>alert(1)</script>', held: false, evidence: 'accuracy 0.84 vs 0.97' },
      { claim: 'The gradient penalty is as good as the constraint', held: null, evidence: 'differences within 1 sd over 2 seeds' },
      { claim: 'P1: the penalty lowers log loss', held: false, evidence: 'log loss, penalty - plain', verdict: 'contradicted', effect: 0.42131, interval: [0.2324, 0.6102], p: 0.0078125, pAdjusted: 0.03125, n: 8, primary: true },
    ],
    tables: [
      { title: 'Per model | pipes', columns: ['model', 'accuracy', 'upper bound', 'lower bound'], rows: [['plain', 0.97, 37.2145, 5.1], ['spectral norm', 0.84, 1.9, 1.2], ['gradient penalty', 0.9, null, 2.25]] },
    ],
    figures: [
      { id: 'decision-surfaces', title: 'Decision surfaces', caption: 'P(class 1) over the plane for each model, with the training points on top; smoother transitions mean a smaller Lipschitz constant.', spec: decisionSurfaceSpec() },
      { id: 'bound-curves', title: 'Certified bound during training', caption: 'The certified upper bound on L per epoch (log scale): unconstrained training lets it grow exponentially.', spec: curvesSpec() },
    ],
    records: [{ model: 'plain', accuracy: 0.97 }, { model: 'spectral norm', accuracy: 0.84 }],
  };
}

/** The second synthetic study: per-layer bars, a log scatter and a per-frequency error chart. */
export function syntheticCertify(): StudyOutput {
  return {
    study: 'certify-synthetic',
    title: 'Certified vs empirical',
    mode: 'quick',
    seed: 1,
    seconds: 12.7,
    summary: 'Per-layer constants, the bound against accuracy, and the error per frequency.',
    claims: [{ claim: 'Lower bound <= certified bound for every layer', held: true, evidence: 'max ratio 0.62' }],
    tables: [],
    figures: [
      { id: 'per-layer', title: 'Per-layer constants', caption: 'Certified bound and empirical lower bound of each layer; the certified bar is never below the lower one.', spec: layerBarsSpec() },
      { id: 'lipschitz-vs-accuracy', title: 'Lipschitz vs accuracy', caption: 'Each point is a trained model: its certified bound (log scale) against its test accuracy.', spec: scatterSpec() },
      { id: 'frequency-error', title: 'Per-frequency error', caption: 'Relative error of the fit at each frequency; spectral bias shows as error growing with k.', spec: frequencySpec() },
    ],
    records: [],
  };
}
