import type { DType } from '../types/dtype.js';
import { dateToDays, daysToDate } from '../types/date.js';
import type { Arena } from './buffer-pool.js';
import { type ColumnMemory, allocFloat32Array, allocFloat64Array, allocInt32Array, allocUint8Array } from './column-memory.js';

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

/** Zeroed storage for `length` values of `dtype`, in `memory` (see src/data/column-memory.ts; default: the JS heap). */
export function allocValues(dtype: DType, length: number, memory?: ColumnMemory): ColumnValues {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return allocFloat64Array(length, memory);
    case 'float32':
      return allocFloat32Array(length, memory);
    case 'int32':
    case 'date':
    case 'string':
      return allocInt32Array(length, memory);
    case 'bool':
      return allocUint8Array(length, memory);
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

/** Validity of a row-wise combination: valid where both are (null when both have no nulls). */
export function bothValid(a: Column, b: Column): Uint8Array | null {
  if (!a.validity) return b.validity ? b.validity.slice() : null;
  if (!b.validity) return a.validity.slice();
  const out = new Uint8Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a.validity[i] & b.validity[i];
  return out;
}

export function nullCount(col: Column): number {
  const v = col.validity;
  if (!v) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i];
  return col.length - n;
}


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
      return daysToDate(v);
    default:
      return v;
  }
}

export function columnToArray(col: Column): (number | boolean | string | Date | null)[] {
  const out = new Array(col.length);
  for (let i = 0; i < col.length; i++) out[i] = cellValue(col, i);
  return out;
}

/**
 * Rows `indices` of `col`, in that order; an index of -1 yields a null (outer joins).
 * A column from `lazyGatherColumn` that has not been read yet is gathered straight
 * from its source (indices composed), without materializing it first. An operator the
 * executor runs gathers into its run's `arena`.
 */
export function gatherColumn(col: Column, indices: Int32Array, arena?: Arena): Column {
  const lazy = pendingGather(col);
  if (lazy !== null) return gatherThrough(lazy.source, lazy.indices, indices, arena);
  return gatherPlain(col, indices, arena);
}

function gatherPlain(col: Column, indices: Int32Array, arena: Arena | undefined): Column {
  const n = indices.length;
  const src = col.values;
  const out = allocValues(col.dtype, n, arena);
  const srcValid = col.validity;
  let validity: Uint8Array | null = null;
  let i = 0;
  // Optimistic pass: no nulls anywhere, so no validity; a -1 index hands over to the
  // null-aware loop below from that row on (a negative index reads undefined, never stored).
  if (srcValid === null) {
    for (; i < n; i++) {
      const j = indices[i];
      if (j < 0) break;
      out[i] = src[j];
    }
  }
  if (i < n) {
    validity = allocUint8Array(n, arena);
    validity.fill(1, 0, i);
    for (; i < n; i++) {
      const j = indices[i];
      if (j >= 0 && (srcValid === null || srcValid[j] === 1)) {
        out[i] = src[j];
        validity[i] = 1;
      }
    }
  }
  return makeColumn(col.dtype, out, validity, col.dictionary);
}

/**
 * Rows `outer` of (rows `inner` of `source`): one gather through both index vectors
 * (composed in the arena: a temporary the executor gives back after the operator).
 */
function gatherThrough(source: Column, inner: Int32Array, outer: Int32Array, arena: Arena | undefined): Column {
  return gatherPlain(source, composeIndices(inner, outer, arena), arena);
}

/** `inner[outer[i]]`, -1 where either is -1: the indices of a gather of a gather. */
export function composeIndices(inner: Int32Array, outer: Int32Array, arena?: Arena): Int32Array {
  const out = allocInt32Array(outer.length, arena);
  for (let i = 0; i < out.length; i++) {
    const j = outer[i];
    out[i] = j < 0 ? -1 : inner[j];
  }
  return out;
}

/**
 * Late materialization: a column holding rows `indices` of `source` (-1: null), read
 * from the source only when `values` or `validity` is first accessed (then cached),
 * so it honours the Column contract for every consumer. Executor operators that know
 * about it (`pendingGather`) read through the indices instead: grouping a small source
 * column once, or fetching `source[indices[i]]` inside a fused loop, avoids writing a
 * full-length intermediate. `hasMissing` tells whether some index is -1 (outer joins);
 * when neither it nor the source has nulls, `validity` is null without materializing.
 * A lazy source is flattened (indices composed), so `source` is never itself pending;
 * `composed` caches compositions so that columns of one input keep one index vector.
 */
