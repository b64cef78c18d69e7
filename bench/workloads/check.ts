import type { Table } from 'apache-arrow';
import type { MatrixResultValue } from '../../src/index.js';

/**
 * `check` functions of the suites: a peer's result against the reference's (tessera's),
 * with dtype-aware tolerances. float64 on both sides: 1e-6 of the reference's largest
 * |entry| for matrices, 1e-9 of a column's largest |value| (at least 1) for relation
 * columns; where either side is float32 (TF.js computes in float32), 1e-3 for both.
 */

/** The parts of a matrix result a check needs (MatrixResultValue, or a peer's copy). */
export type MatrixLike = Pick<MatrixResultValue, 'rows' | 'cols' | 'data'>;

const isFloat32 = (x: unknown) => x instanceof Float32Array;

/**
 * Same shape; every entry within tol, where tol is 1e-6 (1e-3 if either side is float32)
 * times the reference's largest |entry| (`relative`) or times 1 (`absolute`).
 */
export function compareMatrices(scale: 'relative' | 'absolute', float32Rel = 1e-3) {
  return (reference: unknown, other: unknown): string => {
    const a = reference as MatrixLike;
    const b = other as MatrixLike;
    if (a?.data === undefined || b?.data === undefined) return 'result is not a matrix';
    if (a.rows !== b.rows || a.cols !== b.cols) return `shape ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`;
    let maxAbs = 0;
    for (let i = 0; i < a.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a.data[i]));
    const rel = isFloat32(a.data) || isFloat32(b.data) ? float32Rel : 1e-6;
    const tol = rel * (scale === 'relative' ? Math.max(maxAbs, Number.MIN_VALUE) : 1);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < a.data.length; i++) {
      const diff = Math.abs(a.data[i] - b.data[i]);
      if (!(diff <= worst)) {
        worst = diff;
        at = i;
        if (Number.isNaN(diff)) break;
      }
    }
    if (worst <= tol) return 'ok';
    return `|diff| ${worst.toExponential(2)} at (${Math.floor(at / a.cols)}, ${at % a.cols}) exceeds ${tol.toExponential(2)} (${scale}${rel === float32Rel ? ', float32' : ''})`;
  };
}

/** A relation result: column names and columns, in the pipeline's column order. */
export interface Columns {
  readonly names: readonly string[];
  readonly columns: readonly ArrayLike<unknown>[];
}

export function asColumns(value: unknown): Columns {
  if (value && typeof value === 'object' && 'names' in value && 'columns' in value) return value as Columns;
  const table = value as Table;
  const names = table.schema.fields.map((f) => f.name);
  return { names, columns: names.map((n) => table.getChild(n)!.toArray() as ArrayLike<unknown>) };
}

/** The named columns of a relation result, in that order (an absent one is an error in the check). */
function project(c: Columns, names: readonly string[]): Columns | string {
  const columns: ArrayLike<unknown>[] = [];
  for (const n of names) {
    const j = c.names.indexOf(n);
    if (j < 0) return `no column '${n}' (has ${c.names.join(', ')})`;
    columns.push(c.columns[j]);
  }
  return { names, columns };
}

const isFloat = (c: ArrayLike<unknown>) => c instanceof Float64Array || c instanceof Float32Array || (Array.isArray(c) && typeof c[0] === 'number' && !Number.isInteger(c[0]));

/** An int64 cell (bigint, from Arrow or DuckDB) as a number where that is exact, so that it equals another system's number. */
const exactCell = (x: unknown) => (typeof x === 'bigint' && x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x);

function rowsOf(c: Columns): unknown[][] {
  const n = c.columns[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => c.columns.map((col) => exactCell(col[i])));
}

/**
 * Rows sorted by their exact (non-float) cells: equal multisets pair up row by row when
 * those cells identify a row (every relation checked here has a unique id or group key).
 */
function sortedRows(rows: unknown[][], float: readonly boolean[]): unknown[][] {
  const keys = rows.map((r) => JSON.stringify(r.filter((_, j) => !float[j]), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  const order = rows.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  return order.map((i) => rows[i]);
}

/**
 * Same rows as multisets over the columns `names` (all of the reference's when omitted),
 * or in the same order with `ordered` (a query that sorts); the reference's float columns
 * within tolerance (see above), the others equal (an int64 equal to the same integer).
 */
export function compareRelations(names?: readonly string[], options: { readonly ordered?: boolean } = {}) {
  return (reference: unknown, other: unknown): string => {
    const full = asColumns(reference);
    const a = project(full, names ?? full.names);
    const b = project(asColumns(other), names ?? full.names);
    if (typeof a === 'string') return `reference: ${a}`;
    if (typeof b === 'string') return b;
    const na = a.columns[0]?.length ?? 0;
    const nb = b.columns[0]?.length ?? 0;
    if (na !== nb) return `row count ${na} vs ${nb}`;
    const float = a.columns.map(isFloat);
    const tol = a.columns.map((col, j) => {
      if (!float[j]) return 0;
      let maxAbs = 1;
      for (let i = 0; i < col.length; i++) maxAbs = Math.max(maxAbs, Math.abs(col[i] as number));
      return (isFloat32(col) || isFloat32(b.columns[j]) ? 1e-3 : 1e-9) * maxAbs;
    });
    const ra = options.ordered ? rowsOf(a) : sortedRows(rowsOf(a), float);
    const rb = options.ordered ? rowsOf(b) : sortedRows(rowsOf(b), float);
    for (let i = 0; i < na; i++) {
      for (let j = 0; j < a.names.length; j++) {
        const x = ra[i][j];
        const y = rb[i][j];
        const same = float[j] ? Math.abs((x as number) - (y as number)) <= tol[j] : x === y;
        if (!same) return `row ${i} (${a.names[0]} = ${String(ra[i][0])}) column ${a.names[j]}: ${String(x)} vs ${String(y)}`;
      }
    }
    return 'ok';
  };
}

/** Checks each named part of a composite result (W2: gram, ridge, groups) with its own check. */
export function compareParts(parts: Record<string, (reference: unknown, other: unknown) => string>) {
  return (reference: unknown, other: unknown): string => {
    const failures = Object.entries(parts)
      .map(([name, check]) => [name, check((reference as Record<string, unknown>)[name], (other as Record<string, unknown>)?.[name])])
      .filter(([, verdict]) => verdict !== 'ok');
    return failures.length === 0 ? 'ok' : failures.map(([name, verdict]) => `${name}: ${verdict}`).join('; ');
  };
}
