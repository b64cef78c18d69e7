/**
 * Pipelines (src/physical/pipelines.ts, src/exec/pipeline/): filters, projections and
 * join probes fused into an aggregate and run as one generated loop over morsels of the
 * source on several threads. Checked against DuckDB on tables large enough for many
 * morsels (every join kind a pipeline takes, repeated build keys, string, integer and
 * two-column keys, nulls and NaN), for 1, 2 and 4 threads, bit-identical across thread
 * counts and runs; explain shows the operator and what ran.
 */
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { fromColumns } from '../../src/index.js';
import { MORSEL_ROWS } from '../../src/exec/pipeline/morsels.js';
import { type ColumnIn, Fixture } from '../differential/fixtures.js';
import { pipelineOracle } from '../support/pipeline-oracle.js';
import { A, type JoinKind, type Q, X } from '../differential/pair.js';

const FILE = 'test/exec/pipeline.test.ts';
const ROWS = 3 * MORSEL_ROWS + 1234;

const oracle = pipelineOracle();

const REGIONS = ['north', 'south', 'east', 'west', 'coast', "o'hare", null];

/** A sales fact table and three dimensions; products repeat some keys (chains), stores have null regions. */
function star(f: Fixture, seed: number) {
  const rand = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const sales: Record<string, ColumnIn> = {
    store_id: ['int32', Array.from({ length: ROWS }, () => (rand() < 0.01 ? null : Math.floor(rand() * 120)))],
    product: ['string', Array.from({ length: ROWS }, () => (rand() < 0.01 ? null : `p${Math.floor(rand() * 300)}`))],
    day: ['int64', Array.from({ length: ROWS }, () => Math.floor(rand() * 40))],
    units: ['int32', Array.from({ length: ROWS }, () => (rand() < 0.02 ? null : 1 + Math.floor(rand() * 9)))],
    price: ['float64', Array.from({ length: ROWS }, () => (rand() < 0.001 ? NaN : Math.round(rand() * 10_000) / 100))],
  };
  const stores: Record<string, ColumnIn> = {
    store_id: ['int32', Array.from({ length: 100 }, (_, i) => i)],
    region: ['string', Array.from({ length: 100 }, (_, i) => REGIONS[i % REGIONS.length])],
  };
  // 280 products, some listed twice (two categories): the join repeats those rows.
  const pnames = Array.from({ length: 280 }, (_, i) => `p${i}`);
  const products: Record<string, ColumnIn> = {
    product: ['string', [...pnames, ...pnames.slice(0, 30)]],
    category: ['string', Array.from({ length: 310 }, () => pick(['toys', 'food', 'tools', 'books']))],
    weight: ['float64', Array.from({ length: 310 }, () => (rand() < 0.05 ? null : rand() * 3))],
  };
  const days: Record<string, ColumnIn> = {
    day: ['int64', Array.from({ length: 30 }, (_, i) => i * 1)],
    month: ['int32', Array.from({ length: 30 }, (_, i) => 1 + (i % 3))],
  };
  return {
    sales: f.table('sales', sales),
    stores: f.table('stores', stores, { primaryKey: ['store_id'] }),
    products: f.table('products', products),
    days: f.table('days', days),
  };
}

const AGGS = (q: Q) => [
  { name: 'n', a: A.countStar() },
  { name: 'n_units', a: A.count(X.col(q, 'units')) },
  { name: 'revenue', a: A.sum(X.arith('mul', X.col(q, 'units'), X.col(q, 'price'))) },
  { name: 'avg_price', a: A.mean(X.col(q, 'price')) },
  { name: 'min_units', a: A.min(X.col(q, 'units')) },
  { name: 'max_price', a: A.max(X.col(q, 'price')) },
];

