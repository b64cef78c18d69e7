import { type Column, columnBytes, concatColumns, sliceColumn } from './column.js';
import type { RelationSchema } from '../types/schema.js';

/** A set of equally long columns, positionally aligned with a relation schema. */
export interface Batch {
  readonly length: number;
  readonly columns: readonly Column[];
}

export function makeBatch(columns: readonly Column[], length = columns[0]?.length ?? 0): Batch {
  return { length, columns };
}

export function totalRows(batches: readonly Batch[]): number {
  let n = 0;
  for (const b of batches) n += b.length;
  return n;
}

/** One batch with all rows of `batches`; an empty list gives an empty batch of `schema`. */
export function concatBatches(schema: RelationSchema, batches: readonly Batch[]): Batch {
  const nonEmpty = batches.filter((b) => b.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  if (nonEmpty.length === 0) {
    return makeBatch(
      schema.fields.map((f) => concatColumns(f.dtype, [])),
      0,
    );
  }
  return makeBatch(
    schema.fields.map((f, c) => concatColumns(f.dtype, nonEmpty.map((b) => b.columns[c]))),
    totalRows(nonEmpty),
  );
}

export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  return makeBatch(
    batch.columns.map((c) => sliceColumn(c, start, end)),
    end - start,
  );
}

/** Approximate bytes held by a batch's buffers (for explain analyze). */
export function batchBytes(batch: Batch): number {
  let bytes = 0;
  // columnBytes does not materialize a lazy (join output) column just to measure it.
  for (const c of batch.columns) bytes += columnBytes(c);
  return bytes;
}

/** The rows of `batches` in order, as batches of at most `maxRows` rows (writers stream through them). */
export function* batchesOfAtMost(batches: readonly Batch[], maxRows: number): Generator<Batch> {
  for (const b of batches) {
    for (let start = 0; start < b.length; start += maxRows) yield start === 0 && b.length <= maxRows ? b : sliceBatch(b, start, Math.min(b.length, start + maxRows));
  }
}
