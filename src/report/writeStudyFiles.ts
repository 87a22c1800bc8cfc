import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { StudyOutput } from '../studies/study.js';
import { LipkitError } from '../util/errors.js';
import { checkOutputDirectory } from './checkOutputDirectory.js';
import { checkStudyOutputs } from './checkStudyOutputs.js';
import { withCleanupOnInterrupt } from './interruptCleanup.js';
import { OUTPUT_MARKER, outputMarkerText } from './outputMarker.js';
import { resultsMarkdown } from './markdown.js';
import { renderStudyFigures } from './renderFigure.js';
import { reportHtml } from './reportHtml.js';
import { figureFileName } from './reportLabels.js';

/** Options of `writeStudyFiles`. */
export interface WriteStudyFilesOptions {
  /** Also write the HTML report `index.html`. Default false. */
  report?: boolean;
  /** Title of results.md and of the report. Default: the study's title (one study) or 'lipkit report'. */
  title?: string;
  /** Introduction paragraphs (plain text) of results.md and the report. Default none. */
  intro?: string;
  /** Markdown appended to results.md (a study's own detailed tables). Default none. */
  markdownExtra?: string;
  /** lipkit version printed in the report. Default: the version in lipkit's package.json. */
  version?: string;
  /** When the report was made. Default now. */
  generated?: Date;
  /** The flag named in errors about `dir`. Default '--out'. */
  argument?: string;
  /** More files written with the outputs, at paths under `models/` (e.g. a saved model: `models/two-moons/model.json`). Default none. */
  extraFiles?: { path: string; content: string | Uint8Array }[];
}

/** What `writeStudyFiles` wrote. */
export interface WrittenStudyFiles {
  /** The output directory, absolute. */
  dir: string;
  /** Every file written, absolute (figures first, index.html last). */
  files: string[];
}

function lipkitVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    return pkg.name === 'lipkit' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Moves the finished `temp` directory to `abs`, replacing a previous output directory there. Synchronous on purpose: no signal handler runs in between. */
function swapIntoPlace(temp: string, abs: string, tag: string): void {
  if (!existsSync(abs)) {
    renameSync(temp, abs);
    return;
  }
  const old = `${abs}.old-${tag}`;
  renameSync(abs, old);
  try {
    renameSync(temp, abs);
  } catch (e) {
    renameSync(old, abs);
    throw e;
  }
  try { rmSync(old, { recursive: true, force: true }); } catch { /* the new outputs are in place; a leftover is removed by the next run */ }
}

/** Validates `options.extraFiles`: relative paths under `models/`, without `..`, with string or byte content. */
function checkExtraFiles(files: unknown): { path: string; content: string | Uint8Array }[] {
  if (!Array.isArray(files)) throw new LipkitError('options.extraFiles', 'must be an array of { path, content }');
  return files.map((f: unknown, i) => {
    const { path, content } = (f ?? {}) as { path?: unknown; content?: unknown };
    if (typeof path !== 'string' || !/^models\/[\w.\-/]+$/.test(path) || path.split('/').some((p) => p === '..' || p === '.' || p === '')) {
      throw new LipkitError(`options.extraFiles[${i}].path`, `must be a relative path under models/, got ${JSON.stringify(path)}`);
    }
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) throw new LipkitError(`options.extraFiles[${i}].content`, 'must be a string or a Uint8Array');
    return { path, content };
  });
}

/**
 * Writes a study's (or several studies') outputs to `dir`: `results.json` (one study: its
 * `StudyOutput`; several: `{ studies: [...] }`), `results.md` (`resultsMarkdown`),
 * `figures/<study>-<id>.svg` for every figure, `extraFiles` (under `models/`), and with `report: true` the self-contained
 * `index.html` (`reportHtml`), and the marker `.lipkit-output` listing every file written.
 * `dir` is lipkit's output folder: a previous lipkit output there (one with the marker and
 * nothing the marker does not list) is replaced as a whole, and any other non-empty directory
 * is refused (`checkOutputDirectory`, `LipkitError('--out')`, checked before anything is
 * rendered and again just before the swap).
 *
 * Atomic: everything is written to a fresh sibling `<dir>.partial-<pid>-<random>` and renamed into
 * place at the end, so `dir` holds either the previous complete output or the new complete
 * one. On an error, or on SIGINT/SIGTERM/SIGHUP while writing (`withCleanupOnInterrupt`), the
 * partial directory is removed. lipkit deletes only directories this process created (its
 * own partial directory, and the previous output it moved aside); a partial directory left by
 * a process killed outright (kill -9) stays until you remove it. Node-only.
 */
export async function writeStudyFiles(outputs: readonly StudyOutput[], dir: string, options: WriteStudyFilesOptions = {}): Promise<WrittenStudyFiles> {
  checkStudyOutputs('outputs', outputs);
  const abs = checkOutputDirectory(dir, options.argument ?? '--out');
  const extras = checkExtraFiles(options.extraFiles ?? []);
  const svgs = await renderStudyFigures(outputs);
  mkdirSync(dirname(abs), { recursive: true });
  // created atomically under a fresh name, so that the cleanup below removes only what this process made
  const temp = mkdtempSync(`${abs}.partial-${process.pid}-`);
  const tag = `${temp.slice(abs.length + '.partial-'.length)}-${randomBytes(2).toString('hex')}`;
  return withCleanupOnInterrupt(temp, async (guard) => {
    const written: string[] = [];
    const put = async (name: string, content: () => string | Uint8Array): Promise<void> => {
      guard.throwIfInterrupted();
      const text = content();
      await writeFile(join(temp, name), text);
      guard.throwIfInterrupted();
      written.push(name);
    };
    if (outputs.some((o) => o.figures.length > 0)) await mkdir(join(temp, 'figures'));
    for (const [i, o] of outputs.entries()) {
      for (const [j, f] of o.figures.entries()) await put(figureFileName(o.study, f.id), () => svgs[i][j]);
    }
    for (const f of extras) {
      await mkdir(dirname(join(temp, f.path)), { recursive: true });
      await put(f.path, () => f.content);
    }
    const text = { title: options.title, intro: options.intro };
    await put('results.md', () => resultsMarkdown(outputs, { ...text, extra: options.markdownExtra }));
    await put('results.json', () => `${JSON.stringify(outputs.length === 1 ? outputs[0] : { studies: outputs }, null, 1)}\n`);
    if (options.report === true) {
      await put('index.html', () => reportHtml(outputs, { ...text, svgs, version: options.version ?? lipkitVersion(), generated: options.generated }));
    }
    await writeFile(join(temp, OUTPUT_MARKER), outputMarkerText(written, options.version ?? lipkitVersion()));
    guard.throwIfInterrupted();
    checkOutputDirectory(abs, options.argument ?? '--out'); // again: the directory may have changed while we rendered
    swapIntoPlace(temp, abs, tag);
    return { dir: abs, files: written.map((f) => join(abs, f)) };
  });
}
