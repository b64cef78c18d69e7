/**
 * Normalizes DuckDB and Tessera results to plain rows and compares them, as multisets
 * or as sequences.
 *
 * Normalization (each an accepted representation difference, not a semantic one):
 * - BigInt (DuckDB BIGINT / HUGEINT, e.g. sum(INTEGER); Tessera's Arrow Int64) → Number;
 *   Tessera holds int64 as float64, exact up to 2^53, and the values here stay far below;
 * - -0 → 0 (DuckDB and Tessera agree that -0 = 0 in comparisons, grouping and sorting);
 *   numbers only: the text of a cast to VARCHAR keeps its sign ('-0.0'), as JavaScript
 *   can observe it (Object.is);
 * - Date (and DuckDB date values) → 'YYYY-MM-DD';
 * - the string '-nan' → 'nan': DuckDB prints a NaN with its sign bit set as '-nan' when it
 *   casts it to VARCHAR, and the NaN of 0/0 has it (x86's default NaN); JavaScript cannot
 *   observe a NaN's sign, so Tessera prints every NaN as 'nan' (applied to every string
 *   cell, on both sides, so an input string '-nan' echoed by both reads 'nan' too);
 * - result column types are compared by class only: int32/int64 ≈ INTEGER/BIGINT/HUGEINT,
 *   float64 ≈ DOUBLE (DuckDB widens sum(INTEGER) to HUGEINT, Tessera to int64).
 * Float cells are equal within a relative tolerance of 1e-9 (absolute 1e-9 near zero,
 * where summation order alone changes the last bits); integer cells must be exactly equal.
 */
import type { DType } from '../../src/index.js';
import type { Order } from './pair.js';

export type Norm = null | boolean | string | number;
export type ColumnKind = 'integer' | 'float' | 'string' | 'bool' | 'date' | 'other';

export interface ResultSet {
  readonly names: readonly string[];
  readonly kinds: readonly ColumnKind[];
  readonly rows: readonly (readonly Norm[])[];
}

export const REL_TOL = 1e-9;
export const ABS_TOL = 1e-9;

export function normalizeValue(v: unknown): Norm {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (typeof v === 'string') return v === '-nan' ? 'nan' : v;
  if (typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  // DuckDB value objects (dates, decimals, ...) print in a canonical form.
  if (typeof v === 'object' && v !== null && 'toString' in v) return `${String(v)}`;
  return String(v);
}

export function kindOfDuckType(t: string): ColumnKind {
  const u = t.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(u)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL.*)$/.test(u)) return 'float';
  if (u === 'VARCHAR') return 'string';
  if (u === 'BOOLEAN') return 'bool';
  if (u === 'DATE') return 'date';
  return 'other';
}

export function kindOfDType(d: DType): ColumnKind {
  switch (d) {
    case 'int32':
    case 'int64':
      return 'integer';
    case 'float32':
    case 'float64':
      return 'float';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'date':
      return 'date';
  }
}

export function numbersEqual(a: number, b: number, exact: boolean): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (exact || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(a - b);
  return diff <= ABS_TOL || diff <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

export function cellsEqual(a: Norm, b: Norm, kind: ColumnKind): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') return numbersEqual(a, b, kind === 'integer');
  return a === b;
}

export function rowsEqual(a: readonly Norm[], b: readonly Norm[], kinds: readonly ColumnKind[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!cellsEqual(a[i], b[i], kinds[i])) return false;
  return true;
}

