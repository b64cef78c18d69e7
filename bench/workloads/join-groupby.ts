import type { DuckDBConnection } from '@duckdb/node-api';
import { mulberry32 } from '../../src/data/random.js';
import { type Relation, count, fromColumns } from '../../src/index.js';
import { appendTable } from '../peers/duckdb.js';
import type { ArrowColumn } from '../peers/python.js';

/**
 * join-groupby, the relational half of W2 (docs/workloads.md): a fact table (int32 key,
 * two float64 measures) joined to a dimension (shuffled int32 key, 8 float64 features, a
 * group column with 1,000 values), then grouped by the group column: count, sum of a
 * measure, sum of measure × feature. Seeded (mulberry32). Used by bench/suites/join-groupby.ts
 * and bench/suites/w2-relational.ts.
 */

export const JOIN_GROUPBY_DIM_ROWS = 100_000;
export const JOIN_GROUPBY_GROUPS = 1_000;
/** Fact rows: full size and --quick. */
export const JOIN_GROUPBY_FULL = 10_000_000;
export const JOIN_GROUPBY_QUICK = 1_000_000;

export interface JoinGroupByData {
  readonly fact: { readonly key: Int32Array; readonly m1: Float64Array; readonly m2: Float64Array };
  readonly dim: { readonly key: Int32Array; readonly grp: Int32Array; readonly features: readonly Float64Array[] };
}

export function generateJoinGroupBy(factRows: number): JoinGroupByData {
  const rand = mulberry32(7);
  const key = new Int32Array(factRows);
  const m1 = new Float64Array(factRows);
  const m2 = new Float64Array(factRows);
  for (let i = 0; i < factRows; i++) {
    key[i] = Math.floor(rand() * JOIN_GROUPBY_DIM_ROWS);
    m1[i] = Math.round(rand() * 1000) / 10;
    m2[i] = rand();
  }
  const dimKey = Int32Array.from({ length: JOIN_GROUPBY_DIM_ROWS }, (_, i) => i);
  for (let i = JOIN_GROUPBY_DIM_ROWS - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [dimKey[i], dimKey[j]] = [dimKey[j], dimKey[i]];
  }
  const features = Array.from({ length: 8 }, () => Float64Array.from({ length: JOIN_GROUPBY_DIM_ROWS }, () => rand()));
  const grp = Int32Array.from({ length: JOIN_GROUPBY_DIM_ROWS }, () => Math.floor(rand() * JOIN_GROUPBY_GROUPS));
  return { fact: { key, m1, m2 }, dim: { key: dimKey, grp, features } };
}

/** The tables as every system loads them: fact(key, m1, m2), dim(key, grp, f1..f8). */
export function joinGroupByTables(data: JoinGroupByData): { fact: Record<string, ArrowColumn>; dim: Record<string, ArrowColumn> } {
  const dim: Record<string, ArrowColumn> = { key: data.dim.key, grp: data.dim.grp };
  data.dim.features.forEach((f, k) => (dim[`f${k + 1}`] = f));
  return { fact: { ...data.fact }, dim };
}

/** Result columns: grp, n (count), s (sum of m1), sf (sum of m1 × f1). */
export function joinGroupByPipeline(data: JoinGroupByData): Relation<never> {
  const fact = fromColumns(data.fact, { name: 'fact' });
  const [f1, f2, f3, f4, f5, f6, f7, f8] = data.dim.features;
  const dim = fromColumns({ key: data.dim.key, grp: data.dim.grp, f1, f2, f3, f4, f5, f6, f7, f8 }, { name: 'dim', primaryKey: ['key'] });
  return fact
    .join(dim, 'key')
    .groupBy('grp')
    .agg((r) => ({ n: count(), s: r.m1.sum(), sf: r.m1.mul(r.f1).sum() })) as never;
}

export const JOIN_GROUPBY_SQL = 'SELECT d.grp, count(*) AS n, sum(f.m1) AS s, sum(f.m1 * d.f1) AS sf FROM fact f JOIN dim d ON f.key = d.key GROUP BY d.grp';

export async function loadJoinGroupBy(db: DuckDBConnection, data: JoinGroupByData): Promise<void> {
  const tables = joinGroupByTables(data);
  await appendTable(db, 'fact', tables.fact);
  await appendTable(db, 'dim', tables.dim);
}
