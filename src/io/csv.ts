/**
 * CSV sources. The dialect, and how it compares with DuckDB's read_csv:
 *
 * - Fields follow RFC 4180: a field may be quoted, `""` in a quoted field is a quote,
 *   and a quoted field may hold delimiters and line ends. A quoted field is never null.
 * - Lines end in LF, CRLF or CR alone. The first line end outside quotes sets the kind:
 *   LF and CRLF may then mix (DuckDB rejects that mix; nothing is ambiguous in it), but a
 *   lone CR in an LF/CRLF file, or an LF in a CR file, is an error naming the line
 *   (DuckDB rejects mixed line ends too): it could be data or a line end, and guessing
 *   either way could change a value or a row count silently.
 * - The line end of the last line is optional and never starts an extra row.
 * - Blank lines: in a one-column file (after its header, or its first row without one) a
 *   blank line is a row with one empty field, so a null by default: `a\n1\n\n3\n` reads as
 *   [1, null, 3], as DuckDB reads it and as DuckDB's and pandas' writers write a null.
 *   In a file of several columns a blank line is skipped, as DuckDB skips it (a row of
 *   nulls there is written `,`). Blank lines before the header (or first row) are
 *   skipped in every file, as DuckDB skips them.
 * - Integers are kept exact or refused, never rounded: a column whose values are all
 *   integers infers as int32 or int64 even when a value lies beyond ±2^53, the exact
 *   range of Tessera's int64 (a float64), and loading such a value raises a SourceError
 *   naming the line, the column and the value, as the Parquet and Arrow readers do. (Two
 *   ids that differ beyond 2^53 would otherwise merge into one float.) Declare the column
 *   'string' to keep such ids, or 'float64' to accept rounding. DuckDB infers BIGINT
 *   there, or DOUBLE beyond ±2^63; Tessera refuses both.
 */
import { basename, resolve } from 'node:path';
import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import { allocUint8Array } from '../data/column-memory.js';
import { NullValueError, SourceError } from '../errors.js';
import { type ColSpec, type DType, parseColSpec } from '../types/dtype.js';
import type { Field } from '../types/schema.js';
import { integerTextWithinInt64 } from '../types/int64.js';
import type { TableSource } from '../plan/source.js';
import { makeSource, readSourceFile } from './columns.js';

