/**
 * The DuckDB bridge: a query's result as a Tessera source, and a result written into a
 * DuckDB table. It works on the caller's connection from @duckdb/node-api, through the
 * few methods described below, and never imports DuckDB itself: Tessera does not depend
 * on it, and loading Tessera does not load it.
 */
import { type Batch, batchesOfAtMost } from '../data/batch.js';
import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import { allocUint8Array } from '../data/column-memory.js';
import { SourceError } from '../errors.js';
import type { TableSource } from '../plan/source.js';
import type { DType } from '../types/dtype.js';
import { daysToIsoDate } from '../types/date.js';
import { bigintWithinInt64 } from '../types/int64.js';
import type { Field, RelationSchema } from '../types/schema.js';
import { makeSource } from './columns.js';

/** What the bridge uses of a @duckdb/node-api `DuckDBConnection` (a structural type: any version that has these works). */
export interface DuckDBConnectionLike {
  stream(sql: string): Promise<DuckDBStreamLike>;
  run(sql: string): Promise<unknown>;
  createAppender(table: string, schema?: string | null): Promise<DuckDBAppenderLike>;
}
/** A streamed DuckDB result (`DuckDBResult`). */
export interface DuckDBStreamLike {
  columnNames(): string[];
  columnTypes(): readonly { readonly typeId: number; toString(): string }[];
  fetchChunk(): Promise<{ readonly rowCount: number; getColumnValues(column: number): unknown[] } | null>;
}
/** A DuckDB appender (`DuckDBAppender`). */
export interface DuckDBAppenderLike {
  appendNull(): void;
  appendBoolean(value: boolean): void;
  appendInteger(value: number): void;
  appendBigInt(value: bigint): void;
  appendFloat(value: number): void;
  appendDouble(value: number): void;
  appendVarchar(value: string): void;
  endRow(): void;
  flushSync(): void;
  closeSync(): void;
}

/** DuckDBTypeId values (@duckdb/node-api) and the dtype each becomes. */
const DTYPE_OF_TYPE_ID: ReadonlyMap<number, DType> = new Map([
  [1, 'bool'], // BOOLEAN
  [2, 'int32'], // TINYINT
  [3, 'int32'], // SMALLINT
  [4, 'int32'], // INTEGER
  [6, 'int32'], // UTINYINT
  [7, 'int32'], // USMALLINT
  [5, 'int64'], // BIGINT
  [8, 'int64'], // UINTEGER
  [9, 'int64'], // UBIGINT (values beyond ±2^53 are refused when read)
  [16, 'int64'], // HUGEINT (same)
  [32, 'int64'], // UHUGEINT (same)
  [10, 'float32'], // FLOAT
  [11, 'float64'], // DOUBLE
  [13, 'date'], // DATE
  [17, 'string'], // VARCHAR
  [23, 'string'], // ENUM
]);

/** The SQL type Tessera writes a dtype as. */
export const DUCKDB_TYPE: Readonly<Record<DType, string>> = {
  float64: 'DOUBLE',
  float32: 'FLOAT',
  int32: 'INTEGER',
  int64: 'BIGINT',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
  date: 'DATE',
};

/**
 * A source over the result of `sql` on `connection`, read at once (chunk by chunk) so
 * that its schema and row count are known while the plan is built. A column is nullable
 * when the result holds a null in it (DuckDB does not report NOT NULL for query results).
 */
export async function duckdbSource(connection: DuckDBConnectionLike, sql: string, opts: { name?: string; primaryKey?: string[] } = {}): Promise<TableSource> {
  const name = opts.name ?? 'duckdb';
  let result: DuckDBStreamLike;
  try {
    result = await connection.stream(sql);
  } catch (e) {
    throw new SourceError(name, `the query failed in DuckDB (${(e as Error).message})`);
  }
  const names = result.columnNames();
  const types = result.columnTypes();
  const dtypes = types.map((t, c) => {
    const dtype = DTYPE_OF_TYPE_ID.get(t.typeId);
    if (dtype) return dtype;
    throw new SourceError(
      name,
      `column '${names[c]}' has DuckDB type ${t.toString()}, which Tessera has no type for (it reads ${[...new Set(DTYPE_OF_TYPE_ID.values())].join(', ')}); ` +
        `CAST it in the query (e.g. to DOUBLE, BIGINT, VARCHAR or DATE)`,
    );
  });
  const builders = dtypes.map((d, c) => new ColumnBuilder(name, names[c], d));
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    builders.forEach((b, c) => b.append(chunk!.getColumnValues(c)));
  }
  const columns = builders.map((b) => b.finish());
  const fields: Field[] = names.map((n, c) => ({ name: n, dtype: dtypes[c], nullable: columns[c].validity !== null }));
  const rows = columns[0]?.length ?? 0;
  return makeSource({ prefix: 'duckdb', name, fields, primaryKey: opts.primaryKey, batchLengths: [rows], loadColumns: (wanted) => wanted.map((n) => [columns[names.indexOf(n)]]) });
}

