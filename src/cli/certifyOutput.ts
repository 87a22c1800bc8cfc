import type { StudyMode, StudyOutput } from '../studies/study.js';
import type { CertifyReport } from './certify.js';

const fmt = (x: number | null): string => (x === null ? '-' : Number.isFinite(x) ? Number(x.toPrecision(5)).toString() : String(x));

/**
 * A `lipkit certify` report as a report section: the per-layer table, the certified upper bound
 * against the empirical lower bound (their ratio is the gap the certificate leaves), the claim
 * that the certificate is honest (upper >= lower), and a bar chart of the per-layer constants.
 */
export function certifyOutput(report: CertifyReport, { command, seconds, mode = 'quick' }: { command: string; seconds: number; mode?: StudyMode }): StudyOutput {
  const layers = report.layers.filter((l) => l.lipschitz !== null);
  const honest = report.lowerBound === null ? null : report.soundness !== 'SOUNDNESS FAILURE'; // lower above upper within float32 rounding is honest (the certificate is for exact arithmetic)
  return {
    study: 'certify', title: `lipkit certify: ${report.model}`, mode, seed: 0, seconds,
    summary: `\`${command}\` loaded the saved model and bounded its l2 Lipschitz constant from above (${report.certified ? 'certified' : 'NOT certified'}: ${fmt(report.upperBound)}) and from below (empirical, by gradient ascent on difference quotients: ${fmt(report.lowerBound)}). The true constant lies between the two.`,
    claims: [{
      claim: 'The certified upper bound is never below an observed difference quotient (empirical lower bound), up to the float32 rounding allowance',
      held: honest,
      evidence: `upper ${fmt(report.upperBound)} ≥ lower ${fmt(report.lowerBound)}; gap upper / lower = ${report.lowerBound !== null && report.lowerBound > 0 ? fmt(report.upperBound / report.lowerBound) : '-'}`,
    }],
    tables: [
      { title: 'Per-layer constants', columns: ['layer', 'class', 'Lipschitz', 'method'], rows: report.layers.map((l) => [l.name, l.className, l.lipschitz, l.method]) },
      { title: 'Whole model', columns: ['certified upper bound', 'winning method', 'empirical lower bound', 'certified', 'backend', 'seconds'], rows: [[report.upperBound, report.method ?? 'product', report.lowerBound, report.certified ? 'yes' : 'no', report.backend, Number(report.seconds.toFixed(2))]] },
      ...(report.bounds ? [methodTable(report)] : []),
    ],
    figures: [{
      id: 'per-layer', title: 'Per-layer Lipschitz constants of the certified model',
      caption: 'Each layer\'s certified constant; the model\'s bound multiplies them along the path (merged linear layers count once). With spectral normalization each dense layer sits at D = 1.',
      spec: {
        data: { values: layers.map((l, i) => ({ layer: `${i + 1}. ${l.name}`, lipschitz: l.lipschitz, className: l.className })) },
        mark: { type: 'bar' }, width: 420, height: 220,
        encoding: {
          x: { field: 'layer', type: 'nominal', sort: null, title: 'layer', axis: { labelAngle: -30 } },
          y: { field: 'lipschitz', type: 'quantitative', title: 'Lipschitz constant', scale: { zero: true } },
          color: { field: 'className', type: 'nominal', title: 'class' },
        },
      },
    }],
    records: [report],
  };
}

/** Issue 11: each global method's certified bound, its ratio to the empirical lower bound, and which one won. */
function methodTable(report: CertifyReport): { title: string; columns: string[]; rows: (string | number | null)[][] } {
  const names: Record<string, string> = {
    product: 'product of merged layer norms', combettesPesquet: 'Combettes & Pesquet', eclipseFast: 'ECLipsE-Fast',
    lipsdp: 'LipSDP-Neuron (optimized multipliers)', exact: 'exact (2-D region enumeration)',
  };
  const lower = report.lowerBound !== null && report.lowerBound > 0 ? report.lowerBound : null;
  const rows = Object.entries(report.bounds ?? {})
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([k, v]) => [names[k] ?? k, Number.isFinite(v) ? v : 'not certified', lower !== null && Number.isFinite(v) ? Number((v / lower).toPrecision(4)) : null, k === report.method ? 'winner' : '']);
  return { title: 'Global methods (each bound certified; the smallest is the model\'s bound)', columns: ['method', 'certified bound', 'bound / lower', ''], rows };
}
