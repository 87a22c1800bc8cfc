import { existsSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { LipkitError } from '../util/errors.js';
import { OUTPUT_MARKER, readOutputMarker, unlistedEntries } from './outputMarker.js';

/** What lipkit writes into an output directory; `models/` holds the demo's saved models. Every file written is listed in the `.lipkit-output` marker. */
export const OUTPUT_ENTRIES = ['results.json', 'results.md', 'index.html', 'figures', 'models', OUTPUT_MARKER] as const;

function isSameOrAncestor(dir: string, of: string): boolean {
  const rel = relative(dir, of);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** Why an existing directory may not be replaced, or null when it may (empty, or lipkit's own and unchanged but for its files). */
function whyNotReplaceable(dir: string, shown: string): string | null {
  if (readdirSync(dir).length === 0) return null;
  const marker = readOutputMarker(dir);
  if (marker === null) {
    return `${shown} exists and was not written by lipkit (no ${OUTPUT_MARKER} marker); lipkit replaces its output directory as a whole, `
      + 'so it replaces only its own: choose a new or empty directory';
  }
  const foreign = unlistedEntries(dir, marker);
  if (foreign.length === 0) return null;
  return `${shown} holds files lipkit did not write (${foreign.join(', ')}${foreign.length >= 3 ? ', ...' : ''}); `
    + 'lipkit replaces its output directory as a whole: move them or choose a new directory';
}

/**
 * Checks, in milliseconds and before a long study runs, that `dir` can become lipkit's output
 * directory; returns its absolute path (symbolic links resolved). Call it from the CLI before
 * running anything with `--out`. lipkit replaces its output directory as a whole, so an
 * existing directory is accepted only when it is empty or carries lipkit's `.lipkit-output`
 * marker (written into every output directory lipkit creates, listing its files) and holds
 * nothing the marker does not list. Throws `LipkitError(argument, ...)` (one line) when `dir`
 * - is empty, the filesystem root, the current directory or one of its parents;
 * - exists and is not a directory;
 * - is a non-empty directory without lipkit's marker (a user's folder, or the output of a
 *   lipkit older than the marker), or holds files its marker does not list;
 * - or cannot be written: its parent (or nearest existing ancestor, where missing parents
 *   would be created) does not accept a new entry (probed by creating and removing one).
 */
export function checkOutputDirectory(dir: string, argument = '--out'): string {
  if (typeof dir !== 'string' || dir.trim() === '') throw new LipkitError(argument, 'must be a directory path');
  let abs = resolve(dir);
  if (existsSync(abs)) abs = realpathSync(abs);
  if (dirname(abs) === abs || isSameOrAncestor(abs, process.cwd())) {
    throw new LipkitError(argument, `${dir} is the current directory or one of its parents; lipkit replaces its output directory as a whole, so give a dedicated one (e.g. lipkit-report)`);
  }
  if (existsSync(abs)) {
    if (!lstatSync(abs).isDirectory()) throw new LipkitError(argument, `${dir} exists and is not a directory`);
    let why: string | null;
    try {
      why = whyNotReplaceable(abs, dir);
    } catch (e) {
      throw new LipkitError(argument, `cannot read ${dir} (${codeOf(e)})`);
    }
    if (why !== null) throw new LipkitError(argument, why);
  }
  let ancestor = dirname(abs);
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  if (!statSync(ancestor).isDirectory()) throw new LipkitError(argument, `${dir}: ${ancestor} is not a directory`);
  try {
    rmdirSync(mkdtempSync(join(ancestor, `.${basename(abs)}.probe-`)));
  } catch (e) {
    throw new LipkitError(argument, `cannot write to ${ancestor} (${codeOf(e)})`);
  }
  return abs;
}
