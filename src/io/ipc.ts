import { basename, resolve } from 'node:path';
import * as arrow from 'apache-arrow';
import { SourceError } from '../errors.js';
import type { TableSource } from '../plan/source.js';
import { type ArrowSourceOptions, arrowSource } from './arrow.js';
import { readSourceFile } from './columns.js';

/**
 * A source over an Arrow IPC file (Feather v2) or IPC stream, read whole into shared
 * memory; fixed-width columns are then used in place, as for `arrowTableSource`, and
 * pipelines' worker threads read them there without a copy (apache-arrow's vectors are
 * views of the bytes read).
 */
export function ipcSource(path: string, opts: ArrowSourceOptions = {}): TableSource {
  const bytes = readSourceFile(path, true);
  if (bytes.length === 0) throw new SourceError(path, 'not an Arrow IPC/Feather file (the file is empty)');
  // File format opens with the magic 'ARROW1'; stream format with the continuation marker 0xFFFFFFFF.
  const isFile = bytes.length >= 6 && bytes.toString('latin1', 0, 6) === 'ARROW1';
  const isStream = bytes.length >= 8 && bytes.readUInt32LE(0) === 0xffffffff;
  if (!isFile && !isStream) {
    throw new SourceError(path, "not an Arrow IPC/Feather file (neither the 'ARROW1' magic nor a stream continuation marker)");
  }
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (e) {
    throw new SourceError(path, `not a valid Arrow IPC/Feather file (${(e as Error).message})`);
  }
  return arrowSource(table, opts.name ?? basename(path), path, opts.primaryKey, resolve(path));
}
