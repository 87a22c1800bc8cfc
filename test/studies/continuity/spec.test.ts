import { describe, expect, it } from 'vitest';
import { LipkitError } from '../../../src/util/errors.js';
import { validateRunSpec, runEpochs, STUDY_ARMS, type RunSpec } from '../../../src/studies/continuity/spec.js';
import { expandPlan, presetPlan, validatePlan, PRESET_SIZES, PRIMARY_DESIGN } from '../../../src/studies/continuity/plan.js';

const sizes = { train: 8, validation: 4, length: 16, minLength: 4, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 4, epochs: 1, learningRate: 1e-3 };
const good: RunSpec = { task: 'fig1-high', model: 's4d', arm: 'SSM+Emb+Lip', lambda: 2, seed: 0, sizes };

function errorField(f: () => unknown): string {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(LipkitError); return (e as LipkitError).message; }
  throw new Error('did not throw');
}

describe('validateRunSpec', () => {
  it('accepts a well-formed spec and returns it', () => {
    expect(validateRunSpec(good)).toEqual(good);
  });
  it('rejects unknown task, model and arm names, naming the field', () => {
    expect(errorField(() => validateRunSpec({ ...good, task: 'mnist2' }))).toMatch(/spec\.task/);
    expect(errorField(() => validateRunSpec({ ...good, task: 'sunspots-24' }))).toMatch(/spec\.task/);
    expect(errorField(() => validateRunSpec({ ...good, model: 'lstm' }))).toMatch(/spec\.model/);
    expect(errorField(() => validateRunSpec({ ...good, arm: 'SSM+Lip' }))).toMatch(/spec\.arm/);
    expect(errorField(() => validateRunSpec({ ...good, arm: 'Transformer' , lambda: 0 }))).toMatch(/spec\.model/);
  });
  it('rejects a lambda sign contradicting the arm', () => {
    expect(errorField(() => validateRunSpec({ ...good, lambda: -1 }))).toMatch(/spec\.lambda/);
    expect(errorField(() => validateRunSpec({ ...good, lambda: 0 }))).toMatch(/spec\.lambda/);
    expect(errorField(() => validateRunSpec({ ...good, model: 'transformer', arm: 'Transformer+Lip', lambda: 1 }))).toMatch(/spec\.lambda/);
    expect(errorField(() => validateRunSpec({ ...good, arm: 'SSM', lambda: 1 }))).toMatch(/spec\.lambda/);
    expect(validateRunSpec({ ...good, model: 'transformer', arm: 'Transformer+Lip', lambda: -1 }).lambda).toBe(-1);
    expect(validateRunSpec({ ...good, arm: 'SSM+Emb+LipWrongSign', lambda: -4 }).lambda).toBe(-4);
  });
  it('validates epochsByModel (model names, positive integers) and runEpochs reads it', () => {
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, epochsByModel: { lstm: 2 } } }))).toMatch(/spec\.sizes\.epochsByModel/);
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, epochsByModel: { s4d: 0 } } }))).toMatch(/spec\.sizes\.epochsByModel\.s4d/);
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, epochsByModel: [3] } as unknown as typeof sizes }))).toMatch(/spec\.sizes\.epochsByModel/);
    const v = validateRunSpec({ ...good, sizes: { ...sizes, epochs: 2, epochsByModel: { s4d: 5 } } });
    expect(runEpochs(v.sizes, 's4d')).toBe(5);
    expect(runEpochs(v.sizes, 'transformer')).toBe(2);
    expect(runEpochs(sizes, 's4d')).toBe(1);
  });
  it('rejects bad sizes and seeds', () => {
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, length: 1 } }))).toMatch(/spec\.sizes\.length/);
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, stateSize: 3 } }))).toMatch(/spec\.sizes\.stateSize/);
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, heads: 3 } }))).toMatch(/spec\.sizes\.heads/);
    expect(errorField(() => validateRunSpec({ ...good, sizes: { ...sizes, learningRate: NaN } }))).toMatch(/spec\.sizes\.learningRate/);
    expect(errorField(() => validateRunSpec({ ...good, seed: -1 }))).toMatch(/spec\.seed/);
    expect(errorField(() => validateRunSpec(null))).toMatch(/spec/);
  });
});

