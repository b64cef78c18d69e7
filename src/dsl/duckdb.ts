import { type DuckDBConnectionLike, type DuckDBWriteOptions, writeDuckDBTable } from '../io/duckdb.js';
import type { SchemaSpec } from '../types/dtype.js';
import type { Relation } from './relation.js';
import { RUN_OPTIONS, type RunOptions, type WriteResult, writePlan } from './run.js';
import { type OptionKeys, checkOptions } from '../options.js';

/** DuckDBWriteOptions' keys (beside the options of the run). */
const DUCKDB_WRITE_OPTIONS: OptionKeys<DuckDBWriteOptions> = { mode: true, schema: true, temporary: true };

/**
 * Runs `relation` and writes its rows into the DuckDB table `table` on the caller's
 * connection (created with Tessera's column types, NOT NULL where the column is not
 * nullable, unless `mode: 'append'`). `path` of the result is the table's name.
 */
export async function toDuckDB<S extends SchemaSpec>(connection: DuckDBConnectionLike, table: string, relation: Relation<S>, options: RunOptions & DuckDBWriteOptions = {}): Promise<WriteResult> {
  checkOptions('toDuckDB', options, { ...RUN_OPTIONS, ...DUCKDB_WRITE_OPTIONS });
  return writePlan(relation.plan, table, (t, schema, batches) => writeDuckDBTable(connection, t, schema, batches, options), options);
}