describe('pipelines vs DuckDB', () => {
  it.each(['inner', 'left'] as const)('star: %s joins on int, string (repeated keys) and int64 keys, filter on both sides, grouped by dimension columns', async (how) => {
    const f = new Fixture(`pipeline star ${how}`, FILE);
    const t = star(f, 11);
    let q = f.b.join(t.sales, t.stores, how, ['store_id']);
    q = f.b.join(q, t.products, how, ['product']);
    q = f.b.join(q, t.days, how, ['day']);
    q = f.b.filter(q, X.and(X.cmp('gt', X.col(q, 'units'), 1), X.or(X.isNull(X.col(q, 'region')), X.cmp('ne', X.col(q, 'region'), 'west'))));
    q = f.b.aggregate(q, ['region', 'category', 'month'], AGGS(q));
    await f.check(oracle.duck, q);
  });

  it.each(['semi', 'anti'] as JoinKind[])('%s join in the pipeline', async (how) => {
    const f = new Fixture(`pipeline ${how}`, FILE);
    const t = star(f, 12);
    let q = f.b.join(t.sales, t.days, how, ['day']);
    q = f.b.filter(q, X.cmp('le', X.col(q, 'price'), 80));
    q = f.b.aggregate(q, ['units'], AGGS(q));
    await f.check(oracle.duck, q);
  });

  it('a global aggregate over a pipeline, and one whose filter keeps no row', async () => {
    const f = new Fixture('pipeline global', FILE);
    const t = star(f, 13);
    const q = f.b.join(t.sales, t.stores, 'inner', ['store_id']);
    await f.check(oracle.duck, f.b.aggregate(q, [], AGGS(q), true));
    const none = f.b.filter(q, X.cmp('gt', X.col(q, 'units'), 100));
    await f.check(oracle.duck, f.b.aggregate(none, [], AGGS(none), true));
  });

  it('keys the loop cannot slot (a float key of many values) run operator at a time, same answer', async () => {
    const f = new Fixture('pipeline fallback', FILE);
    const t = star(f, 14);
    const q = f.b.join(t.sales, t.stores, 'inner', ['store_id']);
    const grouped = f.b.aggregate(q, ['price'], [{ name: 'n', a: A.countStar() }]);
    await f.check(oracle.duck, grouped);
    const report = await grouped.rel.explain({ analyze: true });
    expect(report).toMatch(/Pipeline/);
    expect(report).toMatch(/ran: operators one at a time: group keys of too large a domain/);
  });
});

describe('pipelines: unrolled loops', () => {
  it('computes values for rows a filter dropped without letting them raise the int64 range flag', async () => {
    // Dropped rows hold 2^52, whose double is 2^53 (the int64 bound); kept rows hold small values.
    const n = 10_000;
    const keep = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const big = Float64Array.from({ length: n }, (_, i) => (keep[i] ? i : 2 ** 52));
    const g = Int32Array.from({ length: n }, (_, i) => i % 7);
    const facts = fromColumns({ keep: Array.from(keep, Boolean), big, g }, { types: { big: 'int64' } });
    const q = facts
      .filter((r) => r.keep)
      .groupBy('g')
      .agg((r) => ({ s: r.big.add(r.big).sum() }));
    const rows = await q.collectRows();
    const expected = new Map<number, number>();
    for (let i = 0; i < n; i++) if (keep[i]) expected.set(g[i], (expected.get(g[i]) ?? 0) + i * 2);
    expect(new Map(rows.map((r) => [Number(r.g), Number(r.s)]))).toEqual(expected);
    expect(await q.explain({ analyze: true })).toMatch(/ran: one generated loop \(4 rows per iteration\): 1 morsel on 1 thread/);
  });
});

describe('pipelines: threads and determinism', () => {
  const f = new Fixture('pipeline threads', FILE);
  const t = star(f, 21);
  let q = f.b.join(t.sales, t.stores, 'left', ['store_id']);
  q = f.b.join(q, t.products, 'inner', ['product']);
  q = f.b.filter(q, X.cmp('ge', X.col(q, 'units'), 3));
  const grouped = f.b.aggregate(q, ['region', 'category'], AGGS(q));

  it('gives bit-identical Arrow output on 1, 2 and 4 threads, run after run', async () => {
    const bytes = async (workers: number) => Buffer.from(tableToIPC(await grouped.rel.collect({ workers })));
    const one = await bytes(1);
    for (const workers of [2, 4, 1, 4, 2]) expect((await bytes(workers)).equals(one)).toBe(true);
  });

  it('explain shows the pipeline, its steps and threads; analyze shows the morsels', async () => {
    const planned = grouped.rel.explain({ workers: 2 });
    expect(planned).toMatch(/Pipeline \(\d operators\)/);
    expect(planned).toMatch(/filter \(units >= 3\) → left probe store_id → probe product → aggregate: one generated loop over morsels of the source on 2 threads/);
    const analyzed = await grouped.rel.explain({ analyze: true, workers: 4 });
    expect(analyzed).toMatch(/ran: one generated loop: 4 morsels on 4 threads/);
  });

  it('rejects a worker count that is not a positive integer', async () => {
    await expect(grouped.rel.collect({ workers: 0 })).rejects.toThrow(/workers must be a positive integer, got 0/);
    await expect(grouped.rel.collect({ workers: 1.5 })).rejects.toThrow(/workers must be a positive integer/);
  });
});
