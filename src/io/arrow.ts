import * as arrow from 'apache-arrow';
import type { Batch } from '../data/batch.js';
import { type Column, DictionaryBuilder, makeColumn } from '../data/column.js';
import { type ColumnMemory, allocFloat64Array, allocInt32Array, allocUint8Array } from '../data/column-memory.js';
import { SourceError } from '../errors.js';
import type { DType } from '../types/dtype.js';
import type { Field, RelationSchema } from '../types/schema.js';
import type { TableSource } from '../plan/source.js';
import { makeSource } from './columns.js';
import { MS_PER_DAY } from '../types/date.js';

export interface ArrowSourceOptions {
  name?: string;
  primaryKey?: string[];
}

type AnyData = arrow.Data<arrow.DataType>;

/**
 * A source over an Arrow table, one batch per record batch. Fixed-width columns
 * (float64, float32, int32, date32) share the table's buffers, in whatever memory they
 * are (a parallel pipeline copies a column in ordinary memory into shared memory once,
 * on first use; `ipcSource` reads its file into shared memory, so none of its columns
 * is copied); other types are converted once, into shared memory, on the first load
 * that asks for them.
 */
export function arrowTableSource(table: arrow.Table, opts: ArrowSourceOptions = {}): TableSource {
  const name = opts.name ?? 'arrow';
  return arrowSource(table, name, name, opts.primaryKey);
}

/** Internal: `errorSource` is what errors name (the file, for ipcSource). */
export function arrowSource(table: arrow.Table, name: string, errorSource: string, primaryKey?: readonly string[], file?: string): TableSource {
  // Empty record batches may lack buffers altogether; they add no rows.
  const batches = table.batches.filter((b) => b.numRows > 0);
  const fields: Field[] = table.schema.fields.map((f, c) => ({
    name: f.name,
    dtype: dtypeOf(f, errorSource),
    // Arrow writers do not all honour `nullable`; a null in the data wins.
    nullable: f.nullable || batches.some((b) => b.data.children[c].nullCount > 0),
  }));
  return makeSource({
    prefix: 'arrow',
    file,
    name,
    fields,
    primaryKey,
    batchLengths: batches.map((b) => b.numRows),
    loadColumns: (names) =>
      names.map((n) => {
        const c = fields.findIndex((f) => f.name === n);
        return batches.map((b) => toColumn(b.data.children[c], fields[c], errorSource));
      }),
  });
}

function unsupported(source: string, field: arrow.Field, why = ''): SourceError {
  return new SourceError(source, `column '${field.name}' has unsupported Arrow type ${String(field.type)}${why}`);
}

function dtypeOf(field: arrow.Field, source: string): DType {
  const t = field.type;
  if (arrow.DataType.isFloat(t)) {
    if (t.precision === arrow.Precision.HALF) throw unsupported(source, field);
    return t.precision === arrow.Precision.SINGLE ? 'float32' : 'float64';
  }
  if (arrow.DataType.isInt(t)) return t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned) ? 'int32' : 'int64';
  if (arrow.DataType.isBool(t)) return 'bool';
  if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t)) return 'string';
  if (arrow.DataType.isDictionary(t) && (arrow.DataType.isUtf8(t.dictionary) || arrow.DataType.isLargeUtf8(t.dictionary))) return 'string';
  if (arrow.DataType.isDate(t)) return 'date';
  if (arrow.DataType.isTimestamp(t)) throw unsupported(source, field, ' (timestamps are unsupported: cast to date32 first)');
  throw unsupported(source, field);
}

/** One byte per row from an Arrow bitmap; bit of row r is at position offset + r. */
function unpackBits(bits: Uint8Array, offset: number, n: number, memory: ColumnMemory): Uint8Array {
  const out = allocUint8Array(n, memory);
  for (let r = 0; r < n; r++) {
    const b = offset + r;
    out[r] = (bits[b >> 3] >> (b & 7)) & 1;
  }
  return out;
}

/**
 * 64-bit integers as float64, read through an Int32 view of their words (far faster
 * than BigInt). Values beyond ±2^53, which a float64 cannot hold exactly, are rejected.
 */
function int64ToFloat64(values: BigInt64Array | BigUint64Array, n: number, signed: boolean, validity: Uint8Array | null, fail: (row: number) => never): Float64Array {
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
  const out = allocFloat64Array(n, 'shared');
  for (let r = 0; r < n; r++) {
    const lo = words[2 * r] >>> 0;
    const hi = signed ? words[2 * r + 1] : words[2 * r + 1] >>> 0;
    const exact = (hi >= -0x200000 && hi < 0x200000) || (hi === 0x200000 && lo === 0);
    if (!exact && (!validity || validity[r] === 1)) fail(r);
    out[r] = hi * 4294967296 + lo;
  }
  return out;
}