function token(v: Norm, kind: ColumnKind): string {
  if (v === null) return '∅';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
    // Floats are rounded for the sort key only, so rows that differ by the tolerance sort alike.
    return kind === 'integer' || Number.isInteger(v) ? String(v) : v.toPrecision(8);
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Canonical text of a row: equal rows (up to the float tolerance, nearly always) share it. */
export function rowKey(row: readonly Norm[], kinds: readonly ColumnKind[]): string {
  return row.map((v, i) => token(v, kinds[i])).join('|');
}

export function formatRow(row: readonly Norm[]): string {
  return `(${row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')})`;
}

function sortedRows(rows: readonly (readonly Norm[])[], kinds: readonly ColumnKind[]): (readonly Norm[])[] {
  const keyed = rows.map((r) => ({ r, k: rowKey(r, kinds) }));
  keyed.sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
  return keyed.map((x) => x.r);
}

/** Rows of `a` with no partner in `b` (and vice versa), matched greedily within the tolerance. */
function unmatched(a: readonly (readonly Norm[])[], b: readonly (readonly Norm[])[], kinds: readonly ColumnKind[]): [(readonly Norm[])[], (readonly Norm[])[]] {
  // Bucket by the exact (non-float) cells so that matching stays near linear.
  const coarse = (r: readonly Norm[]) => r.map((v, i) => (kinds[i] === 'float' && typeof v === 'number' && Number.isFinite(v) ? '~' : token(v, kinds[i]))).join('|');
  const buckets = new Map<string, { row: readonly Norm[]; used: boolean }[]>();
  for (const row of b) {
    const k = coarse(row);
    let list = buckets.get(k);
    if (!list) buckets.set(k, (list = []));
    list.push({ row, used: false });
  }
  const onlyA: (readonly Norm[])[] = [];
  for (const row of a) {
    const list = buckets.get(coarse(row)) ?? [];
    const m = list.find((x) => !x.used && rowsEqual(row, x.row, kinds));
    if (m) m.used = true;
    else onlyA.push(row);
  }
  const onlyB = [...buckets.values()].flat().filter((x) => !x.used).map((x) => x.row);
  return [onlyA, onlyB];
}

const SHOW = 8;

function multisetDiff(expected: ResultSet, actual: ResultSet): string | null {
  const kinds = expected.kinds;
  const e = sortedRows(expected.rows, kinds);
  const a = sortedRows(actual.rows, kinds);
  if (e.length === a.length && e.every((r, i) => rowsEqual(r, a[i], kinds))) return null;
  const [onlyE, onlyA] = unmatched(e, a, kinds);
  if (onlyE.length === 0 && onlyA.length === 0) return null;
  const lines = [`row multisets differ: DuckDB ${expected.rows.length} rows, Tessera ${actual.rows.length} rows`];
  lines.push(`  only in DuckDB (${onlyE.length}):`, ...onlyE.slice(0, SHOW).map((r) => `    ${formatRow(r)}`));
  if (onlyE.length > SHOW) lines.push(`    ... ${onlyE.length - SHOW} more`);
  lines.push(`  only in Tessera (${onlyA.length}):`, ...onlyA.slice(0, SHOW).map((r) => `    ${formatRow(r)}`));
  if (onlyA.length > SHOW) lines.push(`    ... ${onlyA.length - SHOW} more`);
  return lines.join('\n');
}

function sequenceDiff(expected: readonly (readonly Norm[])[], actual: readonly (readonly Norm[])[], kinds: readonly ColumnKind[], what: string): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (i >= expected.length || i >= actual.length || !rowsEqual(expected[i], actual[i], kinds)) {
      const from = Math.max(0, i - 2);
      const show = (rows: readonly (readonly Norm[])[]) =>
        rows
          .slice(from, i + 3)
          .map((r, j) => `    ${from + j === i ? '>' : ' '}${from + j}: ${formatRow(r)}`)
          .join('\n');
      return `${what} differ at position ${i} (DuckDB ${expected.length} rows, Tessera ${actual.length}):\n  DuckDB:\n${show(expected)}\n  Tessera:\n${show(actual)}`;
    }
  }
  return null;
}

/**
 * null when the results agree. `order`: 'total' compares sequences; 'keys' compares
 * multisets and, in sequence, the values of the sort-key columns; 'none' multisets.
 */
export function compareResults(expected: ResultSet, actual: ResultSet, order: Order): string | null {
  if (expected.names.join('\u0000') !== actual.names.join('\u0000')) {
    return `column names differ: DuckDB [${expected.names.join(', ')}], Tessera [${actual.names.join(', ')}]`;
  }
  const badKinds = expected.names.filter((_, i) => expected.kinds[i] !== actual.kinds[i]);
  if (badKinds.length > 0) {
    return `column types differ: ${badKinds.map((n) => `${n}: DuckDB ${expected.kinds[expected.names.indexOf(n)]}, Tessera ${actual.kinds[actual.names.indexOf(n)]}`).join('; ')}`;
  }
  if (order.kind === 'total') return sequenceDiff(expected.rows, actual.rows, expected.kinds, 'rows');
  const multi = multisetDiff(expected, actual);
  if (multi || order.kind === 'none') return multi;
  const idx = order.columns.map((c) => expected.names.indexOf(c));
  const proj = (rows: readonly (readonly Norm[])[]) => rows.map((r) => idx.map((i) => r[i]));
  return sequenceDiff(proj(expected.rows), proj(actual.rows), idx.map((i) => expected.kinds[i]), `sort keys [${order.columns.join(', ')}]`);
}
