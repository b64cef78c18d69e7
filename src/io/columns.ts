import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { makeBatch, type Batch } from '../data/batch.js';
import { type Column, columnFromValues, makeColumn } from '../data/column.js';
import { NullValueError, SourceError, UnknownColumnError } from '../errors.js';
import { type ColSpec, type DType, parseColSpec } from '../types/dtype.js';
import type { Field } from '../types/schema.js';
import { bigintWithinInt64, isExactInt64 } from '../types/int64.js';
import { newSourceId, type TableSource } from '../plan/source.js';
import { dateToDays } from '../types/date.js';
import { compareCodePoints } from '../data/strings.js';

type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;

export interface ColumnsSourceOptions {
  name?: string;
  primaryKey?: string[];
  /** Declared column types; they override inference and allow all-null columns. */
  types?: Record<string, ColSpec>;
}

/** Internal: what every source in src/io hands to `makeSource`. */
export interface SourceInit {
  prefix: string;
  name: string;
  fields: readonly Field[];
  primaryKey?: readonly string[];
  /** The file the source reads, when it reads one (TableSource.file). */
  file?: string;
  /** Rows of each batch; every column is split the same way. */
  batchLengths: readonly number[];
  /** Per requested name, its column in each batch. Called once per column: results are cached. */
  loadColumns(names: readonly string[]): Column[][] | Promise<Column[][]>;
}

/**
 * Internal: the TableSource shared by all readers. Columns are converted on first use
 * and kept, so a plan that scans a source twice converts it once. Nothing is converted
 * for a column that neither a plan reads nor the cost model asks statistics about.
 */
export function makeSource(init: SourceInit): TableSource {
  const names = init.fields.map((f) => f.name);
  // Columns are looked up by name: two of one name (an Arrow table or file may have them)
  // would make one unreachable. Rejected, as the CSV reader rejects a repeated header.
  const seen = new Map<string, number>();
  names.forEach((n, c) => {
    const first = seen.get(n);
    if (first !== undefined) {
      throw new SourceError(init.name, `duplicate column name '${n}' (columns ${first + 1} and ${c + 1}); every column needs its own name: rename one before reading it`);
    }
    seen.set(n, c);
  });
  for (const k of init.primaryKey ?? []) {
    if (!names.includes(k)) throw new UnknownColumnError(`${init.name} (primary key)`, k, names);
  }
  const cache = new Map<string, Column[]>();
  /** Columns whose asynchronous load was started by `loadedNow`; `load` awaits them instead of loading again. */
  const pending = new Map<string, Promise<Column[]>>();
  /** Set once `loadColumns` returned a Promise: such a source has no columns to hand without waiting. */
  let asynchronous = false;
  const rowCount = init.batchLengths.reduce((s, n) => s + n, 0);
  /** The column's chunks when they can be had without waiting (in-memory and parsed sources). Throws what the load throws. */
  const loadedNow = (name: string): Column[] | undefined => {
    const hit = cache.get(name);
    if (hit || asynchronous) return hit;
    const loaded = init.loadColumns([name]);
    if (loaded instanceof Promise) {
      // Keep the work for `load`; a failure is reported there, when a plan reads the column.
      asynchronous = true;
      const column = loaded.then((l) => {
        cache.set(name, l[0]);
        return l[0];
      });
      pending.set(name, column);
      column.then(
        () => pending.delete(name),
        () => pending.delete(name),
      );
      return undefined;
    }
    cache.set(name, loaded[0]);
    return loaded[0];
  };
  // Statistics per column, computed the first time the cost model asks about that column
  // (one pass over it). A column that cannot be had without waiting, or fails to load, has
  // none: the failure is reported when a plan reads the column, not while it is planned.
  const columnStats = new Map<string, ColumnStats | undefined>();
  const statsOf = (field: Field): ColumnStats | undefined => {
    if (!columnStats.has(field.name)) {
      let summary: ColumnStats | undefined;
      try {
        const chunks = loadedNow(field.name);
        summary = chunks && summarize(field.dtype, chunks);
      } catch {
        summary = undefined;
      }
      columnStats.set(field.name, summary);
    }
    return columnStats.get(field.name);
  };
  const statsColumns: Record<string, ColumnStats> = Object.create(null);
  for (const f of init.fields) Object.defineProperty(statsColumns, f.name, { enumerable: true, get: () => statsOf(f) });
  const categoryCache = new Map<string, readonly string[]>();
  return {
    id: newSourceId(init.prefix),
    name: init.name,
    ...(init.file !== undefined ? { file: init.file } : {}),
    schema: init.primaryKey ? { fields: init.fields, primaryKey: [...init.primaryKey] } : { fields: init.fields },
    stats: { rowCount, columns: statsColumns },
    categories(column: string): readonly string[] | undefined {
      const field = init.fields.find((f) => f.name === column);
      if (field?.dtype !== 'string') return undefined;
      let cats = categoryCache.get(column);
      if (!cats) {
        const chunks = loadedNow(column);
        if (!chunks) return undefined;
        // Code point order, as every other string order in the engine (src/data/strings.ts).
        cats = usedStrings(chunks).sort(compareCodePoints);
        categoryCache.set(column, cats);
      }
      return cats;
    },
    async load(columns: readonly string[]): Promise<readonly Batch[]> {
      for (const c of columns) if (!names.includes(c)) throw new UnknownColumnError(init.name, c, names);
      const missing = [...new Set(columns.filter((c) => !cache.has(c)))];
      const started = missing.filter((c) => pending.has(c));
      const fresh = missing.filter((c) => !pending.has(c));
      // Both awaited together, so a failure of either is reported (and none goes unhandled).
      const [loaded] = await Promise.all([fresh.length > 0 ? init.loadColumns(fresh) : [], Promise.all(started.map((c) => pending.get(c)!))]);
      fresh.forEach((c, i) => cache.set(c, loaded[i]));
      const batches: Batch[] = [];
      init.batchLengths.forEach((n, b) => {
        if (n > 0) batches.push(makeBatch(columns.map((c) => cache.get(c)![b]), n));
      });
      return batches;
    },
  };
}

