/**
 * Generated relational pipelines (the differential families of test/differential/)
 * compiled to SQL and run on DuckDB must give Tessera's own result: once through
 * `toSQL`'s compiler over DuckDB tables holding the same data, once through
 * `collect({ relationalEngine: { duckdb } })`, where the physical plan hands the
 * relational subplans to DuckDB. A plan the compiler refuses must be refused with a
 * SqlUnsupportedError naming the operator, and the engine run then falls back to Tessera
 * for that operator and still agrees. SQL_SEEDS=<n> runs n seeds per family.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlUnsupportedError } from '../../src/index.js';
import { compileSql } from '../../src/sql/compile.js';
import { compareResults } from '../differential/compare.js';
import { FAMILIES } from '../differential/generate.js';
import { describeTable } from '../differential/run.js';
import { SqlDuck, tableOf, tesseraRows } from './support.js';

const SEEDS = Number(process.env.SQL_SEEDS ?? '30');
const BASE = 7_100_000;
const refusals: string[] = [];
let compiled = 0;
/** Cases whose optimized plan ran some operators on DuckDB (a DuckDBQuery in the physical plan). */
let onDuckDB = 0;

/** Whether a physical plan (explain's JSON) has an operator that DuckDB runs. */
function runsOnDuckDB(node: { engine?: string; inputs: readonly unknown[] }): boolean {
  return node.engine === 'duckdb' || node.inputs.some((c) => runsOnDuckDB(c as typeof node));
}

describe('generated relational plans: SQL on DuckDB agrees with Tessera', () => {
  let duck: SqlDuck;
  beforeAll(async () => {
    duck = await SqlDuck.open();
  });
  afterAll(() => duck?.close());

  for (const family of FAMILIES) {
    for (let i = 0; i < SEEDS; i++) {
      const seed = BASE + i;
      it(`${family.name} seed ${seed}`, async () => {
        const c = family.gen(seed, 'test/sql/differential.test.ts');
        for (const t of c.tables) await duck.load(t);
        try {
          const rel = c.q.rel;
          const context = () => `ops: ${c.q.ops.join(' → ')}\n${c.tables.map((t) => describeTable(t)).join('\n')}`;
          let expected;
          try {
            expected = await tesseraRows(rel);
          } catch (e) {
            // Tessera refuses the run (an integer beyond ±2^53): DuckDB's run fails too, on read-back or in Tessera's operators.
            await expect(tesseraRows(rel, { relationalEngine: { duckdb: duck.connection } }), context()).rejects.toThrow();
            return;
          }
          // 1. The plan as built, compiled whole.
          let sql: string | undefined;
          try {
            sql = compileSql(rel.plan, { table: tableOf(c.tables) });
          } catch (e) {
            expect(e, context()).toBeInstanceOf(SqlUnsupportedError);
            expect((e as SqlUnsupportedError).operator).toMatch(/^\w+$/);
            refusals.push(`${family.name} ${seed}: ${(e as Error).message}`);
          }
          if (sql !== undefined) {
            compiled++;
            const got = await duck.query(sql);
            const diff = compareResults(got, expected, c.q.order);
            expect(diff, `${context()}\nSQL: ${sql}`).toBeNull();
          }
          // 2. The optimized plan with DuckDB as the relational engine.
          const physical = JSON.parse(rel.explain({ format: 'json', relationalEngine: { duckdb: duck.connection } })).physical.root;
          if (runsOnDuckDB(physical)) onDuckDB++;
          const viaEngine = await tesseraRows(rel, { relationalEngine: { duckdb: duck.connection } });
          const diff = compareResults(viaEngine, expected, c.q.order);
          expect(diff, `${context()}\n${rel.explain({ relationalEngine: { duckdb: duck.connection } })}`).toBeNull();
        } finally {
          for (const t of c.tables) await duck.drop(t);
        }
      });
    }
  }

  it('compiles most generated plans whole (refusals are the documented ones)', () => {
    console.log(`SQL: ${compiled} plans compiled whole, ${refusals.length} refused, ${onDuckDB} optimized plans ran operators on DuckDB\n${refusals.join('\n')}`);
    expect(compiled).toBeGreaterThan(FAMILIES.length * SEEDS * 0.8);
    expect(onDuckDB).toBeGreaterThan(FAMILIES.length * SEEDS * 0.8);
    for (const r of refusals) expect(r).toMatch(/cannot be compiled to SQL exactly/);
  });
});
