import { LipkitError } from '../util/errors.js';

/** A parsed CSV table: the header row and the data rows, as strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/**
 * Parses comma-separated text (RFC 4180: double-quoted fields may hold commas, quotes doubled,
 * and line breaks; `\n` or `\r\n` line ends; a final line end optional). The first row is the
 * header. Every row must have as many fields as the header. Blank lines are skipped.
 * Errors: LipkitError naming `name` (empty text, ragged row with its line number, open quote).
 */
export function parseCsv(text: string, name = 'text'): CsvTable {
  if (typeof text !== 'string') throw new LipkitError(name, 'must be a string');
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new LipkitError(name, `unterminated quoted field starting on line ${recordLine}`);
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  if (records.length === 0) throw new LipkitError(name, 'is empty (no header row)');
  const header = records[0].fields;
  const rows = records.slice(1).map(({ fields: f, line: l }) => {
    if (f.length !== header.length) throw new LipkitError(name, `line ${l} has ${f.length} fields, the header has ${header.length}`);
    return f;
  });
  return { header, rows };
}
