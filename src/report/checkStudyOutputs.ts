import { LipkitError } from '../util/errors.js';
import type { StudyOutput } from '../studies/study.js';

/** Names that become file names and page anchors: a letter or digit, then letters, digits, `.`, `_`, `-`. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Checks what the report needs of `StudyOutput`s before anything is rendered or written:
 * a non-empty array; study names file-name-safe and unique; figure ids file-name-safe and
 * unique within their study; string title, summary; claims, tables and figures arrays;
 * every table row as long as its columns. Throws `LipkitError(name + '[i]...')`.
 */
export function checkStudyOutputs(name: string, outputs: unknown): asserts outputs is StudyOutput[] {
  if (!Array.isArray(outputs) || outputs.length === 0) throw new LipkitError(name, 'must be a non-empty array of study outputs');
  const studies = new Set<string>();
  outputs.forEach((o: StudyOutput, i) => {
    const at = `${name}[${i}]`;
    if (o === null || typeof o !== 'object') throw new LipkitError(at, 'must be a StudyOutput object');
    if (typeof o.study !== 'string' || !SAFE_NAME.test(o.study)) {
      throw new LipkitError(`${at}.study`, `must be a file-name-safe name (letters, digits, . _ -), got ${JSON.stringify(o.study)}`);
    }
    if (studies.has(o.study)) throw new LipkitError(`${at}.study`, `"${o.study}" appears twice; study names must be unique in one report`);
    studies.add(o.study);
    for (const key of ['title', 'summary', 'mode'] as const) {
      if (typeof o[key] !== 'string') throw new LipkitError(`${at}.${key}`, 'must be a string');
    }
    for (const key of ['claims', 'tables', 'figures', 'records'] as const) {
      if (!Array.isArray(o[key])) throw new LipkitError(`${at}.${key}`, 'must be an array');
    }
    o.tables.forEach((t, k) => {
      if (!Array.isArray(t.columns) || !Array.isArray(t.rows)) throw new LipkitError(`${at}.tables[${k}]`, 'must have columns and rows arrays');
      t.rows.forEach((r, m) => {
        if (!Array.isArray(r) || r.length !== t.columns.length) {
          throw new LipkitError(`${at}.tables[${k}].rows[${m}]`, `must have ${t.columns.length} cells (one per column), got ${Array.isArray(r) ? r.length : typeof r}`);
        }
      });
    });
    const ids = new Set<string>();
    o.figures.forEach((f, j) => {
      if (typeof f.id !== 'string' || !SAFE_NAME.test(f.id)) {
        throw new LipkitError(`${at}.figures[${j}].id`, `must be a file-name-safe id (letters, digits, . _ -), got ${JSON.stringify(f.id)}`);
      }
      if (ids.has(f.id)) throw new LipkitError(`${at}.figures[${j}].id`, `"${f.id}" appears twice in study "${o.study}"`);
      ids.add(f.id);
    });
  });
}