export function lazyGatherColumn(source: Column, indices: Int32Array, hasMissing: boolean, composed?: Map<Int32Array, Int32Array>, arena?: Arena): Column {
  const inner = pendingGather(source);
  if (inner !== null) {
    // Columns gathered through one index vector keep sharing one (composed) vector.
    let through = composed?.get(inner.indices);
    if (through === undefined) {
      through = composeIndices(inner.indices, indices, arena);
      composed?.set(inner.indices, through);
    }
    return new GatheredColumn(inner.source, through, inner.hasMissing || hasMissing);
  }
  return new GatheredColumn(source, indices, hasMissing);
}

/**
 * `col` with plain values: itself, or a lazy column's rows gathered into `arena`
 * without materializing the lazy column (for an operator's temporary: a sort key, a
 * join key).
 */
export function plainColumn(col: Column, arena?: Arena): Column {
  const lazy = pendingGather(col);
  return lazy === null ? col : gatherPlain(lazy.source, lazy.indices, arena);
}

/** What a not-yet-materialized lazy column reads from. */
export interface PendingGather {
  readonly source: Column;
  readonly indices: Int32Array;
  readonly hasMissing: boolean;
}

/** The source and indices of a lazy column that has not been materialized; null otherwise. */
export function pendingGather(col: Column): PendingGather | null {
  return col instanceof GatheredColumn ? col.pending() : null;
}

/** Bytes a column holds, without materializing a lazy one (its index vector counts). */
export function columnBytes(col: Column): number {
  if (col instanceof GatheredColumn) return col.bytes();
  return col.values.byteLength + (col.validity?.byteLength ?? 0);
}

/**
 * `values` and `validity` are own enumerable accessors (so spreading or comparing a
 * lazy column sees its values); after the first read they become plain data properties.
 */
class GatheredColumn implements Column {
  readonly dtype: DType;
  readonly length: number;
  declare readonly values: ColumnValues;
  declare readonly validity: Uint8Array | null;
  declare readonly dictionary?: readonly string[];
  #lazy: PendingGather | null;
  #plain: Column | null = null;

  constructor(source: Column, indices: Int32Array, hasMissing: boolean) {
    this.dtype = source.dtype;
    this.length = indices.length;
    this.#lazy = { source, indices, hasMissing };
    Object.defineProperties(this, {
      values: { get: () => this.#materialize().values, enumerable: true, configurable: true },
      validity: {
        get: () => (!hasMissing && source.validity === null ? null : this.#materialize().validity),
        enumerable: true,
        configurable: true,
      },
    });
    if (source.dictionary) Object.defineProperty(this, 'dictionary', { value: source.dictionary, enumerable: true });
  }

  pending(): PendingGather | null {
    return this.#lazy;
  }

  bytes(): number {
    const plain = this.#plain;
    return plain !== null ? plain.values.byteLength + (plain.validity?.byteLength ?? 0) : this.#lazy!.indices.byteLength;
  }

  #materialize(): Column {
    if (this.#plain === null) {
      const { source, indices } = this.#lazy!;
      // On the heap: whoever reads first (an operator, the caller after the run) keeps it, for as long as the column lives.
      const plain = gatherPlain(source, indices, undefined);
      this.#plain = plain;
      // From now on a plain column: data properties, and the source and indices can go.
      this.#lazy = null;
      Object.defineProperties(this, {
        values: { value: plain.values, enumerable: true },
        validity: { value: plain.validity, enumerable: true },
      });
    }
    return this.#plain;
  }
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
export function columnFromValues(dtype: DType, input: ArrayLike<unknown>, memory?: ColumnMemory): Column {
  const n = input.length;
  const values = allocValues(dtype, n, memory);
  let validity: Uint8Array | null = null;
  const dict = dtype === 'string' ? new DictionaryBuilder() : undefined;
  for (let i = 0; i < n; i++) {
    const v = input[i];
    if (v === null || v === undefined) {
      validity ??= allocUint8Array(n, memory).fill(1);
      validity[i] = 0;
      continue;
    }
    if (dict) values[i] = dict.code(String(v));
    else if (dtype === 'bool') values[i] = v ? 1 : 0;
    else if (dtype === 'date') values[i] = v instanceof Date ? dateToDays(v) : Number(v);
    else values[i] = Number(v);
  }
  return makeColumn(dtype, values, validity, dict?.values);
}