export interface CsvSourceOptions {
  /** Declared columns (by header name, or in order when there is no header); others are skipped. */
  schema?: Record<string, ColSpec>;
  /** One character; default ','. */
  delimiter?: string;
  /** Whether the first row names the columns (default true); without one columns are column0, column1, ... */
  header?: boolean;
  /** Unquoted fields that mean null (default ['']); a quoted field is never null. */
  nullValues?: string[];
  name?: string;
  primaryKey?: string[];
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Growable Int32Array: the tokenizer does not know the row count in advance. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * The fields of a CSV text as [start, end) offsets into it, row-major, without
 * building strings: columns are materialized later, only those a load asks for.
 * `flags`: 0 plain, 1 quoted, 2 quoted with escaped quotes ("").
 */
interface Tokens {
  readonly rows: number;
  readonly width: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly flags: Int32Array;
  /** The line each row starts on (1-based). */
  readonly lines: Int32Array;
  readonly header: string[] | null;
}

/**
 * RFC 4180 fields (see the rules at the top of this file), as offsets. Every row is
 * checked to have the header's (or the first row's) number of fields.
 */
function tokenize(text: string, delimiter: number, hasHeader: boolean, file: string): Tokens {
  const starts = new IntList();
  const ends = new IntList();
  const flags = new IntList();
  const lines = new IntList();
  const len = text.length;
  let header: string[] | null = null;
  let width = -1;
  let line = 1;
  /** The file's line end, known from its first one outside quotes: LF (LF or CRLF) or CR. */
  let eol: 'lf' | 'cr' | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  const colName = (k: number) => (header ? header[k] : `column${k}`) ?? `column${k}`;
  /**
   * The length of the line end at `at` (0 when there is none), fixing the file's kind
   * of line end at the first one. A lone CR in a file whose lines end in LF or CRLF, or
   * an LF in one whose lines end in CR, is ambiguous (data or a line end: RFC 4180 wants
   * such a field quoted) and is an error, not a guess; a CR at the very end of the file
   * ends its last line in either kind.
   */
  const lineEnd = (at: number): number => {
    const c = text.charCodeAt(at);
    if (c === LF) {
      if (eol === 'cr') throw new SourceError(file, `line ${line}: a line feed outside quotes in a file whose lines end in CR alone (mixed line ends; quote a field that holds one)`);
      eol = 'lf';
      return 1;
    }
    if (c !== CR) return 0;
    if (text.charCodeAt(at + 1) === LF) {
      if (eol === 'cr') throw new SourceError(file, `line ${line}: a CRLF line end in a file whose lines end in CR alone (mixed line ends)`);
      eol = 'lf';
      return 2;
    }
    if (at + 1 === len) return 1;
    if (eol === 'lf') throw new SourceError(file, `line ${line}: a carriage return outside quotes in a file whose lines end in LF or CRLF (mixed line ends; quote a field that holds one)`);
    eol = 'cr';
    return 1;
  };
  while (i < len) {
    // A blank line: a row with one empty field in a one-column file (DuckDB's and pandas'
    // writers write a null that way), skipped otherwise (as DuckDB's read_csv does).
    const blank = lineEnd(i);
    if (blank > 0 && width !== 1) {
      i += blank;
      line++;
      continue;
    }
    const rowLine = line;
    let fields = 0;
    for (;;) {
      let start = i;
      let end: number;
      let flag = 0;
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        flag = 1;
        start = ++i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new SourceError(file, `line ${quoteLine}, column '${colName(fields)}': unterminated quoted field`);
          const newline = eol === 'cr' ? CR : LF;
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === newline) line++;
          if (text.charCodeAt(q + 1) === QUOTE) {
            flag = 2;
            i = q + 2;
            continue;
          }
          end = q;
          i = q + 1;
          break;
        }
        const c = text.charCodeAt(i);
        if (i < len && c !== delimiter && c !== LF && c !== CR) {
          throw new SourceError(file, `line ${line}, column '${colName(fields)}': unexpected character after a closing quote`);
        }
      } else {
        for (let c = text.charCodeAt(i); i < len && c !== delimiter && c !== LF && c !== CR; c = text.charCodeAt(++i));
        end = i;
      }
      starts.push(start);
      ends.push(end);
      flags.push(flag);
      fields++;
      if (i < len && text.charCodeAt(i) === delimiter) {
        i++;
        continue;
      }
      if (i < len) {
        i += lineEnd(i);
        line++;
      }
      break;
    }
    if (width < 0) {
      width = fields;
      if (hasHeader) {
        header = [];
        for (let k = 0; k < fields; k++) {
          const name = fieldText(text, starts.data, ends.data, flags.data, k) || `column${k}`;
          if (header.includes(name)) throw new SourceError(file, `line ${rowLine}: duplicate column name '${name}' in the header`);
          header.push(name);
        }
        starts.length = ends.length = flags.length = 0;
        continue;
      }
    } else if (fields !== width) {
      const detail = fields < width ? `column '${colName(fields)}' is missing` : `extra field after column '${colName(width - 1)}'`;
      throw new SourceError(file, `line ${rowLine}: expected ${width} fields, found ${fields} (${detail})`);
    }
    lines.push(rowLine);
  }
  return {
    rows: lines.length,
    width: Math.max(width, 0),
    starts: starts.data,
    ends: ends.data,
    flags: flags.data,
    lines: lines.data,
    header,
  };
}

function fieldText(text: string, starts: ArrayLike<number>, ends: ArrayLike<number>, flags: ArrayLike<number>, k: number): string {
  const s = text.slice(starts[k], ends[k]);
  return flags[k] === 2 ? s.replaceAll('""', '"') : s;
}

const INT = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const SPECIAL_FLOAT = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;
const BOOL = /^\s*(true|false)\s*$/i;
const DATE = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/;

function parseFloat64(s: string): number | undefined {
  if (FLOAT.test(s)) return Number(s);
  const m = SPECIAL_FLOAT.exec(s);
  if (!m) return undefined;
  return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a valid YYYY-MM-DD (arithmetic, as Date.UTC maps years 0-99 to 19xx). */
function parseDays(s: string): number | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  let y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : MONTH_DAYS[mo - 1])) return undefined;
  // Days from civil (H. Hinnant): years start in March so leap days fall at the end.
  if (mo <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}


/** Why `s` does not parse as `dtype`, when it is an integer out of range, for the error. */
function outOfRange(dtype: DType, s: string): string {
  if (!INT.test(s)) return '';
  if (dtype === 'int32') return ' (outside the int32 range)';
  if (dtype === 'int64') {
    return " (beyond ±2^53, the exact range of int64; declare the column 'string' to keep it exact, or 'float64' to accept rounding)";
  }
  return '';
}

/** The numeric storage value of `s` as `dtype`, or undefined when it does not parse (strings are handled apart). */
function parseAs(dtype: DType, s: string): number | undefined {
  switch (dtype) {
    case 'int32': {
      const v = INT.test(s) ? Number(s) : NaN;
      return (v | 0) === v ? v : undefined;
    }
    case 'int64': {
      if (!INT.test(s)) return undefined;
      const v = Number(s);
      return integerTextWithinInt64(s, v) ? v : undefined;
    }
    case 'float64':
    case 'float32':
      return parseFloat64(s);
    case 'bool': {
      const m = BOOL.exec(s);
      return m ? (m[1].toLowerCase() === 'true' ? 1 : 0) : undefined;
    }
    case 'date':
      return parseDays(s);
    case 'string':
      return undefined;
  }
}

