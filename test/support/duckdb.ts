import { DuckDBInstance } from '@duckdb/node-api';

/** Runs `sql` in a fresh in-memory DuckDB and returns its result as plain JS columns. */
export async function duckdbColumns(sql: string): Promise<Record<string, unknown[]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    return (await con.runAndReadAll(sql)).getColumnsObjectJS() as Record<string, unknown[]>;
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}
