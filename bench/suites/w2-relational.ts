import type { DuckDBConnection } from '@duckdb/node-api';
import type { Relation } from '../../src/index.js';
import type { BenchCase, Suite } from '../harness.js';
import { queryColumns, sharedDuckDB } from '../peers/duckdb.js';
import { type ArrowColumn, PandasPeer, writeArrowFile } from '../peers/python.js';
import { type Columns, compareRelations } from '../workloads/check.js';
import {
  JOIN_GROUPBY_DIM_ROWS,
  JOIN_GROUPBY_FULL,
  JOIN_GROUPBY_GROUPS,
  JOIN_GROUPBY_QUICK,
  JOIN_GROUPBY_SQL,
  generateJoinGroupBy,
  joinGroupByPipeline,
  joinGroupByTables,
  loadJoinGroupBy,
} from '../workloads/join-groupby.js';
import { CHOSEN_REGIONS, STAR_DAYS, STAR_FULL, STAR_PRODUCTS, STAR_QUICK, STAR_SQL, STAR_STORES, generateStar, loadStar, starPipeline } from '../workloads/star.js';

/**
 * W2's relational half (issue 9, docs/workloads.md): relational queries alone, against
 * DuckDB, whose throughput is the baseline (targets: tessera ≥ 1.0× DuckDB's, with its
 * default workers; tessera-1worker ≥ 0.5×).
 *
 * Workloads (each case's data is generated in its setup and loaded by every system
 * before the first round, outside the timed runs):
 *  - `join-groupby`: bench/workloads/join-groupby.ts, 10,000,000 fact rows (--quick 1,000,000);
 *  - `star`: the retail star query of bench/workloads/star.ts, 5,000,000 sales rows
 *    (--quick 500,000): three joins, a filter, an expression, a group-by on two string
 *    keys with count, sum, avg, min, max, ordered.
 *
 * Systems (the reference first):
 *  - `tessera`: `collect()` with default options (the default number of workers);
 *  - `tessera-1worker`: `collect({ workers: 1 })`;
 *  - `duckdb`: the SQL query on DuckDB (@duckdb/node-api, 2 threads), its result read into JS;
 *  - `pandas`: merge, boolean mask, groupby().agg() (bench/peers/pandas_workloads.py),
 *    where a Python with pandas exists; it times itself in its worker.
 * Check: the same rows (in the same order for the star query, which sorts), counts and
 * int columns equal, float columns within 1e-9 of the column's largest |value|.
 */

const python = new PandasPeer('w2-relational');

interface Workload {
  readonly name: string;
  readonly case: Record<string, number>;
  readonly sql: string;
  /** The pandas_workloads.py function and its params. */
  readonly pandas: string;
  readonly params: Record<string, unknown>;
  readonly ordered: boolean;
  /** Generates the data: the Tessera query, the tables for the peers, and the DuckDB loader. */
  readonly build: () => { pipeline: Relation<never>; tables: Record<string, Record<string, ArrowColumn>>; load: (db: DuckDBConnection) => Promise<void> };
}

function workloads(quick: boolean): Workload[] {
  const factRows = quick ? JOIN_GROUPBY_QUICK : JOIN_GROUPBY_FULL;
  const salesRows = quick ? STAR_QUICK : STAR_FULL;
  return [
    {
      name: 'join-groupby',
      case: { fact_rows: factRows, dim_rows: JOIN_GROUPBY_DIM_ROWS, groups: JOIN_GROUPBY_GROUPS },
      sql: JOIN_GROUPBY_SQL,
      pandas: 'join_groupby',
      params: {},
      ordered: false,
      build: () => {
        const data = generateJoinGroupBy(factRows);
        return { pipeline: joinGroupByPipeline(data), tables: joinGroupByTables(data), load: (db) => loadJoinGroupBy(db, data) };
      },
    },
    {
      name: 'star',
      case: { sales_rows: salesRows, stores: STAR_STORES, products: STAR_PRODUCTS, days: STAR_DAYS },
      sql: STAR_SQL,
      pandas: 'star',
      params: { regions: CHOSEN_REGIONS },
      ordered: true,
      build: () => {
        const data = generateStar(salesRows);
        return { pipeline: starPipeline(data), tables: { ...data }, load: (db) => loadStar(db, data) };
      },
    },
  ];
}

const suite: Suite = {
  name: 'w2-relational',
  description: "W2's relational half: join → group-by and a retail star query (three joins, filter, two string group keys); tessera (default workers), tessera-1worker, duckdb (2 threads), pandas",
  baseline: { system: 'duckdb', targets: { tessera: 1, 'tessera-1worker': 0.5 } },
  finish: () => python.finish(),
  *cases({ quick }): Iterable<BenchCase> {
    for (const w of workloads(quick)) {
      let built: ReturnType<Workload['build']> | null = null;
      const duck = sharedDuckDB((db) => built!.load(db));
      yield {
        workload: w.name,
        case: w.case,
        systems: [
          { name: 'tessera', run: () => built!.pipeline.collect() },
          { name: 'tessera-1worker', run: () => built!.pipeline.collect({ workers: 1 }) },
          { name: 'duckdb', load: async () => (await duck.load()).seconds, run: async () => queryColumns((await duck.load()).duck.db, w.sql) },
          python.system<Columns>({
            name: 'pandas',
            workload: w.pandas,
            files: (dir) =>
              Object.fromEntries(
                Object.entries(built!.tables).map(([table, columns]) => {
                  const path = `${dir}/${w.name}-${table}.arrow`;
                  writeArrowFile(path, columns);
                  return [table, path];
                }),
              ),
            params: () => w.params,
            toResult: (json) => json as Columns,
          }),
        ],
        check: compareRelations(undefined, { ordered: w.ordered }),
        setup: () => {
          built = w.build();
        },
        teardown: async () => {
          await duck.close();
          built = null;
        },
      };
    }
  },
};

export default suite;
