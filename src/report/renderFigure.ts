import * as vega from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { LipkitError } from '../util/errors.js';
import type { StudyOutput, VegaLiteSpec } from '../studies/study.js';
import { REPORT_VEGA_LITE_CONFIG } from './reportStyle.js';

/**
 * Throws `LipkitError('spec.data')` when any `data` object of a Vega-Lite spec (top level,
 * layers, facets, concatenations, `lookup` sources) names a `url`: a report must not load
 * anything, so figures carry their data inline (`data: { values: [...] }`). Inline `values`
 * arrays are not searched (their records may have any field names).
 */
export function checkInlineData(spec: unknown, path = 'spec'): void {
  if (Array.isArray(spec)) {
    spec.forEach((v, i) => checkInlineData(v, `${path}[${i}]`));
    return;
  }
  if (spec === null || typeof spec !== 'object') return;
  for (const [key, value] of Object.entries(spec as Record<string, unknown>)) {
    if (key === 'datasets') continue; // named inline datasets: values only
    if (key === 'data' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const data = value as Record<string, unknown>;
      if ('url' in data) {
        throw new LipkitError('spec.data', `${path}.data has a url (${JSON.stringify(data.url)}); a report must not load anything: give the values inline (data: { values: [...] })`);
      }
      for (const [k, v] of Object.entries(data)) if (k !== 'values') checkInlineData(v, `${path}.data.${k}`);
      continue;
    }
    checkInlineData(value, `${path}.${key}`);
  }
}

/** Largest figure side in px: beyond it, a figure is a data or spec error (and would hang a browser). */
const MAX_SIZE = 10000;

const INLINE_IMAGE = /^data:image\/(png|jpeg|gif|webp);/;

/**
 * A vega loader that loads nothing (data URLs are rejected up front; this is the second line
 * of defence). Links and external images sanitize to an empty href, which the check after
 * rendering reports (rejecting here would crash vega's SVG renderer).
 */
function offlineLoader(): vega.Loader {
  return {
    ...vega.loader(),
    load: (uri: string) => Promise.reject(new LipkitError('spec.data', `a report figure tried to load ${JSON.stringify(uri)}; reports load nothing`)),
    sanitize: (uri: string) => Promise.resolve({ href: INLINE_IMAGE.test(uri) ? uri : '' }),
  } as vega.Loader;
}

/**
 * Renders one Vega-Lite figure to an SVG string with the report's look (sans-serif font,
 * default plot size 440 x 260 px per view when the spec sets none, white background; the
 * spec's own `config`, `width` and `height` win). Pure vega + vega-lite, so it also runs in a
 * browser. Throws `LipkitError('spec.data')` when the spec names a data `url`, and
 * `LipkitError('spec')` when it does not compile, renders a link or an external image, or
 * comes out larger than 10000 px a side. The spec (and its data) is not modified.
 * Gradient and clip references are document-relative (`url(#id)`), ids are vega's
 * (`gradient_0`, `clip1`): namespace them before inlining several SVGs in one page.
 */
export async function renderFigureSvg(spec: VegaLiteSpec): Promise<string> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new LipkitError('spec', 'must be a Vega-Lite specification object');
  }
  checkInlineData(spec);
  // vega annotates (and its transforms extend) the data objects it ingests: work on a copy
  const copy = JSON.parse(JSON.stringify(spec)) as VegaLiteSpec;
  const logger = vega.logger(vega.Error);
  let runtime: vega.Spec;
  try {
    runtime = compile(copy as unknown as TopLevelSpec, { config: REPORT_VEGA_LITE_CONFIG as unknown as Config, logger }).spec;
  } catch (e) {
    throw new LipkitError('spec', `is not a valid Vega-Lite specification: ${e instanceof Error ? e.message : String(e)}`);
  }
  const view = new vega.View(vega.parse(runtime), { renderer: 'none', loader: offlineLoader(), logLevel: vega.Error });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const size = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (size !== null && (Number(size[1]) > MAX_SIZE || Number(size[2]) > MAX_SIZE)) {
    throw new LipkitError('spec', `renders a ${size[1]} x ${size[2]} px figure (at most ${MAX_SIZE} px a side): check the data's range and the facets`);
  }
  for (const m of svg.matchAll(/\s(?:xlink:)?href="([^"]*)"/g)) {
    if (!m[1].startsWith('#') && !INLINE_IMAGE.test(m[1])) {
      throw new LipkitError('spec', `renders a link or an external image (${JSON.stringify(m[1])}); report figures must not link to or load anything`);
    }
  }
  return svg;
}

/**
 * Renders every figure of every study: `result[i][j]` is the SVG of `outputs[i].figures[j]`.
 * Errors name the figure: `LipkitError('outputs[i].figures[j].spec...')`.
 */
export async function renderStudyFigures(outputs: readonly StudyOutput[]): Promise<string[][]> {
  const result: string[][] = [];
  for (const [i, output] of outputs.entries()) {
    const svgs: string[] = [];
    for (const [j, figure] of output.figures.entries()) {
      try {
        svgs.push(await renderFigureSvg(figure.spec));
      } catch (e) {
        if (!(e instanceof LipkitError)) throw e;
        const detail = e.message.slice(e.argument.length + 2);
        throw new LipkitError(`outputs[${i}].figures[${j}].${e.argument}`, `(figure "${output.study}/${figure.id}") ${detail}`);
      }
    }
    result.push(svgs);
  }
  return result;
}
