import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/backend/setBackend.js';
import { certify } from '../../src/cli/certify.js';

beforeAll(async () => { await setBackend('cpu'); });

describe('lipkit certify: lower bound with the activation-pattern search, and the gap (issue 11)', () => {
  it('on the 2-D moons MLP, the realized lower bound reaches the exact constant: gap = upper / lower close to 1', async () => {
    const report = await certify('examples/models/mlp/model.json', { budgetSeconds: 8, methodBudget: 3 });
    expect(report.certified).toBe(true);
    expect(report.soundness).not.toBe('SOUNDNESS FAILURE');
    expect(report.lowerBound).not.toBeNull();
    expect(report.gap).toBeCloseTo(report.upperBound / (report.lowerBound as number), 12);
    expect(report.notes.join('\n')).toMatch(/activation-pattern search: \d+ restarts/);
    // The exact planar method certifies the exact constant; the pattern search realizes it.
    expect(report.gap).toBeLessThan(1.01);
    expect(report.gap).toBeGreaterThan(1 - 1e-3);
  }, 120_000);
});
