import * as arrow from 'apache-arrow';
import type { OptionKeys } from '../options.js';
import { daysToIsoDate, MS_PER_DAY } from '../types/date.js';

export interface ShowOptions {
  /** Rows printed at most (default 40): a longer result prints its first and last halves. */
  readonly maxRows?: number;
  /** Characters a cell may take before it is cut with '…' (default 40). */
  readonly maxWidth?: number;
}

export const SHOW_OPTIONS: OptionKeys<ShowOptions> = { maxRows: true, maxWidth: true };

/** Tessera's name of an Arrow column type (src/io/arrow.ts maps them the same way), '?' when nullable. */
function typeName(field: arrow.Field): string {
  const t = field.type;
  let name: string;
  if (arrow.DataType.isFloat(t)) name = t.precision === arrow.Precision.SINGLE ? 'float32' : 'float64';
  else if (arrow.DataType.isInt(t)) name = t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned) ? 'int32' : 'int64';
  else if (arrow.DataType.isBool(t)) name = 'bool';
  else if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t) || arrow.DataType.isDictionary(t)) name = 'string';
  else if (arrow.DataType.isDate(t)) name = 'date';
  else name = String(t);
  return field.nullable ? `${name}?` : name;
}

const NUMERIC = new Set(['float64', 'float32', 'int32', 'int64']);

/** The text of one cell: NULL for a null, dates as YYYY-MM-DD, control characters escaped. */
function cellText(v: unknown, type: arrow.DataType, maxWidth: number): string {
  let s: string;
  if (v === null || v === undefined) s = 'NULL';
  else if (arrow.DataType.isDate(type)) s = daysToIsoDate(Math.floor(Number(v) / MS_PER_DAY));
  else s = String(v).replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
  return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
}

/**
 * A result as a box of columns, their types and rows, as DuckDB's shell prints one:
 * numbers right-aligned, NULL for nulls, and a footer with the row and column counts.
 * Takes the Arrow table `collect()` returns (or any Arrow table).
 */
export function formatTable(table: arrow.Table, options: ShowOptions = {}): string {
  const maxRows = Math.max(2, options.maxRows ?? 40);
  const maxWidth = Math.max(4, options.maxWidth ?? 40);
  const fields = table.schema.fields;
  const n = table.numRows;
  const shown = n <= maxRows ? [...Array(n).keys()] : [...Array(Math.ceil(maxRows / 2)).keys(), ...Array.from({ length: Math.floor(maxRows / 2) }, (_, k) => n - Math.floor(maxRows / 2) + k)];
  const columns = fields.map((f, c) => {
    const vector = table.getChildAt(c)!;
    return shown.map((r) => cellText(vector.get(r), f.type, maxWidth));
  });
  const types = fields.map(typeName);
  const right = types.map((t) => NUMERIC.has(t.replace('?', '')));
  const widths = fields.map((f, c) => Math.max(f.name.length, types[c].length, ...columns[c].map((s) => s.length)));
  const center = (s: string, w: number) => {
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const row = (cells: string[]) => `│${cells.map((s) => ` ${s} `).join('│')}│`;
  const out = [line('┌', '┬', '┐'), row(fields.map((f, c) => center(f.name, widths[c]))), row(types.map((t, c) => center(t, widths[c]))), line('├', '┼', '┤')];
  shown.forEach((r, k) => {
    if (k > 0 && r !== shown[k - 1] + 1) out.push(row(widths.map((w) => center('·', w))));
    out.push(row(columns.map((col, c) => (right[c] ? col[k].padStart(widths[c]) : col[k].padEnd(widths[c])))));
  });
  out.push(line('└', '┴', '┘'));
  const rowsText = `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}${shown.length < n ? ` (${shown.length} shown)` : ''}`;
  out.push(`  ${rowsText}, ${fields.length} ${fields.length === 1 ? 'column' : 'columns'}`);
  return out.join('\n');
}

/** Prints `formatTable(table)` to standard output. */
export function show(table: arrow.Table, options?: ShowOptions): void {
  console.log(formatTable(table, options));
}
