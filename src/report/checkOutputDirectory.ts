import { existsSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { LipkitError } from '../util/errors.js';

/** What lipkit writes into an output directory (and so may replace there); `models/` holds the demo's saved models. */
export const OUTPUT_ENTRIES = ['results.json', 'results.md', 'index.html', 'figures', 'models'] as const;

/** Entries of an existing output directory that lipkit did not write (`figures/` may hold .svg files only). */
function foreignEntries(dir: string): string[] {
  const foreign: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'figures' && statSync(path).isDirectory()) {
      foreign.push(...readdirSync(path).filter((f) => !f.endsWith('.svg')).map((f) => `figures/${f}`));
    } else if (!(OUTPUT_ENTRIES as readonly string[]).includes(name) || name === 'figures') {
      foreign.push(name);
    }
  }
  return foreign;
}

function isSameOrAncestor(dir: string, of: string): boolean {
  const rel = relative(dir, of);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks, in milliseconds and before a long study runs, that `dir` can become lipkit's output
 * directory; returns its absolute path (symbolic links resolved). Call it from the CLI before
 * running anything with `--out`. Throws `LipkitError('--out', ...)` when `dir`
 * - is empty, the filesystem root, the current directory or one of its parents;
 * - exists and is not a directory, or is a directory holding anything besides lipkit's
 *   outputs (results.json, results.md, index.html, figures/*.svg, models/): lipkit replaces its
 *   output directory as a whole, so it refuses to touch other files;
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
    let foreign: string[];
    try {
      foreign = foreignEntries(abs);
    } catch (e) {
      throw new LipkitError(argument, `cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (foreign.length > 0) {
      const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, ... (${foreign.length} in all)` : '');
      throw new LipkitError(argument, `${dir} holds files lipkit did not write (${shown}); lipkit replaces its output directory as a whole: choose a new or empty directory`);
    }
  }
  let ancestor = dirname(abs);
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  if (!statSync(ancestor).isDirectory()) throw new LipkitError(argument, `${dir}: ${ancestor} is not a directory`);
  try {
    rmdirSync(mkdtempSync(join(ancestor, `.${basename(abs)}.probe-`)));
  } catch (e) {
    throw new LipkitError(argument, `cannot write to ${ancestor} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return abs;
}
