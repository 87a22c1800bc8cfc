import { describe, expect, it } from 'vitest';
import { namespaceSvgIds } from '../../src/report/namespaceSvgIds.js';
import { renderFigureSvg } from '../../src/report/renderFigure.js';

function ids(svg: string): string[] {
  return [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
}
function refs(svg: string): string[] {
  return [...svg.matchAll(/url\(#([^)]+)\)|href="#([^"]+)"/g)].map((m) => m[1] ?? m[2]);
}

describe('namespaceSvgIds', () => {
  it('prefixes ids and the references to them, and leaves other references alone', () => {
    const svg = '<svg><defs><linearGradient id="gradient_0"/><clipPath id="clip1"/></defs>'
      + '<rect fill="url(#gradient_0)" clip-path="url(#clip1)"/><use xlink:href="#clip1"/><use href="#elsewhere"/></svg>';
    const out = namespaceSvgIds(svg, 'fig-a-');
    expect(ids(out)).toEqual(['fig-a-gradient_0', 'fig-a-clip1']);
    expect(out).toContain('fill="url(#fig-a-gradient_0)"');
    expect(out).toContain('clip-path="url(#fig-a-clip1)"');
    expect(out).toContain('xlink:href="#fig-a-clip1"');
    expect(out).toContain('href="#elsewhere"');
    expect(namespaceSvgIds('<svg><rect/></svg>', 'p-')).toBe('<svg><rect/></svg>');
  });

  it('makes two vega SVGs with gradients and clip paths safe to inline together', async () => {
    const spec = {
      data: { values: [{ x: 1, y: 1, v: 0 }, { x: 2, y: 1, v: 1 }, { x: 1, y: 2, v: 2 }] },
      mark: { type: 'rect', clip: true },
      encoding: { x: { field: 'x', type: 'ordinal' }, y: { field: 'y', type: 'ordinal' }, color: { field: 'v', type: 'quantitative' } },
    };
    const a = await renderFigureSvg(spec);
    expect(ids(a).some((id) => id.startsWith('gradient'))).toBe(true); // the color legend's gradient
    // the same SVG inlined twice is the worst case of vega's per-process numbering
    const page = namespaceSvgIds(a, 'one-') + namespaceSvgIds(a, 'two-');
    const all = ids(page);
    expect(new Set(all).size).toBe(all.length);
    for (const r of refs(page)) expect(all).toContain(r);
  });
});