/** Inference order: the first dtype every non-null value parses as; string when none does. */
const INFER_ORDER: readonly DType[] = ['int32', 'int64', 'float64', 'bool', 'date'];

/**
 * The dtypes `s` parses as, as a bit mask over INFER_ORDER (one or two regex tests).
 * Every integer counts as an int64, also one beyond ±2^53: a column of integers infers
 * as int64, whose load then refuses that value, rather than as a float64 rounding it.
 */
function accepted(s: string): number {
  if (INT.test(s)) {
    const v = Number(s);
    return ((v | 0) === v ? 1 : 0) | 2 | 4;
  }
  if (parseFloat64(s) !== undefined) return 4;
  if (BOOL.test(s)) return 8;
  return parseDays(s) !== undefined ? 16 : 0;
}

/**
 * A source over a CSV file. The file is read and tokenized at construction (so the
 * schema, inferred or declared, and structural errors are known at once); values are
 * parsed into columns on the first load that asks for them.
 */
export function csvSource(path: string, opts: CsvSourceOptions = {}): TableSource {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new SourceError(path, `delimiter must be one character other than a quote or newline, got '${delimiter}'`);
  }
  const text = readSourceFile(path).toString('utf8');
  const tokens = tokenize(text, delimiter.charCodeAt(0), opts.header ?? true, path);
  const names = tokens.header ?? Array.from({ length: tokens.width }, (_, k) => `column${k}`);
  const nulls = new Set(opts.nullValues ?? ['']);
  const { rows, width, starts, ends, flags } = tokens;

  // Length first: most fields are not null, and this avoids slicing them.
  const nullLengths = new Set([...nulls].map((s) => s.length));
  const isNull = (k: number) => flags[k] === 0 && nullLengths.has(ends[k] - starts[k]) && nulls.has(text.slice(starts[k], ends[k]));
  const failAt = (r: number, name: string, detail: string) => new SourceError(path, `line ${tokens.lines[r]}, column '${name}': ${detail}`);

  const infer = (j: number): Field => {
    let nullable = false;
    let mask = -1; // -1 until the first non-null value
    for (let r = 0, k = j; r < rows; r++, k += width) {
      if (isNull(k)) nullable = true;
      else if (mask !== 0) mask = accepted(fieldText(text, starts, ends, flags, k)) & (mask === -1 ? 31 : mask);
      else if (nullable) break; // already a nullable string
    }
    // The lowest bit set is the first dtype in order; no non-null value gives a string column, as DuckDB does.
    const dtype = mask > 0 ? INFER_ORDER[31 - Math.clz32(mask & -mask)] : 'string';
    return { name: names[j], dtype, nullable };
  };

  // Declared columns map to file columns by header name, or by position without a header.
  const declared = opts.schema ? Object.entries(opts.schema) : null;
  const positions = declared
    ? declared.map(([name], p) => {
        const j = tokens.header ? names.indexOf(name) : p;
        if (j < 0 || j >= width) {
          throw new SourceError(path, `declared column '${name}' is not in the file (columns: ${names.map((n) => `'${n}'`).join(', ')})`);
        }
        return j;
      })
    : names.map((_, j) => j);
  const fields: Field[] = declared
    ? declared.map(([name, spec]) => ({ name, ...parseColSpec(spec, { operator: `${path} (schema)`, column: name }) }))
    : positions.map(infer);

  const build = (field: Field, j: number): Column => {
    // Shared memory: pipelines' worker threads read a source's columns where they are.
    const values = allocValues(field.dtype, rows, 'shared');
    let validity: Uint8Array | null = null;
    const dict = field.dtype === 'string' ? new DictionaryBuilder() : null;
    for (let r = 0, k = j; r < rows; r++, k += width) {
      if (isNull(k)) {
        if (!field.nullable) throw new NullValueError(path, field.name, r, field.dtype, tokens.lines[r]);
        validity ??= allocUint8Array(rows, 'shared').fill(1);
        validity[r] = 0;
        continue;
      }
      const s = fieldText(text, starts, ends, flags, k);
      if (dict) values[r] = dict.code(s);
      else {
        const v = parseAs(field.dtype, s);
        if (v === undefined) throw failAt(r, field.name, `cannot parse '${s}' as ${field.dtype}${outOfRange(field.dtype, s)}`);
        values[r] = v;
      }
    }
    return makeColumn(field.dtype, values, validity, dict?.values);
  };

  return makeSource({
    prefix: 'csv',
    name: opts.name ?? basename(path),
    file: resolve(path),
    fields,
    primaryKey: opts.primaryKey,
    batchLengths: [rows],
    loadColumns: (wanted) =>
      wanted.map((n) => {
        const f = fields.findIndex((x) => x.name === n);
        return [build(fields[f], positions[f])];
      }),
  });
}
