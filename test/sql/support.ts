/**
 * Shared by the SQL tests: a DuckDB connection holding a case's tables, the SQL a scan
 * reads each generated table from, and results normalized as the differential tests
 * normalize them (test/differential/compare.ts), so that a Tessera run and a DuckDB run
 * compare with the same tolerance and representation rules.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Relation, toDuckDB } from '../../src/index.js';
import { expect } from 'vitest';
import type { TableSource } from '../../src/plan/source.js';
import { type ColumnKind, type Norm, type ResultSet, compareResults, kindOfDType, kindOfDuckType, normalizeValue } from '../differential/compare.js';
import { type Order, type TableData, appendCell, createTableSql, ident } from '../differential/pair.js';

export class SqlDuck {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** One thread, as the differential harness runs DuckDB (test/differential/run.ts says why). */
  static async open(): Promise<SqlDuck> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run('SET threads = 1');
    return new SqlDuck(instance, connection);
  }

  async load(t: TableData): Promise<void> {
    await this.connection.run(createTableSql(t));
    const app = await this.connection.createAppender(t.sqlName);
    for (let i = 0; i < t.length; i++) {
      t.cols.forEach((c, j) => appendCell(app, c.dtype, t.columns[j][i]));
      app.endRow();
    }
    app.closeSync();
  }

  async drop(t: TableData): Promise<void> {
    await this.connection.run(`DROP TABLE IF EXISTS ${ident(t.sqlName)}`);
  }

  async query(sql: string): Promise<ResultSet> {
    const reader = await this.connection.runAndReadAll(sql);
    return { names: reader.columnNames(), kinds: reader.columnTypes().map((t) => kindOfDuckType(String(t))), rows: reader.getRowsJS().map((r) => r.map(normalizeValue)) };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The FROM item of a scan of a generated table: its DuckDB table (sources are named after the tables' logical names). */
export function tableOf(tables: readonly TableData[]): (source: TableSource) => string {
  return (source) => {
    const t = tables.find((x) => x.name === source.name);
    if (!t) throw new Error(`no generated table named ${source.name}`);
    return ident(t.sqlName);
  };
}

/** A Tessera run's rows, normalized (collectRows(); dates as 'YYYY-MM-DD'). */
export async function tesseraRows(rel: Relation<any>, options: Parameters<Relation<any>['collectRows']>[0] = {}): Promise<ResultSet> {
  const fields = rel.schema.fields;
  const kinds: ColumnKind[] = fields.map((f) => kindOfDType(f.dtype));
  const names = fields.map((f) => f.name);
  const objects = await rel.collectRows(options);
  const rows: Norm[][] = objects.map((o) => names.map((n) => normalizeValue(o[n])));
  return { names, kinds, rows };
}

/**
 * Checks that `rel.toSQL()` run on DuckDB (its sources copied there by `toDuckDB`, under
 * the names given) and a run with DuckDB as the relational engine both give Tessera's own
 * result; returns the SQL.
 */
export async function agreeOnDuckDB(duck: SqlDuck, rel: Relation<any>, sources: Record<string, Relation<any>>, order: Order): Promise<string> {
  for (const [name, source] of Object.entries(sources)) await toDuckDB(duck.connection, name, source, { mode: 'replace' });
  const expected = await tesseraRows(rel);
  const sql = rel.toSQL();
  const viaSql = await duck.query(sql);
  expect(compareResults(viaSql, expected, order), sql).toBeNull();
  const viaEngine = await tesseraRows(rel, { relationalEngine: { duckdb: duck.connection } });
  expect(compareResults(viaEngine, expected, order), rel.explain({ relationalEngine: { duckdb: duck.connection } })).toBeNull();
  return sql;
}
