import type { BenchCase, Suite } from '../harness.js';
import { queryColumns, sharedDuckDB } from '../peers/duckdb.js';
import { compareRelations } from '../workloads/check.js';
import {
  JOIN_GROUPBY_DIM_ROWS,
  JOIN_GROUPBY_FULL,
  JOIN_GROUPBY_GROUPS,
  JOIN_GROUPBY_QUICK,
  JOIN_GROUPBY_SQL,
  type JoinGroupByData,
  generateJoinGroupBy,
  joinGroupByPipeline,
  loadJoinGroupBy,
} from '../workloads/join-groupby.js';

/**
 * join-groupby (bench/workloads/join-groupby.ts): fact ⋈ dimension on an int32 key,
 * grouped by a 1,000-value column: count, sum of a measure, sum of measure × feature;
 * tessera against DuckDB (2 threads). Full size: 10,000,000 × 100,000; --quick: a tenth
 * of the fact rows. bench/suites/w2-relational.ts runs the same workload with more systems.
 * Check: the same groups and counts, sums within 1e-9 of the column's largest |value|.
 */

const suite: Suite = {
  name: 'join-groupby',
  description: 'fact ⋈ dimension on an int32 key, group by a 1,000-value column: count, sum, sum of a product',
  *cases({ quick }): Iterable<BenchCase> {
    const factRows = quick ? JOIN_GROUPBY_QUICK : JOIN_GROUPBY_FULL;
    let data: JoinGroupByData | null = null;
    let pipeline: ReturnType<typeof joinGroupByPipeline> | null = null;
    const duck = sharedDuckDB((db) => loadJoinGroupBy(db, data!));
    yield {
      workload: 'join-groupby',
      case: { fact_rows: factRows, dim_rows: JOIN_GROUPBY_DIM_ROWS, groups: JOIN_GROUPBY_GROUPS },
      systems: [
        { name: 'tessera', run: () => pipeline!.collect() },
        { name: 'duckdb', load: async () => (await duck.load()).seconds, run: async () => queryColumns((await duck.load()).duck.db, JOIN_GROUPBY_SQL) },
      ],
      check: compareRelations(),
      setup: () => {
        data = generateJoinGroupBy(factRows);
        pipeline = joinGroupByPipeline(data);
      },
      teardown: async () => {
        await duck.close();
        data = null;
        pipeline = null;
      },
    };
  },
};

export default suite;
