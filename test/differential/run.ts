/**
 * Runs one differential case (no test framework here: the vitest suites in this folder
 * and the fuzz command, bench/fuzz.ts, share it): loads its tables into DuckDB, writes
 * the tables that Tessera reads from files (CSV and Parquet through DuckDB's COPY, Arrow
 * IPC from the Arrow table), runs the SQL and the Tessera pipeline, and compares. A
 * failure report names the seed, the operator trail, the SQL, Tessera's plan and the
 * tables, and the command that reruns the case alone.
 *
 * DuckDB's own bugs met by the differential tests and the fuzzer (DuckDB 1.5.x; kept
 * here so that nobody mistakes them for Tessera's):
 * - With several threads, the same query (a top-N under two left joins and a filter)
 *   returned different rows run after run: the harness runs DuckDB on one thread.
 * - COPY ... (FORMAT parquet) writes doubles dictionary-encoded with -0 and 0 as one
 *   dictionary entry: a 0 written after a -0 reads back as -0 (DuckDB's read_parquet
 *   reads it so too), i.e. the file no longer holds the table's values (fuzz seed 16439,
 *   relational). So for a Parquet table the reference is the file: DuckDB's table is
 *   replaced by read_parquet of the file it wrote, and both engines read the same bytes.
 * - Its join filter pushdown (a dynamic filter from a join's build side) reaches below a
 *   top-N under the join: a join of (anti join → ORDER BY … LIMIT 6) with a one-row table
 *   returned 6 rows, where the 6 rows the LIMIT keeps hold only 2 that join (fuzz seeds 68029 and 93354,
 *   relational; DuckDB 1.5.5: right with `PRAGMA disable_optimizer` or with
 *   `SET disabled_optimizers = 'join_filter_pushdown'`). Standalone:
 *     CREATE TABLE L (l_i INTEGER, l_f DOUBLE, k1 INTEGER); CREATE TABLE R1 (k1 INTEGER);
 *     CREATE TABLE R2 (k1 INTEGER); INSERT INTO R2 VALUES (329099157);
 *     INSERT INTO L VALUES (3,2,-1795084578),(1,0.5,-1795084578),(-2,0,-1795084578),(0,1.75,NULL),
 *       (0,NULL,329099157),(2,0.25,-1795084578),(1,1.25,-1795084578),(3,1.75,329099157),
 *       (3,1.25,329099157),(3,-2,-1795084578),(-1,1.75,-1795084578),(1,-0.5,-1795084578),
 *       (-3,0.25,329099157),(1,1.25,329099157),(0,-0.5,329099157),(-1,0.75,-1795084578),
 *       (2,1.25,NULL),(1,0,-1795084578),(3,-0.25,NULL),(2,0,NULL);
 *     SELECT t.* FROM (SELECT * FROM (SELECT * FROM L WHERE NOT EXISTS (SELECT 1 FROM R1
 *       WHERE L.k1 = R1.k1)) ORDER BY l_i, l_f DESC NULLS FIRST, k1 DESC NULLS FIRST LIMIT 6) t
 *       JOIN R2 ON t.k1 = R2.k1;   -- 6 rows; 2 are right
 *   test/differential/edge-cases.test.ts checks Tessera on it against DuckDB's unoptimized plan.
 * Checked on each mismatch: DuckDB's optimized plan against its unoptimized one
 * (`PRAGMA disable_optimizer`); a disagreement is reported as "suspect DuckDB".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { type ColumnKind, type Norm, type ResultSet, compareResults, formatRow, kindOfDType, kindOfDuckType, normalizeValue } from './compare.js';
import { Builder, type Q, type TableData, appendCell, arrowTable, createTableSql, dayToIso, ident, isFileFormat, rebuild } from './pair.js';

const sqlPath = (path: string) => `'${path.replace(/'/g, "''")}'`;

export class Duck {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(): Promise<Duck> {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    // Tessera sorts by any expression, constants included.
    await conn.run('SET order_by_non_integer_literal = true');
    // One thread: the inputs are tiny, and DuckDB 1.5.6 was seen to return different rows
    // for the same query run after run with several threads (a top-N under two left
    // joins and a filter; see the report of the differential tests).
    await conn.run('SET threads = 1');
    return new Duck(instance, conn);
  }

  async load(t: TableData): Promise<void> {
    await this.conn.run(createTableSql(t));
    const app = await this.conn.createAppender(t.sqlName);
    for (let i = 0; i < t.length; i++) {
      t.cols.forEach((c, j) => appendCell(app, c.dtype, t.columns[j][i]));
      app.endRow();
    }
    app.closeSync();
  }

  async drop(t: TableData): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${ident(t.sqlName)}`);
  }

  /** Writes a loaded table to a CSV (with a header) or Parquet file. */
  async copyTo(t: TableData, path: string, format: 'csv' | 'parquet'): Promise<void> {
    await this.conn.run(`COPY ${ident(t.sqlName)} TO ${sqlPath(path)} (FORMAT ${format}${format === 'csv' ? ', HEADER' : ''})`);
  }

  /** Replaces a loaded table by what DuckDB reads back from the Parquet file it wrote (see the header). */
  async reloadFromParquet(t: TableData, path: string): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TABLE ${ident(t.sqlName)} AS SELECT * FROM read_parquet(${sqlPath(path)})`);
  }

  async query(sql: string): Promise<ResultSet> {
    const reader = await this.conn.runAndReadAll(sql);
    const names = reader.columnNames();
    const kinds = reader.columnTypes().map((t) => kindOfDuckType(String(t)));
    const rows = reader.getRowsJS().map((r) => r.map(normalizeValue));
    return { names, kinds, rows };
  }

  /** The same query with DuckDB's optimizer off (to triage a mismatch). */
  async queryUnoptimized(sql: string): Promise<ResultSet> {
    await this.conn.run('PRAGMA disable_optimizer');
    try {
      return await this.query(sql);
    } finally {
      await this.conn.run('PRAGMA enable_optimizer');
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** One generated or hand-written case. */
export interface DiffCase {
  readonly family: string;
  readonly seed: number;
  readonly tables: readonly TableData[];
  readonly q: Q;
  /** Test file to name in the repro line. */
  readonly file: string;
  /** The command that reruns the case alone (default: `DIFF_SEED=<seed> npx vitest run <file>`). */
  readonly repro?: string;
}

export const reproLine = (c: DiffCase) => c.repro ?? `DIFF_SEED=${c.seed} npx vitest run ${c.file}`;

interface TesseraResult extends ResultSet {
  readonly nullable: readonly boolean[];
}

/** How Tessera ran: with its optimizer (the default) or the plan as built. */
export type Mode = 'optimized' | 'unoptimized';

export interface RunOptions {
  /** Which result path the first mode takes (the other mode takes the other one); default by the seed's parity. */
  readonly viaArrow?: boolean;
  /** Off only where values alone matter. */
  readonly checkNullability?: boolean;
  readonly modes?: readonly Mode[];
  /** DuckDB's plan to compare with (default its optimized one; unoptimized only where its optimizer is known wrong, see the header). */
  readonly reference?: 'optimized' | 'unoptimized';
}

/** Runs the pipeline through collect() (Arrow) or collectRows(). */
async function runTessera(q: Q, viaArrow: boolean, mode: Mode): Promise<TesseraResult> {
  const options = mode === 'optimized' ? undefined : { optimize: false };
  const fields = q.rel.schema.fields;
  const kinds: ColumnKind[] = fields.map((f) => kindOfDType(f.dtype));
  const nullable = fields.map((f) => f.nullable);
  if (viaArrow) {
    const table = await q.rel.collect(options);
    const names = table.schema.fields.map((f) => f.name);
    const children = names.map((_, j) => table.getChildAt(j)!);
    const rows: Norm[][] = [];
    // Arrow DateDay cells read back as milliseconds since the epoch.
    const read = (j: number, i: number) => {
      const v = children[j].get(i);
      return kinds[j] === 'date' && typeof v === 'number' ? dayToIso(v / 86_400_000) : normalizeValue(v);
    };
    for (let i = 0; i < table.numRows; i++) rows.push(children.map((_, j) => read(j, i)));
    return { names, kinds, rows, nullable };
  }
  const objects = await q.rel.collectRows(options);
  const names = fields.map((f) => f.name);
  return { names, kinds, rows: objects.map((o) => names.map((n) => normalizeValue(o[n]))), nullable };
}

function cellText(t: TableData, j: number, i: number): ReturnType<typeof normalizeValue> {
  const v = t.columns[j][i];
  return t.cols[j].dtype === 'date' && v !== null ? dayToIso(v as number) : v;
}

/** A table in a report: its columns, how Tessera reads it, and its first rows (`maxRows` of them). */
export function describeTable(t: TableData, maxRows = 12): string {
  const cols = t.cols.map((c) => `${c.name} ${c.dtype}${c.nullable ? '?' : ''}`).join(', ');
  const how =
    t.format === 'arrow'
      ? `arrow batches [${t.chunks.join(',')}] strings=${t.stringEncoding}`
      : t.format === 'columns'
        ? `columns${t.typedArrays ? ' (typed arrays)' : ''}`
        : `${t.format} file${t.format === 'ipc' ? ` (batches [${t.chunks.join(',')}], strings=${t.stringEncoding})` : ''}`;
  const key = t.primaryKey ? `, primary key (${t.primaryKey.join(', ')})` : '';
  const preview = Array.from({ length: Math.min(t.length, maxRows) }, (_, i) => formatRow(t.columns.map((_, j) => cellText(t, j, i)))).join(' ');
  return `  ${t.name} (${t.sqlName}): ${t.length} rows, ${how}${key}\n    [${cols}]\n    ${preview}${t.length > maxRows ? ' ...' : ''}`;
}

function report(c: DiffCase, q: Q, problem: string, maxRows?: number): string {
  let plan: string;
  try {
    plan = q.rel.explain();
  } catch (e) {
    plan = `(explain failed: ${(e as Error).message})`;
  }
  return [
    `differential mismatch: ${c.family} seed=${c.seed}`,
    `repro: ${reproLine(c)}`,
    `ops: ${q.ops.join(' → ')}`,
    `compare: ${q.order.kind === 'keys' ? `multiset + key order [${q.order.columns.join(', ')}]` : q.order.kind === 'total' ? 'sequence (total order)' : 'multiset'}`,
    '--- problem ---',
    problem,
    '--- SQL (DuckDB) ---',
    q.sql,
    '--- Tessera plan ---',
    plan,
    '--- tables ---',
    ...c.tables.map((t) => describeTable(t, maxRows)),
  ].join('\n');
}

/** Tessera's declared non-nullable columns must hold no null. */
function nullabilityProblem(r: TesseraResult): string | null {
  for (let j = 0; j < r.names.length; j++) {
    if (r.nullable[j]) continue;
    const i = r.rows.findIndex((row) => row[j] === null);
    if (i >= 0) return `column '${r.names[j]}' is typed non-nullable but row ${i} is null: ${formatRow(r.rows[i])}`;
  }
  return null;
}

let scratch: string | undefined;
let files = 0;

/**
 * The pipeline with its file-format tables read from files: each written (DuckDB's COPY
 * for CSV and Parquet, the Arrow table for IPC) and its scans rebuilt over the file.
 */
async function withFiles(duck: Duck, c: DiffCase): Promise<{ q: Q; paths: string[] }> {
  const fileTables = c.tables.filter((t) => isFileFormat(t.format));
  if (fileTables.length === 0) return { q: c.q, paths: [] };
  scratch ??= mkdtempSync(join(tmpdir(), 'tessera-diff-'));
  const paths = new Map<TableData, string>();
  for (const t of fileTables) {
    const path = join(scratch, `${t.sqlName}_${files++}.${t.format === 'ipc' ? 'arrow' : t.format}`);
    paths.set(t, path);
    // Dictionary strings: one dictionary per record batch, which only the stream format carries (replacement dictionaries).
    if (t.format === 'ipc') writeFileSync(path, arrow.tableToIPC(arrowTable(t), t.stringEncoding === 'dictionary' ? 'stream' : 'file'));
    else await duck.copyTo(t, path, t.format as 'csv' | 'parquet');
    if (t.format === 'parquet') await duck.reloadFromParquet(t, path);
  }
  const b = new Builder();
  const q = rebuild(c.q, (n) => (n.table && paths.has(n.table) ? b.scan(n.table, paths.get(n.table)) : undefined));
  return { q, paths: [...paths.values()] };
}

/** A failing case: its report, and what kind of failure it is. */
export interface CaseFailure {
  readonly report: string;
  /** Kinds of problems, to tell whether a smaller case fails the same way ('mismatch', 'nullability', 'throws:<Error class>', 'sql', 'files'). */
  readonly kinds: readonly string[];
  /** DuckDB's optimized plan disagrees with its unoptimized plan. */
  readonly duckdbDisagrees: boolean;
}

/**
 * null when the case passes, else the failure. Tessera runs twice: optimized (the default)
 * and as built (`optimize: false`), each through one result path (collect() → Arrow or
 * collectRows(), swapped between the two runs), so a difference can be pinned on an
 * optimizer rule or on an executor.
 */
export async function runCaseDetailed(duck: Duck, c: DiffCase, opts: RunOptions & { maxRows?: number } = {}): Promise<CaseFailure | null> {
  const viaArrow = opts.viaArrow ?? c.seed % 2 === 1;
  const modes = opts.modes ?? (['optimized', 'unoptimized'] as const);
  let paths: string[] = [];
  for (const t of c.tables) await duck.load(t);
  try {
    let q: Q;
    try {
      ({ q, paths } = await withFiles(duck, c));
    } catch (e) {
      return { report: report(c, c.q, `Tessera could not read a table's file: ${(e as Error).stack ?? String(e)}`, opts.maxRows), kinds: ['files'], duckdbDisagrees: false };
    }
    let expected: ResultSet;
    try {
      expected = opts.reference === 'unoptimized' ? await duck.queryUnoptimized(c.q.sql) : await duck.query(c.q.sql);
    } catch (e) {
      return { report: report(c, c.q, `DuckDB rejected the SQL (generator bug): ${(e as Error).message}`, opts.maxRows), kinds: ['sql'], duckdbDisagrees: false };
    }
    const problems: string[] = [];
    const kinds = new Set<string>();
    for (const [i, mode] of modes.entries()) {
      const arrowPath = i % 2 === 0 ? viaArrow : !viaArrow;
      const path = arrowPath ? 'collect() → Arrow' : 'collectRows()';
      let actual: TesseraResult;
      try {
        actual = await runTessera(q, arrowPath, mode);
      } catch (e) {
        problems.push(`[${mode}, ${path}] Tessera threw: ${(e as Error).stack ?? String(e)}`);
        kinds.add(`throws:${(e as Error)?.constructor?.name ?? 'unknown'}`);
        continue;
      }
      const diff = compareResults(expected, actual, q.order);
      const nulls = opts.checkNullability === false ? null : nullabilityProblem(actual);
      if (diff !== null) kinds.add('mismatch');
      if (nulls !== null) kinds.add('nullability');
      for (const p of [diff, nulls]) if (p !== null) problems.push(`[${mode}, ${path}] ${p}`);
    }
    if (problems.length === 0) return null;
    let duckSelf = '';
    try {
      const plain = await duck.queryUnoptimized(c.q.sql);
      const self = compareResults(expected, plain, q.order);
      if (self !== null) duckSelf = `DuckDB disagrees with itself (optimizer on vs off): suspect DuckDB\n${self}\n`;
    } catch {
      // Triage only.
    }
    const verdict =
      modes.length === 2 && problems.every((p) => p.startsWith('[optimized')) ? 'only the optimized plan differs: suspect an optimizer rule (see "Rules fired")\n' : '';
    return { report: report(c, q, duckSelf + verdict + problems.join('\n'), opts.maxRows), kinds: [...kinds], duckdbDisagrees: duckSelf !== '' };
  } finally {
    for (const t of c.tables) await duck.drop(t);
    for (const p of paths) rmSync(p, { force: true });
  }
}

/** null when the case passes, else a report (see runCaseDetailed). */
export async function runCase(duck: Duck, c: DiffCase, opts: RunOptions = {}): Promise<string | null> {
  return (await runCaseDetailed(duck, c, opts))?.report ?? null;
}
