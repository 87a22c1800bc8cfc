import type { Json, StudyFigure } from '../study.js';
import { sumOfSines } from '../../data/sumOfSines.js';
import type { SpectralBiasRecord } from './trainArm.js';
import { byArm, meanSd } from './summarize.js';

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Mean over the (non-diverged) seeds of an arm, per measured step and frequency. */
function meanCurves(rs: SpectralBiasRecord[]): { step: number; k: number; error: number }[] {
  const ok = rs.filter((r) => !r.diverged);
  if (ok.length === 0) return [];
  const out: { step: number; k: number; error: number }[] = [];
  ok[0].steps.forEach((step, i) => ok[0].frequencies.forEach((k, j) => {
    const v = ok.map((r) => r.errors[i]?.[j]).filter(finite);
    if (v.length > 0) out.push({ step, k, error: meanSd(v).mean });
  }));
  return out;
}

/** The study's figures: error per frequency over training (lines and heatmap), final errors, losses, fits. */
export function spectralBiasFigures(records: readonly SpectralBiasRecord[]): StudyFigure[] {
  const arms = [...byArm(records)];
  const armNames = arms.map(([a]) => a);
  const curves: Json[] = arms.flatMap(([arm, rs]) => meanCurves(rs).map((c) => ({ arm, ...c })));
  const evalEvery = records[0].sizes.evalEvery;
  const seeds = new Set(records.map((r) => r.seed)).size;

  const lines: StudyFigure = {
    id: 'error-per-frequency',
    title: 'Relative spectral error per frequency over training',
    caption: `|DFT(y_hat - y)_k| / |DFT(y)_k| for each target frequency k, mean over ${seeds} seed(s), one panel per arm. Spectral bias shows as low frequencies (dark) dropping first; the paper's claim is that the regularized arm brings the high frequencies (light) down sooner.`,
    spec: {
      data: { values: curves },
      facet: { column: { field: 'arm', type: 'nominal', title: null, sort: armNames, header: { labelLimit: 600 } } },
      spec: {
        width: 300, height: 220,
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          y: { field: 'error', type: 'quantitative', title: 'relative spectral error', scale: { domain: [0, 1.3], clamp: true } },
          color: { field: 'k', type: 'ordinal', title: 'frequency k', scale: { scheme: 'viridis' } },
        },
      },
    },
  };

  const heatmap: StudyFigure = {
    id: 'error-heatmap',
    title: 'Spectral error heatmap (step x frequency)',
    caption: 'The same means as a heatmap in the style of Rahaman et al.: each cell is the error of frequency k at a training step; dark = learned. One panel per arm.',
    spec: {
      data: { values: curves.map((c) => ({ ...(c as Record<string, Json>), step1: (c as { step: number }).step + evalEvery })) },
      facet: { row: { field: 'arm', type: 'nominal', title: null, sort: armNames, header: { labelLimit: 600, labelAngle: 0, labelOrient: 'top', labelAnchor: 'start' } } },
      spec: {
        width: 440, height: 150,
        mark: 'rect',
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          x2: { field: 'step1' },
          y: { field: 'k', type: 'ordinal', title: 'frequency k', sort: 'descending' },
          color: { field: 'error', type: 'quantitative', title: 'error', scale: { scheme: 'viridis', domain: [0, 1], clamp: true } },
        },
      },
    },
  };

  const finals: Json[] = [];
  for (const [arm, rs] of arms) {
    const ok = rs.filter((r) => !r.diverged);
    if (ok.length === 0) continue;
    ok[0].frequencies.forEach((k, j) => {
      const { mean, sd } = meanSd(ok.map((r) => r.finalErrors[j]).filter(finite));
      finals.push({ arm, k, mean, lo: Math.max(0, mean - sd), hi: mean + sd });
    });
  }
  const bars: StudyFigure = {
    id: 'final-error',
    title: 'Final relative spectral error per frequency',
    caption: `Error after the last step, mean ± sd over ${seeds} seed(s), with and without the regularizer.`,
    spec: {
      data: { values: finals },
      width: 440, height: 240,
      encoding: {
        x: { field: 'k', type: 'ordinal', title: 'frequency k' },
        xOffset: { field: 'arm', type: 'nominal', sort: armNames },
        color: { field: 'arm', type: 'nominal', title: 'arm', sort: armNames, legend: { labelLimit: 600 } },
      },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: 'final relative error' } } },
        { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { value: 'black' } } },
      ],
    },
  };

  const lossValues: Json[] = [];
  for (const [arm, rs] of arms) {
    const ok = rs.filter((r) => !r.diverged);
    if (ok.length === 0) continue;
    ok[0].steps.forEach((step, i) => {
      for (const [quantity, pick] of [['MSE(y_hat, y)', (r: SpectralBiasRecord) => r.mse[i]], ['L_Lip(y_hat)', (r: SpectralBiasRecord) => r.lipReg[i]]] as const) {
        const v = ok.map(pick).filter((x): x is number => finite(x) && x > 0);
        if (v.length > 0) lossValues.push({ arm, step, quantity, value: meanSd(v).mean });
      }
    });
  }
  const lossPanel = (quantity: string, log: boolean, target: number | null): Json => ({
    width: 300, height: 220,
    title: quantity,
    layer: [
      {
        transform: [{ filter: { field: 'quantity', equal: quantity } }],
        mark: 'line',
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          y: { field: 'value', type: 'quantitative', title: null, scale: log ? { type: 'log' } : { zero: false } },
          color: { field: 'arm', type: 'nominal', title: 'arm', sort: armNames, legend: { labelLimit: 600 } },
        },
      },
      ...(target === null ? [] : [{
        data: { values: [{ target }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'black' },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      }]),
    ],
  });
  const losses: StudyFigure = {
    id: 'loss-curves',
    title: 'MSE and L_Lip of the prediction over training',
    caption: `Full-batch MSE and the output regularizer L_Lip(y_hat) (mean squared step of the predicted sequence, log scale), mean over seeds; the dashed line is L_Lip of the target (${records[0].targetLipReg.toFixed(3)}). The regularized arm is rewarded for raising L_Lip while its weight lambda e^{-eps t} is large.`,
    spec: {
      data: { values: lossValues },
      hconcat: [lossPanel('MSE(y_hat, y)', false, null), lossPanel('L_Lip(y_hat)', true, records[0].targetLipReg)],
    },
  };

  const fitValues: Json[] = [];
  const withCheckpoints = records.filter((r) => r.checkpoints.length > 0);
  if (withCheckpoints.length > 0) {
    const r0 = withCheckpoints[0];
    const target = sumOfSines({ count: r0.sizes.count, seed: r0.seed });
    const steps = r0.checkpoints.map((c) => c.step);
    for (const step of steps) {
      target.x.forEach((x, i) => fitValues.push({ step: `step ${step}`, x, value: target.y[i], series: 'target' }));
      for (const r of withCheckpoints.filter((w) => w.seed === r0.seed)) {
        const c = r.checkpoints.find((p) => p.step === step);
        if (c !== undefined) c.prediction.forEach((v, i) => fitValues.push({ step: `step ${step}`, x: target.x[i], value: v, series: r.arm }));
      }
    }
  }
  const fits: StudyFigure = {
    id: 'learned-function',
    title: 'Learned function vs target at checkpoints',
    caption: `Seed ${withCheckpoints[0]?.seed ?? 'n/a'}: the target h(x) (grey) and each arm's prediction at a few training steps. Spectral bias: the early fits follow the slow components only.`,
    spec: {
      data: { values: fitValues },
      facet: { row: { field: 'step', type: 'nominal', title: null, sort: withCheckpoints[0]?.checkpoints.map((c) => `step ${c.step}`) ?? [] } },
      spec: {
        width: 520, height: 120,
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'x' },
          y: { field: 'value', type: 'quantitative', title: 'h(x), y_hat(x)' },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 600 }, scale: { domain: ['target', ...armNames], range: ['#9aa5b1', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'] } },
        },
      },
    },
  };
  return [lines, heatmap, bars, losses, fits];
}
