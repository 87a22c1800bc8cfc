import { expect } from 'vitest';
import type { StudyOutput } from '../../../src/studies/study.js';
import { checkStudyOutputs } from '../../../src/report/checkStudyOutputs.js';
import { renderFigureSvg } from '../../../src/report/renderFigure.js';

/**
 * Asserts what every study output must be: accepted by the report's checks, JSON-serializable
 * without loss (no NaN, Infinity or undefined anywhere), claims with a verdict and evidence,
 * non-empty tables, and figures that render to SVG from inline data.
 */
export async function expectWellFormedOutput(out: StudyOutput, study: string, mode: string, figureIds: string[]): Promise<void> {
  expect(() => checkStudyOutputs('outputs', [out])).not.toThrow();
  expect(out.study).toBe(study);
  expect(out.mode).toBe(mode);
  expect(out.seconds).toBeGreaterThan(0);
  expect(out.summary.length).toBeGreaterThan(50);
  expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  expect(JSON.stringify(out)).not.toMatch(/NaN|Infinity/);
  for (const c of out.claims) {
    expect([true, false, null]).toContain(c.held);
    expect(c.claim.length).toBeGreaterThan(10);
    expect(c.evidence.length).toBeGreaterThan(10);
  }
  for (const t of out.tables) expect(t.rows.length).toBeGreaterThan(0);
  expect(out.figures.map((f) => f.id)).toEqual(figureIds);
  for (const f of out.figures) {
    expect(f.caption.length).toBeGreaterThan(20);
    const svg = await renderFigureSvg(f.spec);
    expect(svg).toMatch(/^<svg/);
  }
}
