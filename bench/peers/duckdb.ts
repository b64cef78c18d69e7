import { type DuckDBConnection, DuckDBInstance, type DuckDBMaterializedResult } from '@duckdb/node-api';
import type { Columns } from '../workloads/check.js';
import type { ArrowColumn } from './python.js';

/**
 * The DuckDB peers (`duckdb`, and the DuckDB half of `duckdb+tfjs`, `duckdb+js`): an
 * in-memory DuckDB with 2 threads, loaded through appenders from the same columns
 * Tessera reads.
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

/** A case's DuckDB, opened and filled by the first `load`, which every later `load` returns. */
export interface SharedDuckDB {
  /** The database and the seconds its loading took (once, outside any timed run). */
  load(): Promise<{ readonly duck: DuckDB; readonly seconds: number }>;
  close(): Promise<void>;
}

/** One DuckDB copy of a case's data for all the systems that query it: `fill` creates and appends its tables. */
export function sharedDuckDB(fill: (db: DuckDBConnection) => Promise<void>): SharedDuckDB {
  let loading: Promise<{ duck: DuckDB; seconds: number }> | null = null;
  return {
    load: () =>
      (loading ??= (async () => {
        const start = performance.now();
        const duck = await openDuckDB();
        try {
          await fill(duck.db);
        } catch (e) {
          duck.close();
          throw e;
        }
        return { duck, seconds: (performance.now() - start) / 1000 };
      })()),
    close: async () => {
      const opened = loading;
      loading = null;
      if (opened) (await opened).duck.close();
    },
  };
}

/** A query's whole result as named columns of JS values (BIGINT as bigint), for a check against Tessera's. */
export async function queryColumns(db: DuckDBConnection, sql: string): Promise<Columns> {
  const reader = await db.runAndReadAll(sql);
  return { names: reader.columnNames(), columns: reader.getColumnsJS() };
}
