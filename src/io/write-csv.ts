import { closeSync, openSync, writeSync } from 'node:fs';
import { type Batch, batchesOfAtMost } from '../data/batch.js';
import type { Column } from '../data/column.js';
import { SourceError } from '../errors.js';
import type { OptionKeys } from '../options.js';
import { daysToIsoDate } from '../types/date.js';
import { formatFloat } from '../types/float-text.js';
import type { RelationSchema } from '../types/schema.js';

export interface CsvWriteOptions {
  /** One character; default ','. */
  readonly delimiter?: string;
  /** Whether the first line names the columns (default true). */
  readonly header?: boolean;
  /** The text written for a null, unquoted (default ''). */
  readonly nullValue?: string;
}

export const CSV_WRITE_OPTIONS: OptionKeys<CsvWriteOptions> = { delimiter: true, header: true, nullValue: true };

/** Rows rendered and written at a time: the file is written as it is rendered, never held whole. */
const ROWS_PER_WRITE = 65_536;

/**
 * Writes batches as CSV (RFC 4180), the dialect src/io/csv.ts reads and DuckDB and pandas
 * read by default: a null is `nullValue` unquoted (empty by default), so a string that is
 * empty, or equal to `nullValue`, or holds the delimiter, a quote or a line end, is quoted;
 * floats as DuckDB prints them, in the shortest form that reads back to the same value
 * (`2.0`, `0.1`, `1e+16`, `-0.0`, `nan`, `inf`, `-inf`), dates as YYYY-MM-DD, booleans as
 * true/false. Lines end in LF.
 */
export function writeCsvFile(path: string, schema: RelationSchema, batches: readonly Batch[], options: CsvWriteOptions = {}): number {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new SourceError(path, `writeCsv: delimiter must be one character other than a quote or a line end, got '${delimiter}'`);
  }
  const nullValue = options.nullValue ?? '';
  if (/["\r\n]/.test(nullValue) || nullValue.includes(delimiter)) {
    throw new SourceError(path, `writeCsv: nullValue must not hold a quote, a line end or the delimiter, got '${nullValue}'`);
  }
  const needsQuotes = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
  const quote = (s: string) => (s === '' || s === nullValue || needsQuotes.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new SourceError(path, `writeCsv: cannot open the file for writing (${(e as Error).message})`);
  }
  let rows = 0;
  try {
    if (options.header ?? true) writeSync(fd, `${schema.fields.map((f) => quote(f.name)).join(delimiter)}\n`);
    for (const chunk of batchesOfAtMost(batches, ROWS_PER_WRITE)) {
      const cells = chunk.columns.map((c) => cellTexts(c, quote, nullValue));
      const lines = new Array<string>(chunk.length);
      for (let r = 0; r < chunk.length; r++) {
        let line = cells[0]?.[r] ?? '';
        for (let c = 1; c < cells.length; c++) line += delimiter + cells[c][r];
        lines[r] = line;
      }
      writeSync(fd, `${lines.join('\n')}\n`);
      rows += chunk.length;
    }
  } catch (e) {
    throw new SourceError(path, `writeCsv: writing failed after ${rows} rows (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  return rows;
}

/** Each row's field text of one column. */
function cellTexts(col: Column, quote: (s: string) => string, nullValue: string): string[] {
  const out = new Array<string>(col.length);
  const values = col.values;
  const valid = col.validity;
  // Strings: each dictionary entry is quoted once.
  const dictionary = col.dtype === 'string' ? (col.dictionary ?? []).map(quote) : null;
  for (let r = 0; r < col.length; r++) {
    if (valid && !valid[r]) {
      out[r] = nullValue;
      continue;
    }
    const v = values[r];
    switch (col.dtype) {
      case 'string':
        out[r] = dictionary![v];
        break;
      case 'bool':
        out[r] = v ? 'true' : 'false';
        break;
      case 'date':
        out[r] = daysToIsoDate(v);
        break;
      case 'float64':
      case 'float32':
        out[r] = formatFloat(v);
        break;
      default:
        out[r] = String(v);
    }
  }
  return out;
}
