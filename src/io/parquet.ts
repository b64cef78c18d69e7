// Why hyparquet: pure JS with no native binary, it reads only the requested columns and
// row groups, and it is widely used and maintained. On its own it decodes only uncompressed
// and Snappy pages; hyparquet-compressors (same authors) adds GZIP, ZSTD, Brotli, LZ4 and
// LZ4_RAW, which DuckDB, Spark, pandas and Polars write when asked (Polars: ZSTD by default).
// Those are plain JS (fzstd for ZSTD); its Snappy is a small WASM module embedded in the JS:
// no native build, no install script, nothing downloaded. LZO (deprecated) stays unsupported.
import { basename, resolve } from 'node:path';
import { type ColumnData, type FileMetaData, type SchemaTree, parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import { allocUint8Array } from '../data/column-memory.js';
import { SourceError } from '../errors.js';
import { DTYPES, type DType } from '../types/dtype.js';
import type { Field } from '../types/schema.js';
import { bigintWithinInt64 } from '../types/int64.js';
import type { TableSource } from '../plan/source.js';
import { makeSource, readSourceFile } from './columns.js';

export interface ParquetSourceOptions {
  name?: string;
  primaryKey?: string[];
  /**
   * How to read binary columns (BYTE_ARRAY without a STRING/UTF8/ENUM annotation, e.g.
   * DuckDB's BLOB), which Tessera has no column type for: as string columns holding the
   * bytes in lowercase `'hex'` or `'base64'`, or as `'utf8'` text (for old writers that
   * stored strings unannotated; invalid UTF-8 is an error). Unset: such a file is rejected.
   */
  binaryAs?: 'hex' | 'base64' | 'utf8';
}


/** Bytes of a BYTE_ARRAY value to our string, given its row for errors. */
type BytesToString = (bytes: Uint8Array, row: number) => string;

const lenientUtf8 = new TextDecoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const decodeUtf8: BytesToString = (b) => lenientUtf8.decode(b);
const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The decoder of a string column whose values come as bytes (ENUM, or binary read as text). */
function bytesDecoder(node: SchemaTree, binaryAs: ParquetSourceOptions['binaryAs'], path: string): BytesToString | undefined {
  const el = node.element;
  if (el.type !== 'BYTE_ARRAY' || isUtf8(el)) return undefined; // hyparquet gives strings
  if ((el.logical_type?.type ?? el.converted_type) === 'ENUM') return decodeUtf8;
  switch (binaryAs) {
    case 'hex':
      return (b) => asBuffer(b).toString('hex');
    case 'base64':
      return (b) => asBuffer(b).toString('base64');
    case 'utf8':
      return (b, row) => {
        try {
          return strictUtf8.decode(b);
        } catch {
          throw new SourceError(path, `column '${el.name}': the bytes at row ${row} are not valid UTF-8 (binaryAs: 'utf8'); read it with binaryAs 'hex' or 'base64'`);
        }
      };
    default:
      return undefined;
  }
}

function isUtf8(el: SchemaTree['element']): boolean {
  return el.converted_type === 'UTF8' || el.logical_type?.type === 'STRING';
}

/** Our dtype for a flat Parquet column, from its physical type and annotation. */
function dtypeOf(node: SchemaTree, path: string, binaryAs: ParquetSourceOptions['binaryAs']): DType {
  const el = node.element;
  const annotation = el.logical_type?.type ?? el.converted_type;
  const fail = () =>
    new SourceError(path, `column '${el.name}' has unsupported Parquet type ${el.type ?? 'group'}${annotation ? ` (${annotation})` : ''}`);
  if (node.children.length > 0 || el.repetition_type === 'REPEATED') throw fail();
  const intType = el.logical_type?.type === 'INTEGER' ? el.logical_type : undefined;
  switch (el.type) {
    case 'INT32':
      if (annotation === 'DATE') return 'date';
      if (el.converted_type === 'UINT_32' || (intType && !intType.isSigned && intType.bitWidth === 32)) return 'int64';
      if (annotation === undefined || annotation === 'INTEGER' || /^U?INT_(8|16|32)$/.test(annotation)) return 'int32';
      throw fail();
    case 'INT64':
      if (annotation === undefined || annotation === 'INTEGER' || annotation === 'INT_64' || annotation === 'UINT_64') return 'int64';
      throw fail();
    case 'DOUBLE':
      return 'float64';
    case 'FLOAT':
      return 'float32';
    case 'BOOLEAN':
      return 'bool';
    case 'BYTE_ARRAY':
      if (annotation === 'UTF8' || annotation === 'STRING' || annotation === 'ENUM') return 'string';
      if (annotation === undefined) {
        if (binaryAs) return 'string';
        throw new SourceError(
          path,
          `column '${el.name}' is binary (Parquet BYTE_ARRAY without a STRING/UTF8 annotation, e.g. a BLOB), and Tessera has no binary column type ` +
            `(supported: ${DTYPES.join(', ')}); pass binaryAs: 'hex' or 'base64' to read its bytes as text, or 'utf8' if it holds unannotated strings`,
        );
      }
      throw fail();
    default:
      throw fail();
  }
}

/** Our column from hyparquet's decoded chunks (JS arrays with null, or typed arrays). */
function toColumn(field: Field, rows: number, chunks: readonly ColumnData[], path: string, fromBytes?: BytesToString): Column {
  // Shared memory: pipelines' worker threads read a source's columns where they are.
  const values = allocValues(field.dtype, rows, 'shared');
  let validity: Uint8Array | null = null;
  const dict = field.dtype === 'string' ? new DictionaryBuilder() : null;
  for (const { columnData: data, rowStart } of chunks) {
    if (!dict && !Array.isArray(data) && !(data instanceof BigInt64Array || data instanceof BigUint64Array)) {
      values.set(data as Float64Array, rowStart); // typed array, no nulls: one copy
      continue;
    }
    for (let i = 0; i < data.length; i++) {
      const v: unknown = data[i];
      const r = rowStart + i;
      if (v === null || v === undefined) {
        validity ??= allocUint8Array(rows, 'shared').fill(1);
        validity[r] = 0;
      } else if (dict) {
        values[r] = dict.code(v instanceof Uint8Array ? (fromBytes ?? decodeUtf8)(v, r) : (v as string));
      } else if (typeof v === 'bigint') {
        if (!bigintWithinInt64(v)) {
          throw new SourceError(path, `column '${field.name}': value ${v} at row ${r} is beyond ±2^53, the exact range of int64`);
        }
        values[r] = Number(v);
      } else values[r] = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
    }
  }
  return makeColumn(field.dtype, values, validity, dict?.values);
}

/**
 * A source over a Parquet file. The file and its metadata are read at construction, so
 * the schema is known at once; a load decodes only the columns it asks for.
 */
export function parquetSource(path: string, opts: ParquetSourceOptions = {}): TableSource {
  const bytes = readSourceFile(path);
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'PAR1' || bytes.toString('latin1', bytes.length - 4) !== 'PAR1') {
    throw new SourceError(path, "not a Parquet file (no 'PAR1' magic at both ends)");
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (e) {
    throw new SourceError(path, `invalid Parquet metadata (${(e as Error).message})`);
  }
  const nodes = parquetSchema(metadata).children;
  const fields: Field[] = nodes.map((node) => ({
    name: node.element.name,
    dtype: dtypeOf(node, path, opts.binaryAs),
    nullable: node.element.repetition_type !== 'REQUIRED',
  }));
  const decoders = new Map(nodes.map((node) => [node.element.name, bytesDecoder(node, opts.binaryAs, path)]));
  const rows = Number(metadata.num_rows);

  const loadColumns = async (names: readonly string[]): Promise<Column[][]> => {
    const chunks = new Map<string, ColumnData[]>(names.map((n) => [n, []]));
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns: [...names],
        compressors,
        // Unannotated byte arrays stay bytes (binary columns, decoded in toColumn as binaryAs
        // asks) instead of becoming UTF-8 text with replacement characters.
        utf8: false,
        // Days stay numbers (our date storage) instead of becoming Date objects.
        parsers: { dateFromDays: (days: number) => days },
        onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk),
      });
    } catch (e) {
      throw new SourceError(path, `cannot read columns ${names.map((n) => `'${n}'`).join(', ')} (${(e as Error).message})`);
    }
    return names.map((n) => [toColumn(fields.find((f) => f.name === n)!, rows, chunks.get(n)!, path, decoders.get(n))]);
  };

  return makeSource({
    prefix: 'parquet',
    name: opts.name ?? basename(path),
    file: resolve(path),
    fields,
    primaryKey: opts.primaryKey,
    batchLengths: [rows],
    loadColumns,
  });
}
