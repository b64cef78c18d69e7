import { type DuckDBConnectionLike, type DuckDBWriteOptions, writeDuckDBTable } from '../io/duckdb.js';
import type { SchemaSpec } from '../types/dtype.js';
import type { Relation } from './relation.js';
import { type RunOptions, type WriteResult, writePlan } from './run.js';

/**
 * Runs `relation` and writes its rows into the DuckDB table `table` on the caller's
 * connection (created with Tessera's column types, NOT NULL where the column is not
 * nullable, unless `mode: 'append'`). `path` of the result is the table's name.
 */
export function toDuckDB<S extends SchemaSpec>(connection: DuckDBConnectionLike, table: string, relation: Relation<S>, options: RunOptions & DuckDBWriteOptions = {}): Promise<WriteResult> {
  return writePlan(relation.plan, table, (t, schema, batches) => writeDuckDBTable(connection, t, schema, batches, options), options);
}
