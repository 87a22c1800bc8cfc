import { describe, expect, it } from 'vitest';
import { parseStudyTask, pixelDownsample, STUDY_TASKS } from '../../../src/studies/continuity/tasks.js';
import { checkTaskFits, presetPlan, validatePlan } from '../../../src/studies/continuity/plan.js';
import { expectError } from '../../expectLipkitError.js';

describe('study tasks', () => {
  it('parses every default task, the Fashion-MNIST tasks and SERIES-HORIZON forecasting names', () => {
    expect(STUDY_TASKS.map((t) => parseStudyTask(t).kind)).toEqual(['fig1', 'fig1', 'listops', 'pixel', 'pixel', 'forecast', 'forecast', 'forecast']);
    expect(parseStudyTask('mnist-c')).toEqual({ name: 'mnist-c', kind: 'pixel', dataset: 'mnist', contrast: true });
    expect(parseStudyTask('fashion-mnist')).toEqual({ name: 'fashion-mnist', kind: 'pixel', dataset: 'fashion-mnist', contrast: false });
    expect(parseStudyTask('weather-168')).toEqual({ name: 'weather-168', kind: 'forecast', series: 'weather', dataset: 'seattle-weather-hourly', target: 'temperature', horizon: 168 });
    expect(parseStudyTask('daily-48')).toMatchObject({ dataset: 'seattle-weather', target: 'temp_max', horizon: 48 });
    expect(parseStudyTask('co2-12')).toMatchObject({ dataset: 'co2-concentration', target: 'CO2', horizon: 12 });
  });

  it('rejects unknown names and a zero horizon, naming the field', () => {
    for (const bad of ['mnist2', 'weather', 'weather-', 'weather-0', 'sunspots-24', 'constructor', 'toString-3', 3, null]) {
      expectError(() => parseStudyTask(bad, 'plan.tasks'), 'plan.tasks');
    }
  });

  it('downsamples 28x28 images by the smallest factor that fits the length', () => {
    expect(pixelDownsample(784)).toBe(1);
    expect(pixelDownsample(783)).toBe(2);
    expect(pixelDownsample(196)).toBe(2);
    expect(pixelDownsample(64)).toBe(4);
    expect(pixelDownsample(49)).toBe(4);
    expect(pixelDownsample(48)).toBe(7);
    expect(pixelDownsample(4)).toBe(14);
    expectError(() => pixelDownsample(3), 'spec.sizes.length');
  });

  it('rejects a forecasting horizon longer than its series allows, at plan time', () => {
    const sizes = presetPlan('quick').sizes;
    expect(checkTaskFits('weather-168', sizes)).toBe('weather-168');
    expect(checkTaskFits('daily-48', sizes)).toBe('daily-48');
    // Seattle daily: 1,461 rows -> 1022 / 147 / 292; a horizon of 168 exceeds the validation rows.
    expectError(() => checkTaskFits('daily-168', sizes), 'plan.tasks');
    // CO2: 746 monthly rows -> 522 / 75 / 149.
    expectError(() => checkTaskFits('co2-100', sizes), 'plan.tasks');
    expectError(() => checkTaskFits('weather-9000', sizes), 'plan.tasks');
    expectError(() => validatePlan({ ...presetPlan('quick'), tasks: ['fig1-high', 'daily-168'] }), 'plan.tasks');
    expectError(() => checkTaskFits('mnist', { ...sizes, length: 3 }), 'plan.sizes.length');
  });
});