/** One column of a DuckDB result, built from its chunks' raw values. */
class ColumnBuilder {
  private values: unknown[] = [];
  constructor(
    private readonly source: string,
    private readonly column: string,
    private readonly dtype: DType,
  ) {}

  append(values: unknown[]): void {
    for (const v of values) this.values.push(v);
  }

  finish(): Column {
    const n = this.values.length;
    // Shared memory: pipelines' worker threads read a source's columns where they are.
    const out = allocValues(this.dtype, n, 'shared');
    let validity: Uint8Array | null = null;
    const dict = this.dtype === 'string' ? new DictionaryBuilder() : null;
    this.values.forEach((v, r) => {
      if (v === null || v === undefined) {
        validity ??= allocUint8Array(n, 'shared').fill(1);
        validity[r] = 0;
      } else if (dict) out[r] = dict.code(String(v));
      else if (typeof v === 'bigint') {
        if (!bigintWithinInt64(v)) throw new SourceError(this.source, `column '${this.column}': value ${v} at row ${r} is beyond ±2^53, the exact range of int64`);
        out[r] = Number(v);
      } else if (typeof v === 'boolean') out[r] = v ? 1 : 0;
      else if (typeof v === 'number') out[r] = v;
      else out[r] = (v as { days: number }).days; // DuckDBDateValue
    });
    this.values = [];
    return makeColumn(this.dtype, out, validity, dict?.values);
  }
}

/** A SQL identifier in double quotes, so any name (a keyword, a space, a quote) is taken as written. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface DuckDBWriteOptions {
  /** 'create' (default: fails if the table exists), 'replace' (drops it first) or 'append' (inserts into an existing table). */
  readonly mode?: 'create' | 'replace' | 'append';
  /** The schema the table is in (default: the connection's current schema). */
  readonly schema?: string;
  /** A temporary table (seen by this connection only, dropped when it closes); not with `schema`. */
  readonly temporary?: boolean;
}

/** Writes batches into the DuckDB table `table` through an appender; returns the rows written. */
export async function writeDuckDBTable(connection: DuckDBConnectionLike, table: string, schema: RelationSchema, batches: readonly Batch[], options: DuckDBWriteOptions = {}): Promise<number> {
  const mode = options.mode ?? 'create';
  const qualified = options.schema === undefined ? quoteIdentifier(table) : `${quoteIdentifier(options.schema)}.${quoteIdentifier(table)}`;
  const columns = schema.fields.map((f) => `${quoteIdentifier(f.name)} ${DUCKDB_TYPE[f.dtype]}${f.nullable ? '' : ' NOT NULL'}`).join(', ');
  try {
    if (mode !== 'append') await connection.run(`CREATE ${mode === 'replace' ? 'OR REPLACE ' : ''}${options.temporary ? 'TEMPORARY ' : ''}TABLE ${qualified} (${columns})`);
  } catch (e) {
    throw new SourceError(`duckdb table ${table}`, `cannot create the table (${(e as Error).message})`);
  }
  const appender = await connection.createAppender(table, options.schema ?? null);
  let rows = 0;
  try {
    for (const chunk of batchesOfAtMost(batches, 65_536)) {
      const appendCell = chunk.columns.map((col) => cellAppender(appender, col));
      for (let r = 0; r < chunk.length; r++) {
        for (const append of appendCell) append(r);
        appender.endRow();
      }
      appender.flushSync();
      rows += chunk.length;
    }
  } catch (e) {
    throw new SourceError(`duckdb table ${table}`, `appending rows failed after ${rows} rows (${(e as Error).message})`);
  } finally {
    appender.closeSync();
  }
  return rows;
}

/** Appends row r of `col` (DuckDB casts the text of a date to DATE). */
function cellAppender(a: DuckDBAppenderLike, col: Column): (r: number) => void {
  const { values, validity } = col;
  const each = (append: (v: number) => void) => (r: number) => (validity && !validity[r] ? a.appendNull() : append(values[r]));
  switch (col.dtype) {
    case 'float64':
      return each((v) => a.appendDouble(v));
    case 'float32':
      return each((v) => a.appendFloat(v));
    case 'int32':
      return each((v) => a.appendInteger(v));
    case 'int64':
      return each((v) => a.appendBigInt(BigInt(v)));
    case 'bool':
      return each((v) => a.appendBoolean(v === 1));
    case 'date':
      return each((v) => a.appendVarchar(daysToIsoDate(v)));
    case 'string': {
      const dictionary = col.dictionary ?? [];
      return each((v) => a.appendVarchar(dictionary[v]));
    }
  }
}
