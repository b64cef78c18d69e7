import { type DuckDBConnection, DuckDBInstance, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { ArrowColumn } from './python.js';

/**
 * The DuckDB half of the glued peers (`duckdb+tfjs`, `duckdb+js`): an in-memory DuckDB
 * with 2 threads, loaded through appenders from the same columns Tessera reads.
 */

export interface DuckDB {
  readonly db: DuckDBConnection;
  close(): void;
}

export async function openDuckDB(): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  return {
    db,
    close: () => {
      db.closeSync();
      instance.closeSync();
    },
  };
}

function sqlType(c: ArrowColumn): string {
  if (c instanceof Int32Array) return 'INTEGER';
  if (c instanceof Float64Array) return 'DOUBLE';
  return typeof c[0] === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
}

/** CREATE TABLE name with the columns' types, then appends every row. */
export async function appendTable(db: DuckDBConnection, name: string, columns: Record<string, ArrowColumn>): Promise<void> {
  const entries = Object.entries(columns);
  await db.run(`CREATE TABLE ${name} (${entries.map(([n, c]) => `"${n}" ${sqlType(c)}`).join(', ')})`);
  const appender = await db.createAppender(name);
  const n = entries[0]?.[1].length ?? 0;
  const appendCell = entries.map(([, c]) => {
    if (c instanceof Int32Array) return (i: number) => appender.appendInteger(c[i]);
    if (c instanceof Float64Array) return (i: number) => appender.appendDouble(c[i]);
    if (typeof c[0] === 'boolean') return (i: number) => appender.appendBoolean(c[i] as boolean);
    return (i: number) => appender.appendVarchar(c[i] as string);
  });
  for (let i = 0; i < n; i++) {
    for (const append of appendCell) append(i);
    appender.endRow();
  }
  appender.closeSync();
}

/**
 * Calls `each(chunk, firstRow)` for every chunk of a materialized result, in order: the
 * chunk-by-chunk, column-by-column copy (`getColumnVector` / `getItem`) that is the
 * fastest public reader of @duckdb/node-api measured (bench/suites/w1.ts).
 */
export function forEachChunk(result: DuckDBMaterializedResult, each: (chunk: ReturnType<DuckDBMaterializedResult['getChunk']>, firstRow: number) => void): void {
  let base = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    each(chunk, base);
    base += chunk.rowCount;
  }
}
