import type { DType } from '../types/dtype.js';

/**
 * The in-memory column of one batch, the unit every kernel works on.
 *
 * Storage by dtype (`values`):
 * - float64, int64: Float64Array (int64 is exact up to 2^53; larger values are rejected at the source)
 * - float32: Float32Array
 * - int32: Int32Array; date: Int32Array of days since 1970-01-01
 * - bool: Uint8Array of 0/1
 * - string: Int32Array of codes into `dictionary`
 *
 * `validity` has one byte per row (1 = valid) and is null when no row is null. Values
 * under a null are unspecified and kernels must not read meaning into them.
 */
export interface Column {
  readonly dtype: DType;
  readonly length: number;
  readonly values: ColumnValues;
  readonly validity: Uint8Array | null;
  readonly dictionary?: readonly string[];
}

export type ColumnValues = Float64Array | Float32Array | Int32Array | Uint8Array;

export function allocValues(dtype: DType, length: number): ColumnValues {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'int32':
    case 'date':
    case 'string':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

export function makeColumn(
  dtype: DType,
  values: ColumnValues,
  validity: Uint8Array | null = null,
  dictionary?: readonly string[],
): Column {
  const col: Column = dictionary ? { dtype, length: values.length, values, validity, dictionary } : { dtype, length: values.length, values, validity };
  return col;
}

export function nullCount(col: Column): number {
  const v = col.validity;
  if (!v) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i];
  return col.length - n;
}

const MS_PER_DAY = 86_400_000;

/** The JavaScript value of row `i` (null for a null): for tests, printing and small results. */
export function cellValue(col: Column, i: number): number | boolean | string | Date | null {
  if (col.validity && col.validity[i] === 0) return null;
  const v = col.values[i];
  switch (col.dtype) {
    case 'bool':
      return v === 1;
    case 'string':
      return col.dictionary![v];
    case 'date':
      return new Date(v * MS_PER_DAY);
    default:
      return v;
  }
}

export function columnToArray(col: Column): (number | boolean | string | Date | null)[] {
  const out = new Array(col.length);
  for (let i = 0; i < col.length; i++) out[i] = cellValue(col, i);
  return out;
}

/** Rows `indices` of `col`, in that order; an index of -1 yields a null (outer joins). */
export function gatherColumn(col: Column, indices: Int32Array): Column {
  const n = indices.length;
  const src = col.values;
  const out = allocValues(col.dtype, n);
  const srcValid = col.validity;
  let validity: Uint8Array | null = null;
  let hasMissing = false;
  for (let i = 0; i < n; i++) {
    if (indices[i] < 0) {
      hasMissing = true;
      break;
    }
  }
  if (!srcValid && !hasMissing) {
    for (let i = 0; i < n; i++) out[i] = src[indices[i]];
  } else {
    validity = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      if (j >= 0 && (!srcValid || srcValid[j] === 1)) {
        out[i] = src[j];
        validity[i] = 1;
      }
    }
  }
  return makeColumn(col.dtype, out, validity, col.dictionary);
}

/** Rows [start, end) of `col`, sharing its buffers. */
export function sliceColumn(col: Column, start: number, end: number): Column {
  return makeColumn(col.dtype, col.values.subarray(start, end), col.validity ? col.validity.subarray(start, end) : null, col.dictionary);
}

/** One column holding the rows of `parts` in order; string dictionaries are merged. */
export function concatColumns(dtype: DType, parts: readonly Column[]): Column {
  if (parts.length === 1) return parts[0];
  const length = parts.reduce((s, p) => s + p.length, 0);
  const values = allocValues(dtype, length);
  const anyNull = parts.some((p) => p.validity !== null);
  const validity = anyNull ? new Uint8Array(length).fill(1) : null;
  let dictionary: string[] | undefined;
  if (dtype === 'string') {
    const merged = new DictionaryBuilder();
    let at = 0;
    for (const p of parts) {
      const remap = merged.remap(p.dictionary ?? []);
      const codes = p.values as Int32Array;
      for (let i = 0; i < p.length; i++) values[at + i] = remap[codes[i]] ?? 0;
      if (p.validity) validity!.set(p.validity, at);
      at += p.length;
    }
    dictionary = merged.values;
  } else {
    let at = 0;
    for (const p of parts) {
      values.set(p.values as never, at);
      if (p.validity) validity!.set(p.validity, at);
      at += p.length;
    }
  }
  return makeColumn(dtype, values, validity, dictionary);
}

/** Builds a string dictionary, giving each distinct string one code. */
export class DictionaryBuilder {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(s);
      this.codes.set(s, c);
    }
    return c;
  }

  /** Codes in this dictionary for every entry of another one. */
  remap(dictionary: readonly string[]): Int32Array {
    const out = new Int32Array(dictionary.length);
    for (let i = 0; i < dictionary.length; i++) out[i] = this.code(dictionary[i]);
    return out;
  }
}

/** A column of `length` copies of one value (null when `value` is null). */
export function constantColumn(dtype: DType, value: number | boolean | string | null, length: number): Column {
  const values = allocValues(dtype, length);
  if (value === null) return makeColumn(dtype, values, new Uint8Array(length), dtype === 'string' ? [] : undefined);
  if (dtype === 'string') return makeColumn(dtype, values, null, [value as string]);
  values.fill(typeof value === 'boolean' ? (value ? 1 : 0) : (value as number));
  return makeColumn(dtype, values, null);
}

/** Builds a column from JavaScript values (null for nulls); dates may be Date or days. */
export function columnFromValues(dtype: DType, input: ArrayLike<unknown>): Column {
  const n = input.length;
  const values = allocValues(dtype, n);
  let validity: Uint8Array | null = null;
  const dict = dtype === 'string' ? new DictionaryBuilder() : undefined;
  for (let i = 0; i < n; i++) {
    const v = input[i];
    if (v === null || v === undefined) {
      validity ??= new Uint8Array(n).fill(1);
      validity[i] = 0;
      continue;
    }
    if (dict) values[i] = dict.code(String(v));
    else if (dtype === 'bool') values[i] = v ? 1 : 0;
    else if (dtype === 'date') values[i] = v instanceof Date ? Math.floor(v.getTime() / MS_PER_DAY) : Number(v);
    else values[i] = Number(v);
  }
  return makeColumn(dtype, values, validity, dict?.values);
}
