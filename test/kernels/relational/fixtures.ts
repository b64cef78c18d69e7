import { type Column, columnFromValues, columnToArray, makeColumn } from '../../../src/data/column.js';
import type { DType } from '../../../src/types/dtype.js';

/** Seeded PRNG (mulberry32): the same inputs on every run. */
export { mulberry32 as rng } from '../../../src/data/random.js';

export type Value = number | boolean | string | null;

/** A value pool per kind of key, to get duplicates and hit the dense and hashed paths. */
export function pool(kind: string): Value[] {
  switch (kind) {
    case 'dense':
      return [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7];
    case 'sparse':
      return [-2147483648, 2147483647, -1000000007, 123456789, 0, 5, -5, 1 << 30];
    case 'big':
      return [2 ** 40, -(2 ** 45), 2 ** 53 - 1, 3, -7, 0];
    case 'float':
    case 'float32':
      return [0, -0, NaN, 1.5, -2.25, Infinity, -Infinity, 1e-300, 3];
    case 'string':
      // '😀' (U+1F600, a surrogate pair) sorts after '～' (U+FF5E) by code point, before it by UTF-16 code unit.
      return ['a', 'b', 'ab', 'B', '', 'zz', 'é', 'a ', '😀', '～', 'a😀'];
    case 'bool':
      return [true, false];
    case 'date':
      return [-365, 0, 1, 19000, 19001, 20000];
    default:
      throw new Error(kind);
  }
}

export function randomValues(r: () => number, kind: string, n: number, nullRate = 0.1): Value[] {
  const p = pool(kind);
  return Array.from({ length: n }, () => (r() < nullRate ? null : p[Math.floor(r() * p.length)]));
}

/**
 * A column of `values`. Strings get a dictionary in an order of their own, with unused
 * (and, with `dupes`, duplicate) entries, and garbage codes under nulls.
 */
export function column(dtype: DType, values: readonly Value[], r: () => number, dupes = false): Column {
  if (dtype !== 'string') {
    const col = columnFromValues(dtype, values);
    if (col.validity) for (let i = 0; i < col.length; i++) if (!col.validity[i]) col.values[i] = Math.floor(r() * 100);
    return col;
  }
  const dict = [...new Set(values.filter((v): v is string => v !== null)), 'unused', 'zzz'].sort(() => r() - 0.5);
  if (dupes) dict.push(...dict);
  const codes = new Int32Array(values.length);
  const validity = values.some((v) => v === null) ? new Uint8Array(values.length) : null;
  values.forEach((v, i) => {
    if (v === null) codes[i] = r() < 0.5 ? -7 : 1 << 20;
    else {
      const at = dict.indexOf(v as string);
      codes[i] = dupes && r() < 0.5 ? at + dict.length / 2 : at;
      if (validity) validity[i] = 1;
    }
  });
  return makeColumn('string', codes, validity, dict);
}

/** Column values as comparable JS values (dates as epoch milliseconds). */
export function plain(col: Column): Value[] {
  return columnToArray(col).map((v) => (v instanceof Date ? v.getTime() : v));
}

/** Strings by Unicode code point (as DuckDB, Arrow and Python order them), computed from the code points themselves. */
export function compareStrings(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

export function sameValue(a: Value, b: Value): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** A string identifying a key tuple, nulls equal, -0 = 0, NaN = NaN. */
export function tupleKey(values: readonly Value[]): string {
  return values.map((v) => (v === null ? 'null' : typeof v === 'number' ? String(v === 0 ? 0 : v) : JSON.stringify(v))).join('|');
}

export const dtypeOf: Record<string, DType> = { dense: 'int32', sparse: 'int32', big: 'int64', float: 'float64', float32: 'float32', string: 'string', bool: 'bool', date: 'date' };