/** The strings of a Utf8/LargeUtf8 data, passed to `each`; all-ASCII data is decoded in one call. */
function eachString(data: AnyData, each: (r: number, s: string) => void): void {
  const n = data.length;
  if (n === 0) return;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const at = (i: number) => Number(offsets[i]);
  const bytes = data.values as Uint8Array;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = at(0);
  const hi = at(n);
  let ascii = true;
  for (let i = lo; i < hi && ascii; i++) ascii = bytes[i] < 0x80;
  const valid = data.nullCount > 0 ? unpackBits(data.nullBitmap!, data.offset, n, undefined) : null;
  if (ascii) {
    const text = buf.toString('latin1', lo, hi);
    for (let r = 0; r < n; r++) if (!valid || valid[r]) each(r, text.slice(at(r) - lo, at(r + 1) - lo));
  } else {
    for (let r = 0; r < n; r++) if (!valid || valid[r]) each(r, buf.toString('utf8', at(r), at(r + 1)));
  }
}

/** A dictionary's strings, decoded once per dictionary vector; null entries are marked. */
const decodedDictionaries = new WeakMap<arrow.Vector, { strings: string[]; valid: Uint8Array }>();
function decodeDictionary(dict: arrow.Vector): { strings: string[]; valid: Uint8Array } {
  let done = decodedDictionaries.get(dict);
  if (!done) {
    const strings = new Array<string>(dict.length).fill('');
    const valid = new Uint8Array(dict.length);
    let base = 0;
    for (const d of dict.data) {
      eachString(d, (r, s) => {
        strings[base + r] = s;
        valid[base + r] = 1;
      });
      base += d.length;
    }
    done = { strings, valid };
    decodedDictionaries.set(dict, done);
  }
  return done;
}

/** A source's column from Arrow data: arrays converted here go into shared memory (src/data/column-memory.ts). */
function toColumn(data: AnyData, field: Field, source: string): Column {
  const n = data.length;
  const t = data.type;
  const validity = data.nullCount > 0 ? unpackBits(data.nullBitmap!, data.offset, n, 'shared') : null;
  // Fixed-width `values` are already sliced to this chunk's first row (bools excepted).
  const values = data.values;
  if (arrow.DataType.isFloat(t)) return makeColumn(field.dtype, (values as Float64Array | Float32Array).subarray(0, n), validity);
  if (arrow.DataType.isInt(t)) {
    if (t.bitWidth === 64) {
      const fail = (r: number): never => {
        throw new SourceError(source, `column '${field.name}': value ${String(values[r])} at row ${r} is beyond ±2^53, the exact range of int64`);
      };
      return makeColumn('int64', int64ToFloat64(values as BigInt64Array, n, t.isSigned, validity, fail), validity);
    }
    if (field.dtype === 'int64') return makeColumn('int64', widened(allocFloat64Array(n, 'shared'), (values as Uint32Array).subarray(0, n)), validity);
    if (values instanceof Int32Array) return makeColumn('int32', values.subarray(0, n), validity);
    return makeColumn('int32', widened(allocInt32Array(n, 'shared'), (values as Int16Array).subarray(0, n)), validity);
  }
  if (arrow.DataType.isBool(t)) return makeColumn('bool', unpackBits(values as Uint8Array, data.offset, n, 'shared'), validity);
  if (arrow.DataType.isDate(t)) {
    if (t.unit === arrow.DateUnit.DAY) return makeColumn('date', (values as Int32Array).subarray(0, n), validity);
    const ms = int64ToFloat64(values as BigInt64Array, n, true, validity, () => {
      throw new SourceError(source, `column '${field.name}': date out of range`);
    });
    const days = allocInt32Array(n, 'shared');
    for (let r = 0; r < n; r++) days[r] = Math.floor(ms[r] / MS_PER_DAY);
    return makeColumn('date', days, validity);
  }
  if (arrow.DataType.isDictionary(t)) {
    const codes = values instanceof Int32Array ? values.subarray(0, n) : widened(allocInt32Array(n, 'shared'), values);
    const { strings, valid } = decodeDictionary(data.dictionary!);
    if (valid.includes(0)) {
      // A null dictionary entry makes the rows that point at it null.
      const v = validity ?? allocUint8Array(n, 'shared').fill(1);
      for (let r = 0; r < n; r++) if (v[r] && !valid[codes[r]]) v[r] = 0;
      return makeColumn('string', codes, v, strings);
    }
    return makeColumn('string', codes, validity, strings);
  }
  // Utf8 / LargeUtf8: the only remaining types dtypeOf admits.
  const dict = new DictionaryBuilder();
  const codes = allocInt32Array(n, 'shared');
  eachString(data, (r, s) => (codes[r] = dict.code(s)));
  return makeColumn('string', codes, validity, dict.values);
}

/** `out` holding the values of a narrower integer array (dictionary indices may be 64-bit: BigInts). */
function widened<T extends Float64Array | Int32Array>(out: T, from: ArrayLike<number | bigint>): T {
  for (let r = 0; r < out.length; r++) out[r] = Number(from[r]);
  return out;
}

// ---------------------------------------------------------------- output

/** Packs one byte per row into an Arrow validity bitmap, with its null count. */
export function packValidity(validity: Uint8Array | null, n: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!validity) return { nullCount: 0 };
  const bits = packBits(validity, n);
  let valid = 0;
  for (let r = 0; r < n; r++) valid += validity[r];
  return valid === n ? { nullCount: 0 } : { nullBitmap: bits, nullCount: n - valid };
}

