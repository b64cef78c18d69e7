import { closeSync, openSync, writeSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import { type Batch, batchesOfAtMost } from '../data/batch.js';
import type { Column } from '../data/column.js';
import { SourceError } from '../errors.js';
import type { RelationSchema } from '../types/schema.js';
import { arrowTypeOf, packValidity, toData } from './arrow.js';

/** Rows per record batch written: each is encoded and written before the next is built. */
const ROWS_PER_BATCH = 1 << 20;

/**
 * Writes batches as an Arrow IPC file (Feather v2), one record batch at a time. Types are
 * those of `collect()`'s table (src/io/arrow.ts), except strings, which are plain Utf8:
 * an IPC file allows one dictionary per column for the whole file, and each batch of a
 * result may carry its own.
 */
export async function writeArrowFile(path: string, schema: RelationSchema, batches: readonly Batch[]): Promise<number> {
  const types = schema.fields.map((f, c) => (f.dtype === 'string' ? new arrow.Utf8() : arrowTypeOf(f.dtype, c)));
  const arrowSchema = new arrow.Schema(schema.fields.map((f, c) => new arrow.Field(f.name, types[c], f.nullable)));
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new SourceError(path, `writeArrow: cannot open the file for writing (${(e as Error).message})`);
  }
  const writer = new arrow.RecordBatchFileWriter();
  // The writer queues its encoded bytes; this loop takes them out as they come.
  const drained = (async () => {
    for await (const bytes of writer) writeSync(fd, bytes);
  })();
  let rows = 0;
  try {
    writer.reset(undefined, arrowSchema);
    for (const chunk of batchesOfAtMost(batches, ROWS_PER_BATCH)) {
      const children = chunk.columns.map((col, c) => (col.dtype === 'string' ? utf8Data(col) : toData(types[c], col)));
      writer.write(new arrow.RecordBatch(arrowSchema, arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: chunk.length, nullCount: 0, children })));
      rows += chunk.length;
      // Let the drain loop write this batch's bytes before the next batch is built.
      await new Promise((resolve) => setImmediate(resolve));
    }
    writer.finish();
    await drained;
  } catch (e) {
    // Ends the drain loop too (its pending read fails), so nothing is left waiting.
    writer.abort();
    await drained.catch(() => undefined);
    throw e instanceof SourceError ? e : new SourceError(path, `writeArrow: writing failed after ${rows} rows (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  return rows;
}

/** A string column as Arrow Utf8 data; each dictionary entry is encoded once. */
function utf8Data(col: Column): arrow.Data<arrow.Utf8> {
  const encoder = new TextEncoder();
  const entries = (col.dictionary ?? []).map((s) => encoder.encode(s));
  const codes = col.values as Int32Array;
  const valid = col.validity;
  const offsets = new Int32Array(col.length + 1);
  let size = 0;
  for (let r = 0; r < col.length; r++) {
    if (!valid || valid[r]) size += entries[codes[r]].length;
    offsets[r + 1] = size;
  }
  const bytes = new Uint8Array(size);
  for (let r = 0; r < col.length; r++) if (!valid || valid[r]) bytes.set(entries[codes[r]], offsets[r]);
  return arrow.makeData({ type: new arrow.Utf8(), length: col.length, valueOffsets: offsets, data: bytes, ...packValidity(valid, col.length) });
}
