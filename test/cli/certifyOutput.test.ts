import { describe, expect, it } from 'vitest';
import { certifyOutput } from '../../src/cli/certifyOutput.js';
import type { CertifyReport } from '../../src/cli/certify.js';

const report: CertifyReport = {
  model: 'm.json', layers: [{ name: 'd1', className: 'Dense', lipschitz: 3, method: 'x' }],
  upperBound: 2, bounds: { product: 6, combettesPesquet: 4, eclipseFast: 3.5, lipsdp: 2, exact: Infinity }, method: 'lipsdp',
  lowerBound: 1.6, certified: true, soundness: 'consistent', seconds: 1, backend: 'cpu', notes: [],
};

describe('certifyOutput (the demo report section of lipkit certify)', () => {
  it('shows every global method with its bound / lower ratio and marks the winner', () => {
    const out = certifyOutput(report, { command: 'lipkit certify m.json', seconds: 1 });
    const whole = out.tables.find((t) => t.title === 'Whole model');
    expect(whole?.rows[0][1]).toBe('lipsdp');
    const methods = out.tables.find((t) => t.title.startsWith('Global methods'));
    expect(methods?.rows.map((r) => r[0])).toEqual(['product of merged layer norms', 'Combettes & Pesquet', 'ECLipsE-Fast', 'LipSDP-Neuron (optimized multipliers)', 'exact (2-D region enumeration)']);
    expect(methods?.rows[0][2]).toBe(3.75);
    expect(methods?.rows[4][1]).toBe('not certified');
    expect(methods?.rows.filter((r) => r[3] === 'winner').map((r) => r[0])).toEqual(['LipSDP-Neuron (optimized multipliers)']);
  });

  it('has no method table for a report without bounds (older JSON)', () => {
    const { bounds: _b, method: _m, ...old } = report;
    const out = certifyOutput(old, { command: 'c', seconds: 1 });
    expect(out.tables.some((t) => t.title.startsWith('Global methods'))).toBe(false);
    expect(out.tables.find((t) => t.title === 'Whole model')?.rows[0][1]).toBe('product');
  });
});