function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const bits = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) if (bytes[r]) bits[r >> 3] |= 1 << (r & 7);
  return bits;
}

/**
 * The Arrow type of a column of `dtype` at position `index` of its schema. Strings are
 * dictionary-encoded under the dictionary id `index`: apache-arrow would otherwise take
 * the next value of a process-wide counter, so the same result collected twice would
 * carry different ids and write different IPC bytes. Field positions are unique within
 * a schema, as dictionary ids must be.
 */
export function arrowTypeOf(dtype: DType, index: number): arrow.DataType {
  switch (dtype) {
    case 'float64':
      return new arrow.Float64();
    case 'float32':
      return new arrow.Float32();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'bool':
      return new arrow.Bool();
    case 'date':
      return new arrow.DateDay();
    case 'string':
      return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), index);
  }
}

/**
 * The string columns of one field across batches, against a single dictionary, so the
 * table writes to IPC file format (which forbids dictionary replacement). Batches that
 * share one dictionary array keep their codes as they are; others are remapped.
 */
function stringData(type: arrow.Dictionary<arrow.Utf8, arrow.Int32>, cols: readonly Column[]): AnyData[] {
  const shared = cols.every((c) => c.dictionary === cols[0].dictionary);
  const merged = new DictionaryBuilder();
  const parts = cols.map((c) => {
    const src = c.values as Int32Array;
    const remap = shared ? null : merged.remap(c.dictionary ?? []);
    const size = remap ? remap.length : (c.dictionary?.length ?? 0);
    // Codes under nulls are unspecified: zero them when they would point outside the dictionary.
    const needsCopy = remap !== null || (c.validity !== null && src.some((code, r) => c.validity![r] === 0 && (code < 0 || code >= size)));
    if (!needsCopy) return src;
    const codes = new Int32Array(c.length);
    for (let r = 0; r < c.length; r++) if (!c.validity || c.validity[r]) codes[r] = remap ? remap[src[r]] : src[r];
    return codes;
  });
  const strings = shared ? (cols[0]?.dictionary ?? []) : merged.values;
  const dictionary = arrow.vectorFromArray([...strings], new arrow.Utf8());
  return cols.map((c, i) => arrow.makeData({ type, length: c.length, data: parts[i], dictionary, ...packValidity(c.validity, c.length) }));
}

/** Internal: the Arrow data of a non-string column (strings: stringData here, or utf8Data in write-arrow.ts). */
export function toData(type: arrow.DataType, col: Column): AnyData {
  const n = col.length;
  const validity = packValidity(col.validity, n);
  switch (col.dtype) {
    case 'int64': {
      const src = col.values as Float64Array;
      const out = new BigInt64Array(n);
      for (let r = 0; r < n; r++) if (!col.validity || col.validity[r]) out[r] = BigInt(src[r]);
      return arrow.makeData({ type: type as arrow.Int64, length: n, data: out, ...validity });
    }
    case 'bool':
      return arrow.makeData({ type: type as arrow.Bool, length: n, data: packBits(col.values as Uint8Array, n), ...validity });
    case 'date':
      return arrow.makeData({ type: type as arrow.DateDay, length: n, data: col.values as Int32Array, ...validity });
    case 'int32':
      return arrow.makeData({ type: type as arrow.Int32, length: n, data: col.values as Int32Array, ...validity });
    default:
      return arrow.makeData({ type: type as arrow.Float, length: n, data: col.values as Float64Array, ...validity });
  }
}

/**
 * An Arrow table over batches: one record batch per non-empty batch, sharing the
 * buffers of float64, float32, int32 and date columns. int64 becomes Arrow Int64,
 * date DateDay, bool a bitmap, and strings Dictionary<Utf8, Int32> with one
 * dictionary per column, whose id is the column's position. Everything in the table
 * follows from the schema and the batches, so the same result gives the same table, and
 * `tableToIPC` the same bytes, every time.
 */
export function batchesToArrow(schema: RelationSchema, batches: readonly Batch[]): arrow.Table {
  const types = schema.fields.map((f, c) => arrowTypeOf(f.dtype, c));
  const arrowSchema = new arrow.Schema(schema.fields.map((f, c) => new arrow.Field(f.name, types[c], f.nullable)));
  const nonEmpty = batches.filter((b) => b.length > 0);
  const children = schema.fields.map((f, c) => {
    const cols = nonEmpty.map((b) => b.columns[c]);
    return f.dtype === 'string' ? stringData(types[c] as arrow.Dictionary<arrow.Utf8, arrow.Int32>, cols) : cols.map((col) => toData(types[c], col));
  });
  const recordBatches = nonEmpty.map(
    (b, i) =>
      new arrow.RecordBatch(
        arrowSchema,
        arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: b.length, nullCount: 0, children: children.map((ch) => ch[i]) }),
      ),
  );
  return new arrow.Table(arrowSchema, recordBatches);
}
