/**
 * Prefixes every `id` defined in an SVG string, and every reference to one (`url(#id)`,
 * `href="#id"`, `xlink:href="#id"`), with `prefix`, so that several SVGs inlined in one HTML
 * page cannot collide: vega numbers its gradients and clip paths per process
 * (`gradient_0`, `clip1`), and a page holding figures rendered in different runs (or a
 * browser and Node) would otherwise paint one figure's legend with another's gradient.
 * References to ids the SVG does not define are left unchanged.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (ids.size === 0) return svg;
  const rename = (id: string): string => (ids.has(id) ? `${prefix}${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_, a: string, id: string, b: string) => `${a}${rename(id)}${b}`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/(\s(?:xlink:)?href="#)([^"]+)(")/g, (_, a: string, id: string, b: string) => `${a}${rename(id)}${b}`);
}
