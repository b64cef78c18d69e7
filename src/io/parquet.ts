// Why hyparquet: pure JS with no WASM or native binary, it reads only the requested columns
// and row groups, and it is widely used and maintained.
import { basename } from 'node:path';
import { type ColumnData, type FileMetaData, type SchemaTree, parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import { SourceError } from '../errors.js';
import type { DType } from '../types/dtype.js';
import type { Field } from '../types/schema.js';
import type { TableSource } from '../plan/source.js';
import { makeSource, readSourceFile } from './columns.js';

export interface ParquetSourceOptions {
  name?: string;
  primaryKey?: string[];
}

const INT64_LIMIT = 2n ** 53n;

/** Our dtype for a flat Parquet column, from its physical type and annotation. */
function dtypeOf(node: SchemaTree, path: string): DType {
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
      if (annotation === undefined || annotation === 'UTF8' || annotation === 'STRING' || annotation === 'ENUM') return 'string';
      throw fail();
    default:
      throw fail();
  }
}

/** Our column from hyparquet's decoded chunks (JS arrays with null, or typed arrays). */
function toColumn(field: Field, rows: number, chunks: readonly ColumnData[], path: string): Column {
  const values = allocValues(field.dtype, rows);
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
        validity ??= new Uint8Array(rows).fill(1);
        validity[r] = 0;
      } else if (dict) values[r] = dict.code(v as string);
      else if (typeof v === 'bigint') {
        if (v > INT64_LIMIT || v < -INT64_LIMIT) {
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
  const fields: Field[] = parquetSchema(metadata).children.map((node) => ({
    name: node.element.name,
    dtype: dtypeOf(node, path),
    nullable: node.element.repetition_type !== 'REQUIRED',
  }));
  const rows = Number(metadata.num_rows);

  const loadColumns = async (names: readonly string[]): Promise<Column[][]> => {
    const chunks = new Map<string, ColumnData[]>(names.map((n) => [n, []]));
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns: [...names],
        // Days stay numbers (our date storage) instead of becoming Date objects.
        parsers: { dateFromDays: (days: number) => days },
        onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk),
      });
    } catch (e) {
      throw new SourceError(path, `cannot read columns ${names.map((n) => `'${n}'`).join(', ')} (${(e as Error).message})`);
    }
    return names.map((n) => [toColumn(fields.find((f) => f.name === n)!, rows, chunks.get(n)!, path)]);
  };

  return makeSource({
    prefix: 'parquet',
    name: opts.name ?? basename(path),
    fields,
    primaryKey: opts.primaryKey,
    batchLengths: [rows],
    loadColumns,
  });
}
