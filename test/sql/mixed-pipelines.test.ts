/**
 * Generated mixed relational/matrix pipelines (the whole-optimizer generator of
 * test/optimizer/whole/) run with DuckDB as the relational engine give the all-Tessera
 * result. DuckDB returns the rows of an unsorted relation in an order of its own (SQL
 * defines none), so relations compare as multisets unless the plan ends in a total sort,
 * and matrices as multisets of rows; learners whose result depends on the row order
 * (k-means starts from the first rows) are left out. SQL_MIXED_CASES=<n> runs n seeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../src/exec/execute.js';
import { toDense } from '../../src/exec/operators/matrix.js';
import { optimize } from '../../src/index.js';
import type { PlanNode } from '../../src/plan/node.js';
import { expectSameResult } from '../support/plans.js';
import { generateCase } from '../optimizer/whole/generate.js';
import { SqlDuck } from './support.js';

const CASES = Number(process.env.SQL_MIXED_CASES ?? 120);
let duck: SqlDuck;
let onDuckDB = 0;
beforeAll(async () => {
  duck = await SqlDuck.open();
});
afterAll(() => duck?.close());

/** A matrix's rows, each as its values, sorted: equal multisets of rows compare equal. */
function sortedRows(data: ArrayLike<number>, rows: number, cols: number, tolerance: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) out.push(Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  const key = (r: number[]) => r.map((v) => (Number.isFinite(v) ? Math.round(v / Math.max(tolerance, 1e-12)) : String(v)).toString()).join('|');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function expectSameRowsOfMatrix(plan: PlanNode, tolerance: number): Promise<void> {
  const own = (await execute(plan)).result;
  const mixed = (await execute(plan, { relationalEngine: { duckdb: duck.connection } })).result;
  if (own.kind !== 'matrix' || mixed.kind !== 'matrix') throw new Error('expected matrices');
  const [a, b] = [toDense(own.value), toDense(mixed.value)];
  expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
  let scale = 1;
  for (const v of a.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const [ra, rb] = [sortedRows(a.data, a.rows, a.cols, tolerance * scale), sortedRows(b.data, b.rows, b.cols, tolerance * scale)];
  ra.forEach((row, i) =>
    row.forEach((v, j) => {
      const w = rb[i][j];
      expect(Number.isNaN(v) ? Number.isNaN(w) : v === w || Math.abs(v - w) <= tolerance * scale, `row ${i} column ${j}: ${v} vs ${w}`).toBe(true);
    }),
  );
}

describe('generated mixed pipelines: relational part on DuckDB, matrix part in Tessera', () => {
  for (let seed = 1; seed <= CASES; seed++) {
    it(`seed ${seed}`, async () => {
      const c = generateCase(seed);
      if (c.shape === 'kmeans') return;
      const plan = optimize(c.plan).plan;
      const runB = { relationalEngine: { duckdb: duck.connection } };
      try {
        await execute(plan);
      } catch {
        // The plan fails in Tessera (by design, e.g. a singular system): it must fail with DuckDB too.
        await expect(execute(plan, runB)).rejects.toThrow();
        return;
      }
      const { physical } = await execute(plan, runB);
      if (JSON.stringify(physical, (k, v) => (k === 'logical' || k === 'covers' || k === 'program' ? undefined : v)).includes('"DuckDBQuery"')) onDuckDB++;
      if (plan.output.kind === 'relation' || c.shape === 'summary' || c.shape === 'loop') {
        await expectSameResult(plan, plan, { tolerance: c.tolerance, ordered: c.ordered, runB });
      } else await expectSameRowsOfMatrix(plan, c.tolerance);
    });
  }

  it('most pipelines ran relational operators on DuckDB', () => {
    console.log(`${onDuckDB} of ${CASES} generated pipelines ran relational operators on DuckDB`);
    expect(onDuckDB).toBeGreaterThan(CASES / 3);
  });
});
