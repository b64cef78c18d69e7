/**
 * Runs one differential case: loads its tables into DuckDB, runs the SQL and the
 * Tessera pipeline, and compares. A failure message names the seed, the operator
 * trail, the SQL and Tessera's plan, so the case can be rerun alone with
 * `DIFF_SEED=<seed> npx vitest run <file>`.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnKind, type Norm, type ResultSet, compareResults, formatRow, kindOfDType, kindOfDuckType, normalizeValue } from './compare.js';
import { type Q, type TableData, appendCell, createTableSql, dayToIso, ident } from './pair.js';

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
}

interface TesseraResult extends ResultSet {
  readonly nullable: readonly boolean[];
}

/** How Tessera ran: with its optimizer (the default) or the plan as built. */
export type Mode = 'optimized' | 'unoptimized';

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

function describeTable(t: TableData): string {
  const cols = t.cols.map((c) => `${c.name} ${c.dtype}${c.nullable ? '?' : ''}`).join(', ');
  const how = t.format === 'arrow' ? `arrow batches [${t.chunks.join(',')}] strings=${t.stringEncoding}` : `columns${t.typedArrays ? ' (typed arrays)' : ''}`;
  const cell = (j: number, i: number) => {
    const v = t.columns[j][i];
    return t.cols[j].dtype === 'date' && v !== null ? dayToIso(v as number) : v;
  };
  const preview = Array.from({ length: Math.min(t.length, 12) }, (_, i) => formatRow(t.columns.map((_, j) => cell(j, i)))).join(' ');
  return `  ${t.name} (${t.sqlName}): ${t.length} rows, ${how}\n    [${cols}]\n    ${preview}${t.length > 12 ? ' ...' : ''}`;
}

function report(c: DiffCase, problem: string): string {
  let plan: string;
  try {
    plan = c.q.rel.explain();
  } catch (e) {
    plan = `(explain failed: ${(e as Error).message})`;
  }
  return [
    `differential mismatch: ${c.family} seed=${c.seed}`,
    `repro: DIFF_SEED=${c.seed} npx vitest run ${c.file}`,
    `ops: ${c.q.ops.join(' → ')}`,
    `compare: ${c.q.order.kind === 'keys' ? `multiset + key order [${c.q.order.columns.join(', ')}]` : c.q.order.kind === 'total' ? 'sequence (total order)' : 'multiset'}`,
    '--- problem ---',
    problem,
    '--- SQL (DuckDB) ---',
    c.q.sql,
    '--- Tessera plan ---',
    plan,
    '--- tables ---',
    ...c.tables.map(describeTable),
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

/**
 * null when the case passes, else a report. Tessera runs twice: optimized (the default)
 * and as built (`optimize: false`), each through one result path (collect() → Arrow or
 * collectRows(), swapped between the two runs), so a difference can be pinned on an
 * optimizer rule or on an executor. `checkNullability` off only where values alone matter.
 */
export async function runCase(duck: Duck, c: DiffCase, opts: { viaArrow?: boolean; checkNullability?: boolean; modes?: readonly Mode[] } = {}): Promise<string | null> {
  const viaArrow = opts.viaArrow ?? c.seed % 2 === 1;
  const modes = opts.modes ?? (['optimized', 'unoptimized'] as const);
  for (const t of c.tables) await duck.load(t);
  try {
    let expected: ResultSet;
    try {
      expected = await duck.query(c.q.sql);
    } catch (e) {
      return report(c, `DuckDB rejected the SQL (generator bug): ${(e as Error).message}`);
    }
    const problems: string[] = [];
    for (const [i, mode] of modes.entries()) {
      const arrow = i % 2 === 0 ? viaArrow : !viaArrow;
      const path = arrow ? 'collect() → Arrow' : 'collectRows()';
      let actual: TesseraResult;
      try {
        actual = await runTessera(c.q, arrow, mode);
      } catch (e) {
        problems.push(`[${mode}, ${path}] Tessera threw: ${(e as Error).stack ?? String(e)}`);
        continue;
      }
      const diff = compareResults(expected, actual, c.q.order);
      const nulls = opts.checkNullability === false ? null : nullabilityProblem(actual);
      for (const p of [diff, nulls]) if (p !== null) problems.push(`[${mode}, ${path}] ${p}`);
    }
    if (problems.length === 0) return null;
    let duckSelf = '';
    try {
      const plain = await duck.queryUnoptimized(c.q.sql);
      const self = compareResults(expected, plain, c.q.order);
      if (self !== null) duckSelf = `DuckDB disagrees with itself (optimizer on vs off): suspect DuckDB\n${self}\n`;
    } catch {
      // Triage only.
    }
    const verdict =
      modes.length === 2 && problems.every((p) => p.startsWith('[optimized')) ? 'only the optimized plan differs: suspect an optimizer rule (see "Rules fired")\n' : '';
    return report(c, duckSelf + verdict + problems.join('\n'));
  } finally {
    for (const t of c.tables) await duck.drop(t);
  }
}

/** Throws the report of a failing case (vitest prints it in full). */
export async function checkCase(duck: Duck, c: DiffCase, opts: { viaArrow?: boolean; checkNullability?: boolean; modes?: readonly Mode[] } = {}): Promise<void> {
  const problem = await runCase(duck, c, opts);
  if (problem !== null) throw new Error(problem);
}

/**
 * Seeds of one family: `count` consecutive seeds from `base`, scaled by DIFF_SCALE;
 * DIFF_SEED=<n> runs that seed alone (in the family whose range holds it).
 */
export function seedsFor(base: number, count: number): number[] {
  const only = process.env.DIFF_SEED;
  const scale = Number(process.env.DIFF_SCALE ?? '1');
  const n = Math.max(1, Math.round(count * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
  if (only !== undefined) {
    const s = Number(only);
    return s >= base && s < base + Math.max(n, 100_000) ? [s] : [];
  }
  return Array.from({ length: n }, (_, i) => base + i);
}

/** Runs a generator, naming the seed when building the pipeline itself fails (a planning error is a finding too). */
export function generated(seed: number, file: string, gen: (seed: number, file: string) => DiffCase): DiffCase {
  try {
    return gen(seed, file);
  } catch (e) {
    throw new Error(`building the pipeline failed for seed ${seed} (repro: DIFF_SEED=${seed} npx vitest run ${file}):\n${(e as Error).stack ?? String(e)}`);
  }
}

/**
 * Registers one family's generated cases: `count` seeds from `base` (see seedsFor), one
 * DuckDB connection for the file. With DIFF_SEED outside the family, a skipped
 * placeholder keeps vitest from failing on an empty suite.
 */
export function describeFamily(title: string, file: string, base: number, count: number, gen: (seed: number, file: string) => DiffCase): void {
  describe(`differential vs DuckDB: ${title}`, () => {
    let duck: Duck;
    beforeAll(async () => {
      duck = await Duck.open();
    });
    afterAll(() => duck?.close());
    const seeds = seedsFor(base, count);
    if (seeds.length === 0) {
      // Only DIFF_SEED naming another family's seed may leave this one without cases.
      it(`runs no case: DIFF_SEED=${process.env.DIFF_SEED} selects another family`, () => {
        expect(process.env.DIFF_SEED).toBeDefined();
      });
    }
    for (const seed of seeds) {
      it(`seed ${seed}`, async () => {
        await checkCase(duck, generated(seed, file, gen));
      });
    }
  });
}