type ColumnStats = { distinct?: number; min?: number; max?: number };

/** The distinct non-null strings a string column's rows use. */
function usedStrings(chunks: readonly Column[]): string[] {
  const seen = new Set<string>();
  for (const c of chunks) {
    const dict = c.dictionary ?? [];
    const used = new Uint8Array(dict.length);
    for (let i = 0; i < c.length; i++) if (!c.validity || c.validity[i]) used[c.values[i]] = 1;
    dict.forEach((s, k) => used[k] && seen.add(s));
  }
  return [...seen];
}

/** Min and max of numeric columns; distinct counts for strings and for integers of a modest range. */
function summarize(dtype: DType, chunks: readonly Column[]): ColumnStats {
  if (dtype === 'string') return { distinct: usedStrings(chunks).length };
  let min = Infinity;
  let max = -Infinity;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      if (c.validity && !c.validity[i]) continue;
      const v = c.values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min > max) return {};
  const integral = dtype === 'int32' || dtype === 'int64' || dtype === 'date' || dtype === 'bool';
  if (!integral || max - min > 1 << 24) return { min, max };
  const present = new Uint8Array(max - min + 1);
  let distinct = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      if (c.validity && !c.validity[i]) continue;
      const k = c.values[i] - min;
      if (!present[k]) {
        present[k] = 1;
        distinct++;
      }
    }
  }
  return { distinct, min, max };
}

/**
 * Internal: a file's bytes, or a SourceError naming it; with `shared`, read into a
 * SharedArrayBuffer (an Arrow IPC file, whose columns are then used where they lie).
 */
export function readSourceFile(path: string, shared = false): Buffer {
  try {
    return shared ? readIntoSharedMemory(path) : readFileSync(path);
  } catch (e) {
    throw new SourceError(path, `cannot read file (${(e as Error).message})`);
  }
}

