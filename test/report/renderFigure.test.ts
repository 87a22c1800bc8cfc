import { describe, expect, it } from 'vitest';
import { checkInlineData, renderFigureSvg, renderStudyFigures } from '../../src/report/renderFigure.js';
import { DEFAULT_FIGURE_SIZE } from '../../src/report/reportStyle.js';
import type { VegaLiteSpec } from '../../src/studies/study.js';
import { expectError } from '../expectLipkitError.js';
import { expectAsyncError } from './expectAsyncError.js';
import { syntheticCertify, syntheticMoons } from './syntheticOutputs.js';

const line: VegaLiteSpec = {
  data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }, { x: 3, y: 1 }] },
  mark: 'line',
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
};

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (m === null) throw new Error('no svg size');
  return { width: Number(m[1]), height: Number(m[2]) };
}

describe('renderFigureSvg', () => {
  it('renders a line chart to an SVG with axes, a line mark and the report font', async () => {
    const svg = await renderFigureSvg(line);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/aria-roledescription="axis"/g)?.length).toBe(2);
    expect(svg).toMatch(/class="mark-line role-mark/);
    expect(svg).toMatch(/<path [^>]*d="M[\d.,-]+L/);
    expect(svg).toContain('font-family="&quot;Helvetica Neue&quot;');
    expect(svg).not.toMatch(/font-family="sans-serif"/);
  });

  it('applies the default plot size only when the spec sets none', async () => {
    const dflt = svgSize(await renderFigureSvg(line));
    // plot area plus axes and padding
    expect(dflt.width).toBeGreaterThan(DEFAULT_FIGURE_SIZE.width);
    expect(dflt.width).toBeLessThan(DEFAULT_FIGURE_SIZE.width + 120);
    expect(dflt.height).toBeGreaterThan(DEFAULT_FIGURE_SIZE.height);
    const small = svgSize(await renderFigureSvg({ ...line, width: 120, height: 80 }));
    expect(small.width).toBeLessThan(250);
    expect(small.height).toBeLessThan(180);
    // the spec's own config wins over the report's
    const serif = await renderFigureSvg({ ...line, config: { font: 'serif' } });
    expect(serif).toContain('font-family="serif"');
  });

  it('rejects data URLs anywhere in the spec (spec.data), but not record fields named url', async () => {
    await expectAsyncError(renderFigureSvg({ data: { url: 'https://example.com/cars.json' }, mark: 'point' }), 'spec.data');
    const layered = { layer: [line, { data: { url: 'data/x.csv', format: { type: 'csv' } }, mark: 'point' }] };
    const e = await expectAsyncError(renderFigureSvg(layered), 'spec.data');
    expect(e.message).toContain('spec.layer[1].data');
    const lookup = { ...line, transform: [{ lookup: 'x', from: { data: { url: 'extra.json' }, key: 'x', fields: ['z'] } }] };
    await expectAsyncError(renderFigureSvg(lookup), 'spec.data');
    expectError(() => checkInlineData({ hconcat: [{ facet: {}, spec: {}, data: { url: 'a' } }] }), 'spec.data');
    const svg = await renderFigureSvg({ data: { values: [{ url: 'https://example.com', n: 1 }] }, mark: 'bar', encoding: { x: { field: 'url', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } } });
    expect(svg).toContain('https://example.com'); // as an axis label, not a link
    expect(svg).not.toMatch(/href="https/);
  });

  it('rejects figures that would link to or load an external resource', async () => {
    const image = { data: { values: [{ x: 1, y: 1, u: 'https://example.com/a.png' }] }, mark: 'image', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, url: { field: 'u' } } };
    await expectAsyncError(renderFigureSvg(image), 'spec');
    const link = { ...line, mark: 'point', encoding: { ...(line.encoding as object), href: { value: 'https://example.com' } } };
    await expectAsyncError(renderFigureSvg(link), 'spec');
  });

  it('rejects non-specs, invalid specs and absurd sizes (spec)', async () => {
    await expectAsyncError(renderFigureSvg(null as unknown as VegaLiteSpec), 'spec');
    await expectAsyncError(renderFigureSvg([] as unknown as VegaLiteSpec), 'spec');
    await expectAsyncError(renderFigureSvg({ ...line, mark: 'no-such-mark' }), 'spec');
    await expectAsyncError(renderFigureSvg({ ...line, width: 50000 }), 'spec');
  });

  it('leaves the spec and its data untouched (vega annotates and extends the objects it ingests)', async () => {
    const spec = { ...line, transform: [{ calculate: 'datum.y * 2', as: 'y2' }] };
    const before = JSON.stringify(spec);
    const values = (line.data as { values: object[] }).values; // shared with spec
    await renderFigureSvg(spec);
    expect(JSON.stringify(spec)).toBe(before);
    expect(Object.getOwnPropertySymbols(values[0])).toEqual([]);
  });

  it('escapes text from the spec (titles, labels)', async () => {
    const svg = await renderFigureSvg({ ...line, title: '<script>alert(1)</script> & co' });
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
  });
});

describe('renderStudyFigures', () => {
  it('renders every figure of every study, in order', async () => {
    const outputs = [syntheticMoons(), syntheticCertify()];
    const svgs = await renderStudyFigures(outputs);
    expect(svgs.map((s) => s.length)).toEqual([2, 3]);
    for (const s of svgs.flat()) expect(s).toMatch(/^<svg[\s\S]*role-axis[\s\S]*<\/svg>$/);
    // the decision surfaces: three facet cells of heatmap rects with the points layered on top
    expect(svgs[0][0].match(/class="mark-rect role-mark/g)?.length).toBe(3);
    expect(svgs[0][0].match(/class="mark-symbol role-mark/g)?.length).toBe(3);
  });

  it('names the failing figure', async () => {
    const bad = syntheticCertify();
    bad.figures[1] = { ...bad.figures[1], spec: { data: { url: 'x.json' }, mark: 'point' } };
    const e = await expectAsyncError(renderStudyFigures([syntheticMoons(), bad]), 'outputs[1].figures[1].spec.data');
    expect(e.message).toContain('certify-synthetic/lipschitz-vs-accuracy');
  });
});