describe('plans', () => {
  it('expands unregularized arms once and regularized arms per lambda with the arm sign', () => {
    const plan = presetPlan('quick', { tasks: ['fig1-low'], lambdas: [0, 1, 2], seeds: [0, 3] });
    const runs = expandPlan(plan);
    // per seed: 3 unregularized arms + 5 regularized arms (with the feature-axis arm) x 2 lambdas
    expect(runs.length).toBe(2 * (3 + 5 * 2));
    for (const r of runs) {
      const arm = STUDY_ARMS.find((a) => a.name === r.arm)!;
      expect(Math.sign(r.lambda)).toBe(arm.sign);
      expect(r.model).toBe(arm.model);
      expect(() => validateRunSpec(r)).not.toThrow();
    }
    expect(runs.filter((r) => r.arm === 'Transformer+Lip').map((r) => r.lambda).sort((a, b) => a - b)).toEqual([-2, -2, -1, -1]);
  });
  it('presets run the pre-registered Figure 1 design: paired seeds; controls (lambda 2 only) where the preset has them', () => {
    const plan = presetPlan('default');
    const runs = expandPlan(plan);
    const L = PRESET_SIZES.default.lambdas.filter((l) => l > 0).length;
    expect(PRESET_SIZES.default.controls).toBe(false);
    expect(runs.length).toBe(plan.seeds.length * 2 * (2 + L));
    expect(plan.seeds.length).toBeGreaterThanOrEqual(8);
    expect(PRESET_SIZES.quick.seeds).toBeGreaterThanOrEqual(8);
    const noControls = (task: 'fig1-high' | 'fig1-low'): Set<string> => new Set(PRIMARY_DESIGN[task].filter((a) => !a.endsWith('WrongSign')));
    expect(new Set(runs.filter((r) => r.task === 'fig1-high').map((r) => r.arm))).toEqual(noControls('fig1-high'));
    expect(new Set(runs.filter((r) => r.task === 'fig1-low').map((r) => r.arm))).toEqual(noControls('fig1-low'));
    const full = expandPlan({ ...presetPlan('full'), tasks: ['fig1-high', 'fig1-low'], armsByTask: { ...PRIMARY_DESIGN }, lambdasByArm: { 'SSM+Emb+LipWrongSign': [2], 'Transformer+LipWrongSign': [2] } });
    expect(full.filter((r) => r.arm === 'SSM+Emb+LipWrongSign').every((r) => r.lambda === -2)).toBe(true);
    const smoke = expandPlan(presetPlan('smoke'));
    expect(new Set(smoke.filter((r) => r.task === 'fig1-high').map((r) => r.arm))).toEqual(new Set(PRIMARY_DESIGN['fig1-high']));
    expect(smoke.filter((r) => r.arm === 'Transformer+LipWrongSign').every((r) => r.lambda === 2)).toBe(true);
    // every seed runs the same cells
    const cells = (seed: number): string[] => runs.filter((r) => r.seed === seed).map((r) => `${r.task} ${r.arm} ${r.lambda}`);
    expect(cells(plan.seeds[1])).toEqual(cells(plan.seeds[0]));
    expect(plan.sizes).toMatchObject({ length: 200, width: 64, kernelSize: 5, depth: 1 });
    expect(presetPlan('full').tasks).toContain('weather-24');
    expect(errorField(() => validatePlan({ ...plan, armsByTask: { listops: ['SSM'] } }))).toMatch(/plan\.armsByTask/);
    expect(errorField(() => validatePlan({ ...plan, lambdasByArm: { 'SSM+Emb+Lip': [0] } }))).toMatch(/plan\.lambdasByArm/);
  });

  it('rejects unknown names, negative lambdas and plans without the lambdas an arm needs', () => {
    const plan = presetPlan('quick');
    expect(errorField(() => validatePlan({ ...plan, tasks: ['fig2'] as never }))).toMatch(/plan\.tasks/);
    expect(errorField(() => validatePlan({ ...plan, arms: ['SSM', 'RNN'] }))).toMatch(/plan\.arms/);
    expect(errorField(() => validatePlan({ ...plan, lambdas: [-1, 0] }))).toMatch(/plan\.lambdas/);
    expect(errorField(() => validatePlan({ ...plan, lambdas: [1] }))).toMatch(/plan\.lambdas/);
    expect(errorField(() => validatePlan({ ...plan, arms: ['SSM+Emb+Lip'], lambdas: [0] }))).toMatch(/plan\.lambdas/);
    expect(errorField(() => validatePlan({ ...plan, seeds: [] }))).toMatch(/plan\.seeds/);
    expect(errorField(() => presetPlan('huge' as never))).toMatch(/options\.preset/);
  });
});
