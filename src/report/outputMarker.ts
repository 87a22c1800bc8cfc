import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file lipkit writes into every output directory it creates, naming what it wrote there. */
export const OUTPUT_MARKER = '.lipkit-output';
/** The marker's signature: a directory is lipkit's only when its marker carries it. */
export const OUTPUT_SIGNATURE = 'lipkit output directory, v1';

/** Contents of `.lipkit-output` (JSON). */
export interface OutputMarker {
  signature: typeof OUTPUT_SIGNATURE;
  /** lipkit version that wrote the directory. */
  version: string;
  /** When it was written (ISO 8601). */
  written: string;
  /** Every file lipkit wrote, relative, with '/' separators (the marker itself excluded). */
  files: string[];
}

/** The marker's text for a directory holding `files`. */
export function outputMarkerText(files: readonly string[], version: string, written = new Date()): string {
  const marker: OutputMarker = { signature: OUTPUT_SIGNATURE, version, written: written.toISOString(), files: [...files] };
  return `${JSON.stringify(marker, null, 1)}\n`;
}

/** Largest marker read (a real one lists a few dozen files). */
const MAX_MARKER_BYTES = 1 << 20;
/** Most entries listed when comparing a directory with its marker. */
const MAX_ENTRIES = 100_000;

/** Reads `dir`'s marker; null when it is missing, not a regular file, too large, or not lipkit's. */
export function readOutputMarker(dir: string): OutputMarker | null {
  const path = join(dir, OUTPUT_MARKER);
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size > MAX_MARKER_BYTES) return null;
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<OutputMarker> | null;
    if (m === null || typeof m !== 'object' || m.signature !== OUTPUT_SIGNATURE || !Array.isArray(m.files)
      || m.files.some((f) => typeof f !== 'string')) return null;
    return m as OutputMarker;
  } catch {
    return null;
  }
}

/**
 * Entries of `dir` (recursively, without following symbolic links) that its marker does not
 * account for: files not listed, symbolic links and special files anywhere (lipkit writes
 * none), directories that hold no listed file. Stops after `limit` findings.
 */
export function unlistedEntries(dir: string, marker: OutputMarker, limit = 3): string[] {
  const listed = new Set(marker.files);
  const parents = new Set(marker.files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const found: string[] = [];
  let seen = 0;
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel === '' ? dir : join(dir, rel))) {
      if (found.length >= limit || ++seen > MAX_ENTRIES) return;
      const r = rel === '' ? name : `${rel}/${name}`;
      if (r === OUTPUT_MARKER) continue;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory() && parents.has(r)) walk(r);
      else if (!(st.isFile() && listed.has(r))) found.push(st.isDirectory() ? `${r}/` : r);
    }
  };
  walk('');
  if (seen > MAX_ENTRIES) found.push(`(more than ${MAX_ENTRIES} entries)`);
  return found;
}