function readIntoSharedMemory(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.from(new SharedArrayBuffer(size));
    for (let at = 0; at < size; ) {
      const read = readSync(fd, bytes, at, size - at, at);
      if (read === 0) throw new Error(`the file ended at byte ${at} of the ${size} it had when opened`);
      at += read;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}


/**
 * A source over plain in-memory columns. Float64Array, Float32Array and Int32Array are
 * used without copying, in whatever memory they live in (a caller's ArrayBuffer stays
 * theirs: a parallel pipeline copies such an array into shared memory once, on first
 * use, and keeps the copy while the array lives; one in a SharedArrayBuffer is read in
 * place); other typed arrays are widened and JavaScript arrays are inferred from their
 * values (numbers → float64, strings, booleans, Dates; null/undefined → nullable), both
 * into shared memory, as the file readers' columns are.
 */
export function columnsSource(cols: Record<string, ArrayLike<unknown> | TypedArray>, opts: ColumnsSourceOptions = {}): TableSource {
  const name = opts.name ?? 'columns';
  const entries = Object.entries(cols);
  const length = entries[0]?.[1].length ?? 0;
  const fields: Field[] = [];
  const columns: Column[] = [];
  for (const [col, data] of entries) {
    if (data.length !== length) {
      throw new SourceError(name, `column '${col}' has ${data.length} rows but column '${entries[0][0]}' has ${length}`);
    }
    // Own properties only: a column named `constructor` or `toString` must not find Object.prototype's.
    const spec = opts.types !== undefined && Object.hasOwn(opts.types, col) ? opts.types[col] : undefined;
    const declared = spec !== undefined ? parseColSpec(spec, { operator: `${name} (types)`, column: col }) : undefined;
    const column = toColumn(name, col, data, declared?.dtype);
    if (declared && !declared.nullable && column.validity) {
      throw new NullValueError(name, col, column.validity.indexOf(0), declared.dtype);
    }
    fields.push({ name: col, dtype: column.dtype, nullable: declared?.nullable ?? column.validity !== null });
    columns.push(column);
  }
  for (const k of Object.keys(opts.types ?? {})) {
    if (!Object.hasOwn(cols, k)) throw new UnknownColumnError(`${name} (types)`, k, entries.map((e) => e[0]));
  }
  return makeSource({
    prefix: 'columns',
    name,
    fields,
    primaryKey: opts.primaryKey,
    batchLengths: [length],
    loadColumns: (names) => names.map((n) => [columns[fields.findIndex((f) => f.name === n)]]),
  });
}

/** The dtype a typed array holds without declaration. */
function typedDType(data: ArrayLike<unknown>): DType | undefined {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return 'int32';
  if (data instanceof Uint16Array || data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'int32';
  if (data instanceof Uint32Array || data instanceof BigInt64Array || data instanceof BigUint64Array) return 'int64';
  return undefined;
}

/** The JavaScript kind of a non-null value, as named in errors. */
function kindOf(v: unknown): string {
  return v instanceof Date ? 'Date' : typeof v;
}

const KIND_DTYPE: Record<string, DType> = { number: 'float64', bigint: 'int64', string: 'string', boolean: 'bool', Date: 'date' };
const DTYPE_KINDS: Record<DType, readonly string[]> = {
  float64: ['number', 'bigint'],
  float32: ['number'],
  int32: ['number'],
  int64: ['number', 'bigint'],
  bool: ['boolean'],
  string: ['string'],
  date: ['Date', 'number'],
};

function toColumn(source: string, col: string, data: ArrayLike<unknown>, declared: DType | undefined): Column {
  const natural = typedDType(data);
  if (natural !== undefined && (declared === undefined || declared === natural)) {
    // Zero-copy for the three storage types our Column shares with typed arrays.
    if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) return makeColumn(natural, data);
  }
  let dtype = declared ?? natural;
  let first = -1;
  if (dtype === undefined) {
    for (let i = 0; i < data.length && first < 0; i++) if (data[i] !== null && data[i] !== undefined) first = i;
    if (first < 0) throw new SourceError(source, `column '${col}' has no non-null value to infer its type from; declare it in opts.types`);
    dtype = KIND_DTYPE[kindOf(data[first])];
    if (dtype === undefined) throw new SourceError(source, `column '${col}', row ${first}: unsupported value of type ${kindOf(data[first])}`);
  }
  const kinds = DTYPE_KINDS[dtype];
  const values = new Array<unknown>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === null || v === undefined) {
      values[i] = null;
      continue;
    }
    const kind = kindOf(v);
    if (!kinds.includes(kind)) {
      throw new SourceError(source, `column '${col}', row ${i}: expected ${kinds.join(' or ')} for ${dtype}, found ${kind} ${String(v)}`);
    }
    const n = kind === 'bigint' ? Number(v) : v;
    if (kind === 'bigint' && !bigintWithinInt64(v as bigint)) {
      throw new SourceError(source, `column '${col}', row ${i}: ${String(v)} is beyond ±2^53, the exact range of int64`);
    }
    if ((dtype === 'int32' && ((n as number) | 0) !== n) || (dtype === 'int64' && !isExactInt64(n as number))) {
      throw new SourceError(source, `column '${col}', row ${i}: ${String(v)} is not a valid ${dtype}`);
    }
    if (kind === 'Date' && Number.isNaN((v as Date).getTime())) throw new SourceError(source, `column '${col}', row ${i}: invalid Date`);
    // An integer column never holds -0 (1.0 / -0 would be -Infinity; DuckDB's integers have no -0).
    values[i] = kind === 'Date' ? dateToDays(v as Date) : dtype === 'int32' || dtype === 'int64' ? (n as number) + 0 : n;
  }
  // Converted values are the source's own: in shared memory, where pipelines' worker threads read them.
  return columnFromValues(dtype, values, 'shared');
}
