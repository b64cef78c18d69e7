import { DuckDBInstance } from '@duckdb/node-api';
import { mulberry32 } from '../../src/data/random.js';
import { count, fromColumns } from '../../src/index.js';
import type { BenchCase, Suite } from '../harness.js';

/**
 * join-groupby: a fact table (int32 key, two float64 measures) joined to a dimension
 * (shuffled int32 key, 8 float64 features, a group column with 1,000 values), then
 * grouped by the group column: count, sum of a measure, sum of measure × feature.
 * Full size: 10,000,000 × 100,000; --quick: a tenth of the fact rows.
 */

const DIM_ROWS = 100_000;
const GROUPS = 1_000;

function generate(factRows: number) {
  const rand = mulberry32(7);
  const key = new Int32Array(factRows);
  const m1 = new Float64Array(factRows);
  const m2 = new Float64Array(factRows);
  for (let i = 0; i < factRows; i++) {
    key[i] = Math.floor(rand() * DIM_ROWS);
    m1[i] = Math.round(rand() * 1000) / 10;
    m2[i] = rand();
  }
  const dimKey = Int32Array.from({ length: DIM_ROWS }, (_, i) => i);
  for (let i = DIM_ROWS - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [dimKey[i], dimKey[j]] = [dimKey[j], dimKey[i]];
  }
  const features = Array.from({ length: 8 }, () => Float64Array.from({ length: DIM_ROWS }, () => rand()));
  const grp = Int32Array.from({ length: DIM_ROWS }, () => Math.floor(rand() * GROUPS));
  return { fact: { key, m1, m2 }, dim: { key: dimKey, grp, features } };
}

type Data = ReturnType<typeof generate>;
type GroupRow = { grp: number; n: number; s: number; sf: number };

function tesseraPipeline(data: Data) {
  const fact = fromColumns(data.fact, { name: 'fact' });
  const [f1, f2, f3, f4, f5, f6, f7, f8] = data.dim.features;
  const dim = fromColumns({ key: data.dim.key, grp: data.dim.grp, f1, f2, f3, f4, f5, f6, f7, f8 }, { name: 'dim', primaryKey: ['key'] });
  return fact
    .join(dim, 'key')
    .groupBy('grp')
    .agg((r) => ({ n: count(), s: r.m1.sum(), sf: r.m1.mul(r.f1).sum() }));
}

const QUERY = 'SELECT d.grp, count(*) AS n, sum(f.m1) AS s, sum(f.m1 * d.f1) AS sf FROM fact f JOIN dim d ON f.key = d.key GROUP BY d.grp';

async function loadDuckDB(data: Data) {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  await db.run('CREATE TABLE fact (key INTEGER, m1 DOUBLE, m2 DOUBLE)');
  await db.run(`CREATE TABLE dim (key INTEGER, grp INTEGER, ${data.dim.features.map((_, i) => `f${i + 1} DOUBLE`).join(', ')})`);
  const fact = await db.createAppender('fact');
  const { key, m1, m2 } = data.fact;
  for (let i = 0; i < key.length; i++) {
    fact.appendInteger(key[i]);
    fact.appendDouble(m1[i]);
    fact.appendDouble(m2[i]);
    fact.endRow();
  }
  fact.closeSync();
  const dim = await db.createAppender('dim');
  for (let i = 0; i < DIM_ROWS; i++) {
    dim.appendInteger(data.dim.key[i]);
    dim.appendInteger(data.dim.grp[i]);
    for (const f of data.dim.features) dim.appendDouble(f[i]);
    dim.endRow();
  }
  dim.closeSync();
  return { instance, db };
}

function byGroup(rows: readonly GroupRow[]): Map<number, GroupRow> {
  return new Map(rows.map((r) => [r.grp, r]));
}

/** Same groups, same counts, sums equal to 1e-9 relative. */
function compare(reference: unknown, other: unknown): string {
  const a = byGroup(reference as GroupRow[]);
  const b = byGroup(other as GroupRow[]);
  if (a.size !== b.size) return `group count ${a.size} vs ${b.size}`;
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  for (const [g, r] of a) {
    const o = b.get(g);
    if (!o || o.n !== r.n || !close(o.s, r.s) || !close(o.sf, r.sf)) return `group ${g} differs`;
  }
  return 'ok';
}

const suite: Suite = {
  name: 'join-groupby',
  description: 'fact ⋈ dimension on an int32 key, group by a 1,000-value column: count, sum, sum of a product',
  async *cases({ quick }): AsyncIterable<BenchCase> {
    const factRows = quick ? 1_000_000 : 10_000_000;
    const data = generate(factRows);
    const { instance, db } = await loadDuckDB(data);
    const pipeline = tesseraPipeline(data);
    yield {
      workload: 'join-groupby',
      case: { fact_rows: factRows, dim_rows: DIM_ROWS, groups: GROUPS },
      systems: [
        {
          name: 'tessera',
          run: async () => (await pipeline.collectRows()) as GroupRow[],
        },
        {
          name: 'duckdb',
          run: async () => {
            const reader = await db.runAndReadAll(QUERY);
            return reader.getRowObjectsJS().map((r) => ({ grp: Number(r.grp), n: Number(r.n), s: Number(r.s), sf: Number(r.sf) }));
          },
        },
      ],
      check: compare,
      teardown: () => {
        db.closeSync();
        instance.closeSync();
      },
    };
  },
};

export default suite;
