// Why hyparquet-writer: the writing companion of hyparquet (same authors, pure JS, no
// native build or install script), with an incremental ParquetWriter that takes a file
// row group by row group. It is imported when a Parquet file is first written.
import type { SchemaElement } from 'hyparquet';
import { type Batch, batchesOfAtMost } from '../data/batch.js';
import type { Column } from '../data/column.js';
import { SourceError } from '../errors.js';
import type { OptionKeys } from '../options.js';
import type { DType } from '../types/dtype.js';
import type { RelationSchema } from '../types/schema.js';

export interface ParquetWriteOptions {
  /** Page compression: 'SNAPPY' (default, what DuckDB writes by default) or 'UNCOMPRESSED'. */
  readonly compression?: 'SNAPPY' | 'UNCOMPRESSED';
  /** Rows per row group (default 100,000); each is converted and written before the next. */
  readonly rowGroupSize?: number;
}

export const PARQUET_WRITE_OPTIONS: OptionKeys<ParquetWriteOptions> = { compression: true, rowGroupSize: true };

/** The Parquet schema element of a column (flat; OPTIONAL when the column is nullable). */
function schemaElement(name: string, dtype: DType, nullable: boolean): SchemaElement {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (dtype) {
    case 'float64':
      return { name, type: 'DOUBLE', repetition_type };
    case 'float32':
      return { name, type: 'FLOAT', repetition_type };
    case 'int32':
      return { name, type: 'INT32', repetition_type };
    case 'int64':
      return { name, type: 'INT64', repetition_type };
    case 'bool':
      return { name, type: 'BOOLEAN', repetition_type };
    case 'date':
      return { name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type };
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
  }
}

/**
 * The values of a column as hyparquet-writer takes them: a typed array when nothing is
 * null and the storage is already the Parquet type's, else one JS value (or null) per row.
 */
function columnData(col: Column): unknown[] | Float64Array | Float32Array | Int32Array {
  const { values, validity } = col;
  if (!validity && (col.dtype === 'float64' || col.dtype === 'float32' || col.dtype === 'int32' || col.dtype === 'date')) return values as Float64Array;
  const out = new Array<unknown>(col.length);
  for (let r = 0; r < col.length; r++) {
    if (validity && !validity[r]) out[r] = null;
    else if (col.dtype === 'string') out[r] = col.dictionary![values[r]];
    else if (col.dtype === 'int64') out[r] = BigInt(values[r]);
    else if (col.dtype === 'bool') out[r] = values[r] === 1;
    else out[r] = values[r];
  }
  return out;
}

/** Writes batches as a Parquet file, one row group at a time. */
export async function writeParquetFile(path: string, schema: RelationSchema, batches: readonly Batch[], options: ParquetWriteOptions = {}): Promise<number> {
  const rowGroupSize = options.rowGroupSize ?? 100_000;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw new SourceError(path, `writeParquet: rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
  let writer: ReturnType<typeof fileWriter>;
  try {
    writer = fileWriter(path);
  } catch (e) {
    throw new SourceError(path, `writeParquet: cannot open the file for writing (${(e as Error).message})`);
  }
  const elements = schema.fields.map((f) => schemaElement(f.name, f.dtype, f.nullable));
  const parquet = new ParquetWriter({
    writer,
    schema: [{ name: 'root', num_children: elements.length }, ...elements],
    codec: options.compression ?? 'SNAPPY',
    createdBy: 'tessera',
  });
  let rows = 0;
  try {
    for (const chunk of batchesOfAtMost(batches, rowGroupSize)) {
      const data = chunk.columns.map((col, c) => ({ name: schema.fields[c].name, data: columnData(col) as never }));
      await parquet.write({ columnData: data, rowGroupSize: chunk.length });
      rows += chunk.length;
    }
    await parquet.finish();
  } catch (e) {
    throw new SourceError(path, `writeParquet: writing failed after ${rows} rows (${(e as Error).message})`);
  }
  return rows;
}
